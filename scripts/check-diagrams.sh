#!/usr/bin/env bash
# Checks the generated architecture diagrams: every Mermaid block parses with Mermaid itself
# (pinned in tools/diagrams/package.json, installed into .cache/ on first use), and every draw.io
# file is well-formed with edges between existing boxes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null || { echo "error: node (and npm) are required for the Mermaid check" >&2; exit 1; }
deps=".cache/diagrams"
if ! cmp -s tools/diagrams/package.json "$deps/package.json" 2>/dev/null || [ ! -d "$deps/node_modules/mermaid" ]; then
  rm -rf "$deps" && mkdir -p "$deps"
  cp tools/diagrams/package.json "$deps/"
  (cd "$deps" && npm install --silent --no-audit --no-fund --no-package-lock >/dev/null)
fi
cp tools/diagrams/check-mermaid.mjs "$deps/"
node "$deps/check-mermaid.mjs" out/environments/*/*/README.md
python3 tools/diagrams/check-drawio.py out/environments/*/*/architecture.drawio
