# Emulator-only override: monitoring reads the networking and core layers' outputs from the
# local state files that the e2e runs of those layers wrote next to it (instead of the S3 state
# bucket).
data "terraform_remote_state" "networking" {
  backend = "local"
  config = {
    path = "../networking/terraform.tfstate"
  }
}

data "terraform_remote_state" "core" {
  backend = "local"
  config = {
    path = "../core/terraform.tfstate"
  }
}
