#!/usr/bin/env bash
# The emulator stage as CI runs it: several scripts/e2e.sh runs at once (each spends most of its
# ~7 minutes in the AWS provider's fixed waits for RDS and S3, so they overlap well on 2 cores),
# each with its own moto and log. Prints every run's log tail (its timing table) and fails if any
# run did not end as expected.
#
#   scripts/e2e-ci.sh <region>/<env> ... [--negative-control <region>/<env>]
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
# Install moto once, before the runs race to do it.
scripts/venv.sh moto >/dev/null

runs=()
expect=()
while [ $# -gt 0 ]; do
  if [ "$1" = "--negative-control" ]; then
    runs+=("--negative-control $2"); expect+=(2); shift 2
  else
    runs+=("$1"); expect+=(0); shift
  fi
done
pids=()
for i in "${!runs[@]}"; do
  # shellcheck disable=SC2086 # the run string is "[--negative-control] region/env"
  scripts/e2e.sh ${runs[$i]} > "$logs/$i.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!runs[@]}"; do
  wait "${pids[$i]}"; rc=$?
  echo "==== scripts/e2e.sh ${runs[$i]}: exit $rc (expected ${expect[$i]})"
  if [ "$rc" -ne "${expect[$i]}" ]; then
    failed=1
    cat "$logs/$i.log"
  else
    sed -n '/negative control\|PASS\|== timings/,$p' "$logs/$i.log"
  fi
done
exit $failed
