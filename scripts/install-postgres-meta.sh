#!/usr/bin/env bash
# Installs postgres-meta (Studio's database backend, npm @supabase/postgres-meta) at the version
# the chart pins, from tools/postgres-meta/{package.json,package-lock.json}, into
# .cache/postgres-meta, for tests/contracts/meta.rs. Idempotent and quiet: reinstalls only when
# the pin files change. Prints nothing on success.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pins="$root/tools/postgres-meta"
dest="$root/.cache/postgres-meta"
server="$dest/node_modules/@supabase/postgres-meta/dist/server/server.js"

command -v node >/dev/null && command -v npm >/dev/null \
  || { echo "error: node and npm are required to install postgres-meta" >&2; exit 1; }

# The version the chart deploys (generator/resolve/defaults.rs) must be the one installed here.
chart="$(sed -n 's/.*("meta", "supabase\/postgres-meta", "v\([0-9.]*\)").*/\1/p' "$root/generator/resolve/defaults.rs")"
pinned="$(node -p 'require(process.argv[1]).dependencies["@supabase/postgres-meta"]' "$pins/package.json")"
[ -n "$chart" ] && [ "$chart" = "$pinned" ] \
  || { echo "error: tools/postgres-meta pins @supabase/postgres-meta $pinned but the chart deploys v${chart:-?} (generator/resolve/defaults.rs)" >&2; exit 1; }

if [ -f "$server" ] && cmp -s "$pins/package.json" "$dest/package.json" \
   && cmp -s "$pins/package-lock.json" "$dest/package-lock.json"; then
  exit 0
fi
rm -rf "$dest"
mkdir -p "$dest"
cp "$pins/package.json" "$pins/package-lock.json" "$dest/"
# --ignore-scripts: nothing is built; the package ships its compiled server.
if ! log="$(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1)"; then
  printf '%s\n' "$log" >&2
  rm -rf "$dest"
  echo "error: npm ci of @supabase/postgres-meta $pinned failed" >&2
  exit 1
fi
[ -f "$server" ] || { rm -rf "$dest"; echo "error: $server missing after install" >&2; exit 1; }
