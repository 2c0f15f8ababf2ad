#!/usr/bin/env bash
# terraform fmt -check over the generated tree, then `init -backend=false` + `validate` for every
# module and every environment root, on a throwaway copy (so no .terraform/ or lock files land
# in the working tree). Prints one line per root with the result and the time it took.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/terraform-env.sh"
cd "$repo_root"

terraform version | sed -n 1p
echo "provider mirror: $TF_PROVIDER_MIRROR"

echo "== terraform fmt -check -recursive modules out"
terraform fmt -check -recursive -diff modules out

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r modules out "$work/"

validate_one() {
  local dir="$1" start end log
  start=$(date +%s%N)
  log="$(mktemp)"
  if (cd "$work/$dir" && terraform init -backend=false -input=false -no-color >"$log" 2>&1 \
        && terraform validate -no-color >>"$log" 2>&1); then
    end=$(date +%s%N)
    printf 'ok      %4d.%ds  %s\n' $(((end - start) / 1000000000)) $(((end - start) / 100000000 % 10)) "$dir"
  else
    printf 'FAILED           %s\n' "$dir"
    sed 's/^/    /' "$log"
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}
export -f validate_one
export work

# Modules first, then the roots; each validation loads the 675 MB provider, so run two at once.
roots=$( (cd "$work" && find modules out -name '*.tf' -printf '%h\n') | sort -u)
echo "== terraform validate ($(echo "$roots" | wc -l) roots and modules)"
echo "$roots" | xargs -P 2 -I{} bash -c 'validate_one "$@"' _ {}
