#!/usr/bin/env bash
# checkov (pinned in tools/checkov.txt, offline) over the generated Terraform: modules/ with
# their defaults, then out/ where every root instantiates the modules with its environment's
# tfvars. Prints the counts and every skip with its reason; fails on any failed check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="$(scripts/venv.sh checkov)"
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
report="$(mktemp -d)"
trap 'rm -rf "$report"' EXIT
status=0
for dir in modules out; do
  "$bin/checkov" --directory "$dir" --framework terraform --skip-download --quiet --compact -o cli || status=1
  "$bin/checkov" --directory "$dir" --framework terraform --skip-download -o json > "$report/$dir.json" 2>/dev/null || true
done
"$bin/python" - "$report" <<'PY'
import json, pathlib, sys, collections
total = collections.Counter()
skips = collections.defaultdict(set)
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.json")):
    data = json.loads(path.read_text())
    for run in data if isinstance(data, list) else [data]:
        for key in ("passed", "failed", "skipped"):
            total[key] += run["summary"][key]
        for check in run["results"].get("skipped_checks", []):
            reason = check["check_result"].get("suppress_comment", "").strip()
            resource = ".".join(check["resource"].split(".")[-2:])
            skips[(check["check_id"], reason)].add(resource.split("[")[0])
print(f"checkov total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
print(f"{len(skips)} distinct skips (check: reason):")
for (check, reason), resources in sorted(skips.items()):
    print(f"  {check} on {', '.join(sorted(resources))}: {reason}")
PY
exit $status
