#!/usr/bin/env bash
# Emulator stage: applies one environment's generated Terraform against a local AWS emulator
# (moto), proves a second plan is empty, destroys it and proves nothing is left.
#
#   scripts/e2e.sh <region>/<env>                     e.g. scripts/e2e.sh ireland/development
#   scripts/e2e.sh --negative-control <region>/<env>  same, but drift is injected after the apply:
#                                                     the re-plan gate must catch it (exit 2)
#
# Steps: check the override files (e2e/check_overrides.py) -> install moto into a cached venv
# (scripts/venv.sh, pin tools/moto.txt) -> start moto on a free loopback port, as the
# environment's account -> prove the disabled types are really missing from moto
# (e2e/moto_probe.py) -> copy modules/ and the environment's roots into a temp dir (same relative
# layout) with the emulator-only overrides from e2e/overrides/ -> the bootstrap root holding the
# environment's state (out/bootstrap/<account>-<state region>/): init and apply, local state like
# every root here (not migrated into the bucket: moto 5.2 treats the conditions of a bucket
# policy's Deny as unmet, moto/iam/access_control.py `_check_conditions`, so the TLS-only deny
# refuses every object request, TLS or not) -> networking, then core:
# `supabase-aws-gen apply --layer L --auto-approve` on the temp tree (so the stale-output refusal,
# the version check and the saved-plan apply run on every CI run) -> a stand-in for the load
# balancer controller's ALB (e2e/stand_in_alb.py), then monitoring the same way -> the re-plan
# gate: bootstrap with terraform plan -detailed-exitcode, the environment's layers with
# `supabase-aws-gen plan --layer L` (changes = failure, plan printed in full), then
# `supabase-aws-gen drift` (drift = failure) -> destroy monitoring, delete the stand-in ALB -> teardown apply of core
# (deletion_protection=false, force_destroy=true, as an operator would) -> destroy core, then
# networking, then bootstrap (its bucket is empty: every root keeps local state here, so no
# force_destroy is needed, and the bucket has none) -> assert moto holds nothing
# (e2e/assert_empty.py, also in the state region if it differs) -> timings.
# The committed output is never modified; moto (exactly the PID started here) is always stopped.
#
# Exit: 0 pass; 1 a step failed; 2 the re-plan gate found changes (the expected outcome of
# --negative-control, whose own failure to see the drift exits 1). A re-plan with changes does not
# stop the run: the stack is still torn down and checked, then the script exits 2.
#
#   E2E_KEEP=1      keep the temp dir (roots, state, logs) for inspection
#   MOTO_PORT=n     use this port instead of a free one
#   E2E_SOURCE=dir  take modules/ and out/ from another tree (e.g. a candidate fix) instead of
#                   this repository; the overrides and checks still come from this repository
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
e2e_dir="$repo_root/e2e"

