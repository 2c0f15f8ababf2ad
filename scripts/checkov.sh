#!/usr/bin/env bash
# checkov (pinned in tools/checkov.txt, offline) over the generated Terraform: modules/ with
# their defaults, then out/ where every root instantiates the modules with its environment's
# tfvars. Each is scanned once (JSON report); tools/checkov/report.py prints any failed check,
# the counts and every skip with its reason. Fails on any failed check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="$(scripts/venv.sh checkov)"
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
report="$(mktemp -d)"
trap 'rm -rf "$report"' EXIT
status=0
for dir in modules out; do
  # Not --quiet: quiet JSON leaves out the skipped checks.
  "$bin/checkov" --directory "$dir" --framework terraform --skip-download -o json > "$report/$dir.json" || status=1
done
"$bin/python" tools/checkov/report.py --resources terraform "$report/modules.json" "$report/out.json" || status=1
# The generated GitHub Actions workflow (CKV_GHA_*, CKV2_GHA_*: permissions, script injection,
# secrets in curl). The hand-written ci.yml is not generated and not scanned.
"$bin/checkov" --file .github/workflows/supabase-infrastructure.yml --framework github_actions --skip-download --compact --quiet || status=1
exit $status
