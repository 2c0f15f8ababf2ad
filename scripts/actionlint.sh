#!/usr/bin/env bash
# actionlint (pinned in tools/actionlint.txt, offline) over the generated GitHub Actions workflow:
# workflow syntax, job and step keys, expressions and their contexts (`matrix`, `needs`, `vars`),
# action inputs; with shellcheck on PATH (.ci/run installs it) also every `run:` script.
# The hand-written .github/workflows/ci.yml is not generated and not checked here.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bin="$(scripts/venv.sh actionlint)"
workflow=.github/workflows/supabase-infrastructure.yml
[ -f "$workflow" ] || { echo "error: $workflow is missing: run \`cargo run -- generate --all\`" >&2; exit 1; }
command -v shellcheck >/dev/null || echo "warning: shellcheck is not on PATH: the run: scripts are not checked" >&2
"$bin/actionlint" -no-color "$workflow"
echo "actionlint: $workflow OK"
