# Sourced by the install scripts: npm_pinned <name> <file> [--run-scripts]
# Installs the npm packages pinned in tools/<name>/{package.json,package-lock.json} into
# .cache/<name> with `npm ci`, unless that exact pin set is installed already and <file>
# (relative to .cache/<name>) exists. Install scripts run only with --run-scripts.
# Quiet on success; on failure prints npm's log, removes the partial install and exits 1.
npm_pinned() {
  local name="$1" file="$2" scripts=--ignore-scripts
  [ "${3:-}" = --run-scripts ] && scripts=
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local pins="$root/tools/$name" dest="$root/.cache/$name"
  command -v node >/dev/null && command -v npm >/dev/null \
    || { echo "error: node and npm are required to install tools/$name" >&2; exit 1; }
  if [ -e "$dest/$file" ] && cmp -s "$pins/package.json" "$dest/package.json" \
     && cmp -s "$pins/package-lock.json" "$dest/package-lock.json"; then
    return 0
  fi
  echo "installing tools/$name into .cache/$name" >&2
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$pins/package.json" "$pins/package-lock.json" "$dest/"
  local log
  if ! log="$(cd "$dest" && npm ci $scripts --no-audit --no-fund --loglevel=error 2>&1)"; then
    printf '%s\n' "$log" >&2
    rm -rf "$dest"
    echo "error: npm ci of tools/$name failed" >&2
    exit 1
  fi
  [ -e "$dest/$file" ] || { rm -rf "$dest"; echo "error: .cache/$name/$file missing after install" >&2; exit 1; }
}
