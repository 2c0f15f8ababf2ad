# Static test of modules/networking with one environment's values (scripts/static-tests.sh prepends
# that environment's networking/terraform.tfvars as the file-level variables block). Offline: the
# AWS provider is mocked; `command = apply` so that IDs exist and wiring can be compared.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "layout" {
  command = apply

  # Distinct values where an assertion compares two resources.
  override_resource {
    target = aws_kms_key.flow_logs
    values = { arn = "arn:aws:kms:eu-west-1:123456789012:key/flow-logs" }
  }
  override_resource {
    target = aws_cloudwatch_log_group.flow_logs
    values = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vpc-flow-logs/test" }
  }
  override_resource {
    target = aws_iam_role.flow_logs
    values = { arn = "arn:aws:iam::123456789012:role/flow-logs" }
  }

  # --- subnet layout and CIDR math ---------------------------------------------------------
  assert {
    condition     = aws_vpc.this.cidr_block == var.vpc_cidr && aws_vpc.this.enable_dns_support && aws_vpc.this.enable_dns_hostnames
    error_message = "The VPC must use vpc_cidr from the tfvars, with DNS support and host names."
  }
  assert {
    condition = alltrue([for i, az in var.azs :
      aws_subnet.public[az].cidr_block == var.public_subnet_cidrs[i] && aws_subnet.public[az].availability_zone == az &&
      aws_subnet.eks[az].cidr_block == var.eks_subnet_cidrs[i] && aws_subnet.eks[az].availability_zone == az &&
      aws_subnet.rds[az].cidr_block == var.rds_subnet_cidrs[i] && aws_subnet.rds[az].availability_zone == az
    ]) && length(aws_subnet.public) == length(var.azs) && length(aws_subnet.eks) == length(var.azs) && length(aws_subnet.rds) == length(var.azs)
    error_message = "Each zone must get exactly its public, EKS and RDS subnet from the tfvars, in zone order."
  }
  assert {
    # A block is inside the VPC when its network address, masked to the VPC's prefix, is the
    # VPC's network address and its prefix is at least as long.
    condition = alltrue([for c in concat(var.public_subnet_cidrs, var.eks_subnet_cidrs, var.rds_subnet_cidrs) :
      tonumber(split("/", c)[1]) >= tonumber(split("/", var.vpc_cidr)[1]) &&
      cidrhost("${cidrhost(c, 0)}/${split("/", var.vpc_cidr)[1]}", 0) == cidrhost(var.vpc_cidr, 0)
    ])
    error_message = "Every subnet must lie inside the VPC CIDR."
  }
  assert {
    # CIDR blocks either nest or are disjoint: two overlap when one holds the other's network address.
    condition = alltrue(flatten([for i, a in concat(var.public_subnet_cidrs, var.eks_subnet_cidrs, var.rds_subnet_cidrs) : [
      for j, b in concat(var.public_subnet_cidrs, var.eks_subnet_cidrs, var.rds_subnet_cidrs) :
      i == j || (cidrhost("${cidrhost(b, 0)}/${split("/", a)[1]}", 0) != cidrhost(a, 0) &&
      cidrhost("${cidrhost(a, 0)}/${split("/", b)[1]}", 0) != cidrhost(b, 0))
    ]]))
    error_message = "Subnets must not overlap."
  }
  assert {
    condition     = alltrue([for s in values(aws_subnet.public) : s.map_public_ip_on_launch == false])
    error_message = "Public subnets must not hand out public IPs to everything launched in them."
  }
  assert {
    condition = alltrue([for az in var.azs :
      aws_subnet.public[az].tags["kubernetes.io/role/elb"] == "1" && aws_subnet.eks[az].tags["kubernetes.io/role/internal-elb"] == "1" &&
      aws_subnet.eks[az].tags["kubernetes.io/cluster/${var.cluster_name}"] == "shared" && !contains(keys(aws_subnet.rds[az].tags), "kubernetes.io/cluster/${var.cluster_name}")
    ])
    error_message = "Load balancer discovery tags: public subnets elb, EKS subnets internal-elb and the cluster tag; never on RDS subnets."
  }

  # --- routing: public via the internet gateway, EKS via NAT, RDS nowhere ---------------------
  assert {
    condition     = aws_route.public_internet.route_table_id == aws_route_table.public.id && aws_route.public_internet.gateway_id == aws_internet_gateway.this.id && aws_route.public_internet.destination_cidr_block == "0.0.0.0/0"
    error_message = "The public route table must route 0.0.0.0/0 to the internet gateway."
  }
  assert {
    condition     = length(aws_nat_gateway.this) == (var.nat_gateway_mode == "per_az" ? length(var.azs) : 1)
    error_message = "One NAT gateway per zone (per_az) or exactly one (single)."
  }
  assert {
    condition = alltrue([for az in var.azs :
      aws_route.eks_nat[az].route_table_id == aws_route_table.eks[az].id &&
      aws_route.eks_nat[az].nat_gateway_id == aws_nat_gateway.this[var.nat_gateway_mode == "per_az" ? az : var.azs[0]].id &&
      aws_route_table_association.eks[az].route_table_id == aws_route_table.eks[az].id && aws_route_table_association.eks[az].subnet_id == aws_subnet.eks[az].id
    ])
    error_message = "Each EKS subnet must route out through its zone's NAT gateway (or the single one)."
  }
  assert {
    condition = alltrue([for az in var.azs :
      aws_route_table_association.rds[az].route_table_id == aws_route_table.rds.id && aws_route_table_association.rds[az].subnet_id == aws_subnet.rds[az].id
    ])
    error_message = "Every RDS subnet must use the isolated RDS route table."
  }
  assert {
    condition     = alltrue([for r in concat([aws_route.public_internet], values(aws_route.eks_nat)) : r.route_table_id != aws_route_table.rds.id]) && length(aws_route_table.rds.route) == 0
    error_message = "The RDS route table must have no route at all (no internet, no NAT)."
  }
  assert {
    condition     = sort(aws_db_subnet_group.this.subnet_ids) == sort([for az in var.azs : aws_subnet.rds[az].id])
    error_message = "The DB subnet group must hold exactly the isolated RDS subnets."
  }

  # --- default SG, endpoints -----------------------------------------------------------------
  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The default security group must have no rules."
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.endpoints_https.cidr_ipv4 == var.vpc_cidr && aws_vpc_security_group_ingress_rule.endpoints_https.from_port == 443 && aws_vpc_security_group_ingress_rule.endpoints_https.to_port == 443
    error_message = "Interface endpoints must admit only HTTPS from inside the VPC."
  }
  assert {
    condition     = sort(keys(aws_vpc_endpoint.interface)) == sort(var.interface_endpoints) && alltrue([for e in values(aws_vpc_endpoint.interface) : e.private_dns_enabled])
    error_message = "One interface endpoint (with private DNS) per configured service."
  }

  # --- flow logs: encrypted, retained, least privilege ---------------------------------------
  assert {
    condition     = aws_cloudwatch_log_group.flow_logs.kms_key_id == aws_kms_key.flow_logs.arn && aws_kms_key.flow_logs.enable_key_rotation && aws_cloudwatch_log_group.flow_logs.retention_in_days == var.flow_log_retention_days
    error_message = "Flow logs must go to a log group encrypted with the rotating flow-log key, kept flow_log_retention_days."
  }
  assert {
    condition     = aws_flow_log.this.vpc_id == aws_vpc.this.id && aws_flow_log.this.traffic_type == "ALL" && aws_flow_log.this.log_destination == aws_cloudwatch_log_group.flow_logs.arn && aws_flow_log.this.iam_role_arn == aws_iam_role.flow_logs.arn
    error_message = "The VPC must log ALL traffic to the encrypted log group through its own role."
  }
  assert {
    condition     = alltrue([for r in data.aws_iam_policy_document.flow_logs_write.statement[0].resources : startswith(r, aws_cloudwatch_log_group.flow_logs.arn)])
    error_message = "The flow-log role may only write to its own log group."
  }

  # --- outputs the core layer reads ----------------------------------------------------------
  assert {
    condition = (output.vpc_id == aws_vpc.this.id && output.vpc_cidr_block == var.vpc_cidr && output.azs == var.azs &&
      output.eks_subnet_ids == [for az in var.azs : aws_subnet.eks[az].id] &&
      output.rds_subnet_ids == [for az in var.azs : aws_subnet.rds[az].id] &&
      output.public_subnet_ids == [for az in var.azs : aws_subnet.public[az].id] &&
      output.db_subnet_group_name == aws_db_subnet_group.this.name &&
      length(output.nat_public_ips) == length(aws_nat_gateway.this) && length(output.eks_route_table_ids) == length(var.azs) &&
    output.vpc_endpoints_security_group_id == aws_security_group.endpoints.id && output.flow_log_group_name == aws_cloudwatch_log_group.flow_logs.name)
    error_message = "The module outputs must expose the VPC, zone-ordered subnet IDs and the DB subnet group."
  }
}
