#!/usr/bin/env bash
# Installs postgres-meta (Studio's database backend, npm @supabase/postgres-meta) at the version
# the chart pins, from tools/postgres-meta/{package.json,package-lock.json}, into
# .cache/postgres-meta, for tests/contracts/meta.rs. Idempotent and quiet: reinstalls only when
# the pin files change (scripts/npm-pinned.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pins="$root/tools/postgres-meta"
source "$root/scripts/npm-pinned.sh"
command -v node >/dev/null || { echo "error: node and npm are required to install postgres-meta" >&2; exit 1; }

# The version the chart deploys (generator/resolve/defaults.rs) must be the one installed here.
chart="$(sed -n 's/.*("meta", "supabase\/postgres-meta", "v\([0-9.]*\)").*/\1/p' "$root/generator/resolve/defaults.rs")"
pinned="$(node -p 'require(process.argv[1]).dependencies["@supabase/postgres-meta"]' "$pins/package.json")"
[ -n "$chart" ] && [ "$chart" = "$pinned" ] \
  || { echo "error: tools/postgres-meta pins @supabase/postgres-meta $pinned but the chart deploys v${chart:-?} (generator/resolve/defaults.rs)" >&2; exit 1; }

# No install scripts: nothing is built, the package ships its compiled server.
npm_pinned postgres-meta node_modules/@supabase/postgres-meta/dist/server/server.js
