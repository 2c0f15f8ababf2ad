#!/usr/bin/env bash
# Installs Deno at the version supabase/edge-runtime v1.70.3 embeds (npm `deno`, pinned in
# tools/deno/{package.json,package-lock.json}) into .cache/deno, for tests/functions.rs, which runs
# the chart's functions main service with it. Idempotent and quiet.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/npm-pinned.sh"
npm_pinned deno node_modules/@deno/linux-x64-glibc/deno
