#!/usr/bin/env bash
# Ensures a cached virtualenv for one Python tool, pinned by tools/<name>.txt, and prints its
# bin directory. Reinstalls only when the pin file changes.
#
#   bin="$(scripts/venv.sh checkov)"
set -euo pipefail
name="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pins="$root/tools/$name.txt"
venv="$root/.cache/venv/$name"
[ -f "$pins" ] || { echo "error: no pin file $pins" >&2; exit 1; }
stamp="$venv/.pins"
if [ ! -f "$stamp" ] || ! cmp -s "$pins" "$stamp"; then
  python3 -c 'import sys; assert sys.version_info >= (3, 9)' || { echo "error: python3 >= 3.9 is required for $name" >&2; exit 1; }
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$pins" >&2
  cp "$pins" "$stamp"
fi
echo "$venv/bin"
