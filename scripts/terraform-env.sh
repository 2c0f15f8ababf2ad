# Sourced by the scripts that run terraform: finds terraform and the offline provider mirror
# and points terraform at a repo-local CLI config. Fails loudly when either is missing.
#
#   TF_PROVIDER_MIRROR  folder that contains registry.terraform.io/ (discovered if unset)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v terraform >/dev/null 2>&1; then
  echo "error: terraform is not on PATH; install Terraform >= 1.11 (the generated code needs write-only arguments)" >&2
  exit 1
fi

if [ -z "${TF_PROVIDER_MIRROR:-}" ]; then
  for candidate in /opt/tf-plugins "$HOME/.terraform.d/plugins" /usr/share/terraform/plugins /usr/local/share/terraform/plugins; do
    if [ -d "$candidate/registry.terraform.io/hashicorp/aws" ]; then TF_PROVIDER_MIRROR="$candidate"; break; fi
  done
fi
if [ -z "${TF_PROVIDER_MIRROR:-}" ]; then
  binary="$(find / -xdev -path /proc -prune -o -name 'terraform-provider-aws_*' -print 2>/dev/null | head -n 1)"
  # .../<mirror>/registry.terraform.io/hashicorp/aws/<version>/<platform>/<binary>
  [ -n "$binary" ] && TF_PROVIDER_MIRROR="$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$(dirname "$binary")")")")")")"
fi
if [ -z "${TF_PROVIDER_MIRROR:-}" ] || [ ! -d "$TF_PROVIDER_MIRROR/registry.terraform.io/hashicorp/aws" ]; then
  echo "error: no hashicorp/aws provider mirror found; set TF_PROVIDER_MIRROR to the folder holding registry.terraform.io/" >&2
  echo "       (create one with: terraform providers mirror -platform=linux_amd64 <dir>, where network allows)" >&2
  exit 1
fi
export TF_PROVIDER_MIRROR

mkdir -p "$repo_root/.cache/terraform"
export TF_CLI_CONFIG_FILE="$repo_root/.cache/terraform/terraformrc"
# Terraform processes of other scripts may be reading this file: write a temporary file beside it
# and rename it over the old one (atomic), and only when the content changes.
tfrc_tmp="$(mktemp "$TF_CLI_CONFIG_FILE.XXXXXX")"
sed -e "s|@MIRROR@|$TF_PROVIDER_MIRROR|" "$repo_root/scripts/terraformrc.in" > "$tfrc_tmp"
if cmp -s "$tfrc_tmp" "$TF_CLI_CONFIG_FILE"; then
  rm -f "$tfrc_tmp"
else
  chmod 0644 "$tfrc_tmp" && mv -f "$tfrc_tmp" "$TF_CLI_CONFIG_FILE"
fi
unset tfrc_tmp
export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