negative=0
if [ "${1:-}" = "--negative-control" ]; then negative=1; shift; fi
if [ $# -ne 1 ] || [[ "$1" != */* ]]; then
  echo "usage: scripts/e2e.sh [--negative-control] <region>/<env>" >&2
  exit 1
fi
env="$1"
source_root="$(cd "${E2E_SOURCE:-$repo_root}" && pwd)"
env_dir="$source_root/out/environments/$env"
for layer in networking core monitoring; do
  [ -f "$env_dir/$layer/terraform.tfvars" ] || { echo "error: no $env_dir/$layer/terraform.tfvars" >&2; exit 1; }
done

# shellcheck source=scripts/terraform-env.sh
source "$repo_root/scripts/terraform-env.sh"
# Never reach real AWS with whatever credentials the shell has.
unset AWS_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_DEFAULT_PROFILE
export AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

# A value from a generated terraform.tfvars (simple `key = value` lines only).
tfvar() { sed -n "s/^$2 *= *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" "$env_dir/$1/terraform.tfvars" | head -n 1; }
account_id="$(tfvar networking account_id)"
region="$(tfvar networking aws_region)"
name="$(tfvar core name)"
bucket="$(tfvar core bucket_name)"
deletion_protection="$(tfvar core deletion_protection)"
force_destroy="$(tfvar core force_destroy)"
skip_final_snapshot="$(tfvar core skip_final_snapshot)"
# The bootstrap root holding this environment's state: out/bootstrap/<account>-<state region>/.
state_region="$(sed -n 's/^ *region *= *"\(.*\)"$/\1/p' "$env_dir/networking/backend.tf")"
bootstrap_rel="out/bootstrap/$account_id-$state_region"
[ -f "$source_root/$bootstrap_rel/terraform.tfvars" ] || { echo "error: no $source_root/$bootstrap_rel/terraform.tfvars" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/e2e.XXXXXX")"
logs="$work/logs"
mkdir -p "$logs"
moto_pid=""
gate_failed=0

# ---- timings: every step goes through `step <label> <command...>` -------------------------------
step_names=()
step_secs=()
script_start=$(date +%s%N)
print_timings() {
  local total=$(( ($(date +%s%N) - script_start) / 1000000 ))
  echo
  echo "== timings ($env$([ $negative = 1 ] && echo ', negative control'))"
  printf '  %-34s %9s\n' step seconds
  local i
  for i in "${!step_names[@]}"; do printf '  %-34s %9s\n' "${step_names[$i]}" "${step_secs[$i]}"; done
  printf '  %-34s %9s\n' total "$(printf '%d.%d' $((total / 1000)) $((total % 1000 / 100)))"
}
step() {
  local label="$1" start rc=0 ms
  shift
  echo "== $label"
  start=$(date +%s%N)
  "$@" || rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  step_names+=("$label")
  step_secs+=("$(printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)))$([ $rc = 0 ] || echo ' FAIL')")
  return $rc
}

# ---- cleanup: always stop exactly our moto, print timings, drop the temp dir -------------------
cleanup() {
  local rc=$?
  if [ -n "$moto_pid" ] && kill -0 "$moto_pid" 2>/dev/null; then
    kill -TERM "$moto_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$moto_pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$moto_pid" 2>/dev/null && kill -KILL "$moto_pid" 2>/dev/null
    wait "$moto_pid" 2>/dev/null || true
    echo "moto (pid $moto_pid) stopped"
  fi
  print_timings
  if [ "${E2E_KEEP:-0}" = 1 ] || { [ $rc != 0 ] && [ $rc != 2 ]; }; then
    echo "kept $work (roots, state, logs/)"
  else
    rm -rf "$work"
  fi
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Runs a command with its output in logs/<file>; prints the log's tail when it fails.
logged() {
  local file="$logs/$1" rc=0
  shift
  "$@" >"$file" 2>&1 || rc=$?
  if [ $rc != 0 ]; then
    echo "   failed (exit $rc); last lines of $file:"
    tail -n 60 "$file" | sed 's/^/   | /'
  fi
  return $rc
}

# ---- 0. the overrides only do what the allowlists allow ---------------------------------------
step "check overrides" python3 "$e2e_dir/check_overrides.py" "$repo_root" "$source_root"

# ---- 1. moto, installed once into a cached venv ------------------------------------------------
install_moto() { venv_bin="$("$repo_root/scripts/venv.sh" moto)"; }
step "install moto" install_moto

# ---- 2. start it on loopback, as the environment's account -------------------------------------
start_moto() {
  port="${MOTO_PORT:-$("$venv_bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
  endpoint="http://127.0.0.1:$port"
  # MOTO_ACCOUNT_ID (moto/core/responses.py get_current_account) makes every call run in this
  # account, so the provider's allowed_account_ids check passes with the generated value.
  MOTO_ACCOUNT_ID="$account_id" MOTO_IAM_LOAD_MANAGED_POLICIES=true \
    "$venv_bin/python" "$e2e_dir/moto_server.py" -H 127.0.0.1 -p "$port" >"$logs/moto.log" 2>&1 &
  moto_pid=$!
  echo "   moto pid $moto_pid on $endpoint, account $account_id"
  for _ in $(seq 150); do
    kill -0 "$moto_pid" 2>/dev/null || { echo "   moto exited:"; cat "$logs/moto.log"; return 1; }
    curl -sf -o /dev/null "$endpoint/moto-api/" && return 0
    sleep 0.2
  done
  echo "   moto did not answer within 30 s"; return 1
}
step "start moto" start_moto

step "probe moto gaps" "$venv_bin/python" "$e2e_dir/moto_probe.py" "$endpoint" "$region" "$e2e_dir/allowed-disabled.txt"

# ---- 3. the generated code plus the emulator-only overrides, in a temp dir ---------------------
prepare() {
  cp -r "$source_root/modules" "$work/modules"
  # What `supabase-aws-gen plan/apply/drift` compares with the environment's generated output
  # before running anything: the config (with its Edge Functions, which the values embed) and
  # the shared generated files of that output.
  cp "$source_root/service-tiers.yaml" "$work/"
  if [ -d "$source_root/functions" ]; then cp -r "$source_root/functions" "$work/functions"; fi
  mkdir -p "$work/schema" "$work/helm-charts/supabase-custom"
  cp "$source_root/schema/service-tiers.schema.json" "$work/schema/"
  cp "$source_root/helm-charts/supabase-custom/values.schema.json" "$work/helm-charts/supabase-custom/"
  mkdir -p "$work/out/environments/${env%/*}"
  cp -r "$env_dir" "$work/out/environments/$env"
  # Whatever a local run left next to the committed files is not part of the test.
  find "$work" \( -name .terraform -o -name '*.tfstate' -o -name '*.tfstate.*' \) -prune -exec rm -rf {} +
  local f dest
  for f in "$e2e_dir"/overrides/modules/*/*.tf; do
    dest="$work/modules/$(basename "$(dirname "$f")")"
    cp "$f" "$dest/"
    echo "   $(basename "$f") -> modules/$(basename "$dest")/"
  done
  mkdir -p "$work/out/bootstrap"
  cp -r "$source_root/$bootstrap_rel" "$work/$bootstrap_rel"
  find "$work/out/bootstrap" \( -name .terraform -o -name '*.tfstate' -o -name '*.tfstate.*' \) -prune -exec rm -rf {} +
  for layer in bootstrap networking core monitoring; do
    for f in "$e2e_dir"/overrides/layers/all/*.tf "$e2e_dir"/overrides/layers/$layer/*.tf; do
      [ -f "$f" ] || continue
      sed "s|@MOTO_ENDPOINT@|$endpoint|g" "$f" >"$(root "$layer")/$(basename "$f")"
      echo "   $(basename "$f") -> $(root "$layer" | sed "s|^$work/||")/"
    done
  done
}
root() {
  if [ "$1" = bootstrap ]; then echo "$work/$bootstrap_rel"; else echo "$work/out/environments/$env/$1"; fi
}
step "prepare temp dir" prepare
tf() { local layer="$1"; shift; (cd "$(root "$layer")" && terraform "$@" -input=false -no-color); }
# The generator's plan/apply/drift on the temp tree (its config is copied there by prepare, so
# `--out` is the temp dir); the binary: $SUPABASE_AWS_GEN, else target/debug/supabase-aws-gen (CI
# builds it first), else cargo. Terraform's colours off in the logs, as tf() does.
gen=("${SUPABASE_AWS_GEN:-$repo_root/target/debug/supabase-aws-gen}")
[ -x "${gen[0]}" ] || gen=(cargo run -q --manifest-path "$repo_root/Cargo.toml" --)
sag() {
  TF_CLI_ARGS_init=-no-color TF_CLI_ARGS_plan=-no-color TF_CLI_ARGS_apply=-no-color TF_CLI_ARGS_show=-no-color \
    "${gen[@]}" --config "$work/service-tiers.yaml" --out "$work" "$@"
}

# ---- 4. the state bucket first (bootstrap), then networking and core ----------------------------
step "bootstrap: init" logged bootstrap-init.log tf bootstrap init
step "bootstrap: apply" logged bootstrap-apply.log tf bootstrap apply -auto-approve
grep -E '^Apply complete' "$logs/bootstrap-apply.log" | sed 's/^/   /'
# Each prints its summary table (layer | add | change | destroy | seconds | result).
apply_summary() { grep -E '^Apply complete' "$logs/$1-apply.log" | sed 's/^/   /'; sed -n '/^Summary for/,$p' "$logs/$1-apply.log" | sed 's/^/   /'; }
for layer in networking core; do
  step "$layer: apply" logged "$layer-apply.log" sag apply "$env" --layer "$layer" --auto-approve
  apply_summary "$layer"
done

# ---- 4b. monitoring: its load balancer comes from the controller at helm install, which never
# runs here; e2e/stand_in_alb.py creates one with the generated name and the controller's tags.
step "stand in for the LB controller" "$venv_bin/python" "$e2e_dir/stand_in_alb.py" "$endpoint" "$region" create "$(root monitoring)"
step "monitoring: apply" logged monitoring-apply.log sag apply "$env" --layer monitoring --auto-approve
apply_summary monitoring

# ---- 5. the re-plan gate: anything to change is a failure, shown in full ----------------------
declare -A drift=([bootstrap]=0 [networking]=0 [core]=0 [monitoring]=0)
# The bootstrap root is not an environment layer: plain terraform (exit 2 = changes). The layers
# go through `supabase-aws-gen plan --layer L` (exit 5 = changes pending).
plan_gate() {
  local layer="$1" rc=0 changes=5
  if [ "$layer" = bootstrap ]; then
    changes=2
    tf "$layer" plan -detailed-exitcode >"$logs/$layer-plan.log" 2>&1 || rc=$?
  else
    sag plan "$env" --layer "$layer" >"$logs/$layer-plan.log" 2>&1 || rc=$?
  fi
  case $rc in
    0) echo "   $layer: no changes"; drift[$layer]=0 ;;
    "$changes") echo "   $layer: the re-plan wants changes; full plan:"
       sed 's/^/   | /' "$logs/$layer-plan.log"
       drift[$layer]=1 ;;
    *) echo "   $layer: plan failed (exit $rc):"
       sed 's/^/   | /' "$logs/$layer-plan.log"
       return 1 ;;
  esac
}
if [ $negative = 1 ]; then
  step "networking: plan (before drift)" plan_gate networking
  step "core: plan (before drift)" plan_gate core
  if [ "${drift[networking]}${drift[core]}" != 00 ]; then
    echo "negative control: the stack was not clean before the drift was injected; fix that first" >&2
    exit 1
  fi
  step "inject drift" "$venv_bin/python" "$e2e_dir/inject_drift.py" "$endpoint" "$region" "$name" "$bucket"
fi
step "bootstrap: plan" plan_gate bootstrap
step "networking: plan" plan_gate networking
step "core: plan" plan_gate core
step "monitoring: plan" plan_gate monitoring
# `drift`, as a scheduled job runs it: every layer, one table.
drift_rc=0
drift_check() {
  sag drift "$env" >"$logs/drift.log" 2>&1 || drift_rc=$?
  sed -n '/^Drift$/,$p' "$logs/drift.log" | sed 's/^/   /'
  echo "   supabase-aws-gen drift: exit $drift_rc"
  case $drift_rc in
    0|5) ;;
    *) sed 's/^/   | /' "$logs/drift.log"; return 1 ;;
  esac
}
step "drift (every layer)" drift_check
if [ "${drift[bootstrap]}${drift[networking]}${drift[core]}${drift[monitoring]}" != 0000 ]; then gate_failed=1; fi
if [ $negative = 0 ] && [ $drift_rc = 5 ]; then
  echo "   drift found on a stack nothing changed; full output:"; sed 's/^/   | /' "$logs/drift.log"
  gate_failed=1
fi
if [ $negative = 1 ]; then
  if [ "${drift[networking]}${drift[core]}" = 11 ] && [ $drift_rc = 5 ]; then
    echo "negative control: the re-plan gate caught the injected drift in both layers, and drift reported it (exit 5)"
  else
    echo "NEGATIVE CONTROL FAILED: the re-plan gate or drift missed drift injected into moto" \
      "(networking: ${drift[networking]}, core: ${drift[core]}, drift exit $drift_rc)" >&2
    gate_failed=3
  fi
fi

# ---- 5b. a rename is a move, not a destroy ------------------------------------------------------
# The generator itself renames a networking resource (`generate --test-rename`, a hidden option for
# this test: the resource relabelled and its `moved` block emitted, exactly as an entry in
# generator/plan/moves.rs would) into a copy of the committed tree; planning the renamed module
# against the applied state must move the resource and destroy nothing. The applied copy is
# restored afterwards. Skipped in the negative control (its drift would be in the plan).
rename_is_a_move() {
  local tree="$work/renamed" rc=0
  mkdir -p "$tree/out/environments/${env%/*}"
  cp "$source_root/service-tiers.yaml" "$tree/"
  if [ -d "$source_root/functions" ]; then cp -r "$source_root/functions" "$tree/functions"; fi
  cp -r "$source_root/modules" "$tree/modules"
  cp -r "$env_dir" "$tree/out/environments/$env"
  "${gen[@]}" --config "$tree/service-tiers.yaml" generate "$env" \
    --test-rename modules/networking:aws_route.public_internet=aws_route.internet >"$logs/rename-generate.log" 2>&1 \
    || { sed 's/^/   | /' "$logs/rename-generate.log"; return 1; }
  cp "$work/modules/networking/main.tf" "$work/networking-main.tf.applied"
  cp "$tree/modules/networking/main.tf" "$tree/modules/networking/moved.tf" "$work/modules/networking/"
  sed 's/^/   | /' "$work/modules/networking/moved.tf"
  tf networking plan -detailed-exitcode >"$logs/rename-plan.log" 2>&1 || rc=$?
  cp "$work/networking-main.tf.applied" "$work/modules/networking/main.tf"
  rm "$work/modules/networking/moved.tf"
  grep -E 'has moved to|^Plan:|No changes' "$logs/rename-plan.log" | sed 's/^/   /'
  if [ $rc = 1 ] || ! grep -q 'module.networking.aws_route.public_internet has moved to module.networking.aws_route.internet' "$logs/rename-plan.log" \
    || grep -qE 'will be destroyed|must be replaced' "$logs/rename-plan.log" \
    || grep -E '^Plan:' "$logs/rename-plan.log" | grep -vq ' 0 to destroy'; then
    echo "   the rename is not a pure move; full plan:"; sed 's/^/   | /' "$logs/rename-plan.log"; return 1
  fi
}
if [ $negative = 0 ]; then step "networking: plan a generator rename (moved)" rename_is_a_move; fi

# ---- 6. destroy core, then networking; moto must be empty -------------------------------------
# Like an operator tearing down a protected environment: first an apply that lifts deletion
# protection and lets Terraform empty the buckets (moto, like S3, delivers server access logs into
# the log bucket, and a non-empty bucket cannot be deleted), then destroy. The same apply also
# puts back what the negative control drifted.
teardown_vars=(-var deletion_protection=false -var force_destroy=true)
# Monitoring first, as in the runbook: it reads the load balancer, which goes next.
step "monitoring: destroy" logged monitoring-destroy.log tf monitoring destroy -auto-approve
step "remove the stand-in LB" "$venv_bin/python" "$e2e_dir/stand_in_alb.py" "$endpoint" "$region" delete "$(root monitoring)"
if [ "$deletion_protection" = true ] || [ "$force_destroy" = false ] || [ $negative = 1 ]; then
  step "core: apply teardown settings" logged core-teardown.log tf core apply -auto-approve "${teardown_vars[@]}"
  grep -E '^Apply complete' "$logs/core-teardown.log" | sed 's/^/   /'
fi
if [ $negative = 1 ]; then
  step "networking: apply (undo drift)" logged networking-undo.log tf networking apply -auto-approve
fi
step "core: destroy" logged core-destroy.log tf core destroy -auto-approve "${teardown_vars[@]}"
step "networking: destroy" logged networking-destroy.log tf networking destroy -auto-approve
step "bootstrap: destroy" logged bootstrap-destroy.log tf bootstrap destroy -auto-approve
grep -hE '^Destroy complete' "$logs/monitoring-destroy.log" "$logs/core-destroy.log" "$logs/networking-destroy.log" "$logs/bootstrap-destroy.log" | sed 's/^/   /'

expect=()
[ "$skip_final_snapshot" = false ] && expect=(--final-snapshot "$name-final")
step "assert moto is empty" "$venv_bin/python" "$e2e_dir/assert_empty.py" "$endpoint" "$region" "${expect[@]}"
if [ "$state_region" != "$region" ]; then
  step "assert moto is empty ($state_region)" "$venv_bin/python" "$e2e_dir/assert_empty.py" "$endpoint" "$state_region"
fi

case $gate_failed in
  0) echo "PASS: $env applied, re-planned with no changes, destroyed, nothing left"; exit 0 ;;
  1) if [ $negative = 1 ]; then
       echo "negative control PASSED: the stage fails (exit 2) on the injected drift, and cleaned up"
     else
       echo "FAIL: the re-plan of $env wants changes (see the plan above)"
     fi
     exit 2 ;;
  *) exit 1 ;;
esac
