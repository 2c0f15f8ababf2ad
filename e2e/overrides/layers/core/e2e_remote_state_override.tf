# Emulator-only override: core reads the networking layer's outputs from the local state file
# that the e2e run of networking wrote next to it (instead of the S3 state bucket).
data "terraform_remote_state" "networking" {
  backend = "local"
  config = {
    path = "../networking/terraform.tfstate"
  }
}
