# Static test of an environment's networking root (run in a temp copy of
# out/environments/<region>/<env>/networking, whose terraform.tfvars Terraform loads). Offline,
# mocked AWS provider: proves the root wires its module and exposes every output core reads.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "outputs" {
  command = apply

  assert {
    condition     = alltrue([for v in [output.vpc_id, output.db_subnet_group_name, output.vpc_endpoints_security_group_id, output.flow_log_group_name] : v != null && v != ""])
    error_message = "The networking layer must output its VPC, DB subnet group, endpoint security group and flow log group."
  }
  assert {
    condition     = output.vpc_cidr_block == var.vpc_cidr && output.azs == var.azs
    error_message = "The VPC CIDR and zones must be the environment's."
  }
  assert {
    condition     = length(output.public_subnet_ids) == length(var.azs) && length(output.eks_subnet_ids) == length(var.azs) && length(output.rds_subnet_ids) == length(var.azs) && length(output.eks_route_table_ids) == length(var.azs)
    error_message = "One subnet of each kind (and one EKS route table) per zone."
  }
  assert {
    condition     = length(output.nat_public_ips) == (var.nat_gateway_mode == "per_az" ? length(var.azs) : 1)
    error_message = "One NAT address per NAT gateway."
  }
  assert {
    condition     = var.default_tags["Environment"] != "production" || (var.nat_gateway_mode == "per_az" && var.flow_log_retention_days >= 365)
    error_message = "A production environment must survive a zone outage (a NAT gateway per zone) and keep flow logs a year."
  }
}
