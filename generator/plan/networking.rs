//! The networking layer: VPC over the environment's zones, public / EKS / RDS subnets, NAT,
//! routing, VPC endpoints and encrypted flow logs.
//!
//! `inputs` binds this environment's values; `module` is the same for every environment.

use crate::resolve::model::Environment;
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, s};

use super::common;
use super::iam::{ACCOUNT_ROOT, Statement, document, key_policy_skips};
use super::naming::Names;

pub const MODULE: &str = "networking";

/// CloudWatch Logs retention periods, for variable validation.
const RETENTION: &str = "[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]";

pub fn inputs(env: &Environment, names: &Names) -> Vec<Input> {
    let id = &env.identity;
    let net = &env.settings.network;
    vec![
        common::name_input(&names.prefix),
        Input::tfvar(
            Variable::new("cluster_name", TfType::String, "EKS cluster that will use the subnets (for the kubernetes.io/cluster tag)."),
            names.cluster.as_str(),
        ),
        Input::tfvar(
            Variable::new("vpc_cidr", TfType::String, "IPv4 CIDR block of the VPC.")
                .validate("can(cidrhost(var.vpc_cidr, 0))", "vpc_cidr must be an IPv4 CIDR block."),
            id.vpc.cidr.as_str(),
        ),
        Input::tfvar(
            Variable::new("azs", TfType::list(TfType::String), "Availability zones; one subnet of each kind is created per zone.")
                .validate("length(var.azs) >= 2", "EKS and RDS need subnets in at least two availability zones."),
            hcl::Value::from(id.azs.as_slice()),
        ),
        Input::tfvar(
            Variable::new("public_subnet_cidrs", TfType::list(TfType::String), "Public subnets (load balancers, NAT gateways), one per zone, in zone order.")
                .validate("length(var.public_subnet_cidrs) == length(var.azs)", "Give one public subnet per availability zone."),
            hcl::Value::from(id.vpc.public_subnets.as_slice()),
        ),
        Input::tfvar(
            Variable::new("eks_subnet_cidrs", TfType::list(TfType::String), "Private subnets for EKS nodes and pods, one per zone, in zone order.")
                .validate("length(var.eks_subnet_cidrs) == length(var.azs)", "Give one EKS subnet per availability zone."),
            hcl::Value::from(id.vpc.eks_subnets.as_slice()),
        ),
        Input::tfvar(
            Variable::new("rds_subnet_cidrs", TfType::list(TfType::String), "Isolated subnets for the database (no route to the internet), one per zone.")
                .validate("length(var.rds_subnet_cidrs) == length(var.azs)", "Give one RDS subnet per availability zone."),
            hcl::Value::from(id.vpc.rds_subnets.as_slice()),
        ),
        Input::tfvar(
            Variable::new("nat_gateway_mode", TfType::String, "\"per_az\" (one NAT gateway per zone, survives a zone outage) or \"single\" (cheaper).")
                .default(s("per_az"))
                .validate(r#"contains(["single", "per_az"], var.nat_gateway_mode)"#, "nat_gateway_mode must be \"single\" or \"per_az\"."),
            net.nat_gateways.as_str(),
        ),
        Input::tfvar(
            Variable::new("interface_endpoints", TfType::list(TfType::String), "AWS services reached through interface VPC endpoints instead of the NAT gateway.")
                .default(e(r#"["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"]"#))
                .validate(
                    r#"alltrue([for svc in var.interface_endpoints : contains(["secretsmanager", "sts", "ecr.api", "ecr.dkr", "logs"], svc)])"#,
                    "Supported interface endpoints: secretsmanager, sts, ecr.api, ecr.dkr, logs.",
                ),
            net.interface_endpoints.iter().map(|i| i.service()).collect::<hcl::Value>(),
        ),
        Input::tfvar(
            Variable::new("flow_log_retention_days", TfType::Number, "Days to keep VPC flow logs.")
                .default(365)
                .validate(&format!("contains({RETENTION}, var.flow_log_retention_days)"), "Use a retention period CloudWatch Logs supports."),
            net.flow_log_retention_days,
        ),
        common::kms_deletion_window_input(env.settings.throwaway),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    Module {
        name: MODULE,
        summary: "VPC across the environment's availability zones: public, EKS and RDS subnets; NAT gateways; \
                  route tables; a DB subnet group; S3 gateway and interface VPC endpoints; VPC flow logs to a \
                  KMS-encrypted CloudWatch log group. The default security group is emptied (deny all).",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![
            TfFile { name: "main.tf", blocks: main() },
            TfFile { name: "endpoints.tf", blocks: endpoints() },
            TfFile { name: "flow_logs.tf", blocks: flow_logs() },
        ],
        outputs: outputs(),
    }
}

fn tags(name: &str) -> hcl::Expression {
    e(&format!("merge(var.tags, {{ Name = {name} }})"))
}

fn main() -> Vec<Block> {
    vec![
        Block::data("aws_region", "current"),
        Block::data("aws_caller_identity", "current"),
        Block::data("aws_partition", "current"),
        Block::new("locals", &[])
            .attr("public_subnets", e("zipmap(var.azs, var.public_subnet_cidrs)"))
            .attr("eks_subnets", e("zipmap(var.azs, var.eks_subnet_cidrs)"))
            .attr("rds_subnets", e("zipmap(var.azs, var.rds_subnet_cidrs)"))
            .comment("One NAT gateway per zone, or one in the first zone that every zone routes through.")
            .attr("nat_azs", e(r#"var.nat_gateway_mode == "per_az" ? var.azs : slice(var.azs, 0, 1)"#))
            .attr("cluster_tag", e(r#"{ ("kubernetes.io/cluster/${var.cluster_name}") = "shared" }"#))
            .attr("flow_log_group_name", e(r#""/aws/vpc-flow-logs/${var.name}""#)),
        Block::resource("aws_vpc", "this")
            .attr("cidr_block", e("var.vpc_cidr"))
            .attr("enable_dns_support", true)
            .attr("enable_dns_hostnames", true)
            .attr("tags", tags("var.name")),
        Block::resource("aws_default_security_group", "this")
            .comment("No rules: the default security group denies everything, so nothing can use it by accident.")
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("tags", tags(r#""${var.name}-default-deny-all""#)),
        Block::resource("aws_internet_gateway", "this")
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("tags", tags("var.name")),
        Block::resource("aws_subnet", "public")
            .attr("for_each", e("local.public_subnets"))
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("availability_zone", e("each.key"))
            .attr("cidr_block", e("each.value"))
            .comment("Load balancers and NAT gateways get their public addresses explicitly; nothing else should.")
            .attr("map_public_ip_on_launch", false)
            .attr("tags", e(r#"merge(var.tags, local.cluster_tag, { Name = "${var.name}-public-${each.key}", "kubernetes.io/role/elb" = "1" })"#)),
        Block::resource("aws_subnet", "eks")
            .attr("for_each", e("local.eks_subnets"))
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("availability_zone", e("each.key"))
            .attr("cidr_block", e("each.value"))
            .attr("tags", e(r#"merge(var.tags, local.cluster_tag, { Name = "${var.name}-eks-${each.key}", "kubernetes.io/role/internal-elb" = "1" })"#)),
        Block::resource("aws_subnet", "rds")
            .attr("for_each", e("local.rds_subnets"))
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("availability_zone", e("each.key"))
            .attr("cidr_block", e("each.value"))
            .attr("tags", tags(r#""${var.name}-rds-${each.key}""#)),
        Block::resource("aws_eip", "nat")
            .attr("for_each", e("toset(local.nat_azs)"))
            .attr("domain", s("vpc"))
            .attr("tags", tags(r#""${var.name}-nat-${each.key}""#))
            .attr("depends_on", e("[aws_internet_gateway.this]")),
        Block::resource("aws_nat_gateway", "this")
            .attr("for_each", e("toset(local.nat_azs)"))
            .attr("allocation_id", e("aws_eip.nat[each.key].id"))
            .attr("subnet_id", e("aws_subnet.public[each.key].id"))
            .attr("tags", tags(r#""${var.name}-${each.key}""#))
            .attr("depends_on", e("[aws_internet_gateway.this]")),
        Block::resource("aws_route_table", "public")
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("tags", tags(r#""${var.name}-public""#)),
        Block::resource("aws_route", "public_internet")
            .attr("route_table_id", e("aws_route_table.public.id"))
            .attr("destination_cidr_block", s("0.0.0.0/0"))
            .attr("gateway_id", e("aws_internet_gateway.this.id")),
        Block::resource("aws_route_table_association", "public")
            .attr("for_each", e("aws_subnet.public"))
            .attr("subnet_id", e("each.value.id"))
            .attr("route_table_id", e("aws_route_table.public.id")),
        Block::resource("aws_route_table", "eks")
            .attr("for_each", e("local.eks_subnets"))
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("tags", tags(r#""${var.name}-eks-${each.key}""#)),
        Block::resource("aws_route", "eks_nat")
            .attr("for_each", e("local.eks_subnets"))
            .attr("route_table_id", e("aws_route_table.eks[each.key].id"))
            .attr("destination_cidr_block", s("0.0.0.0/0"))
            .attr("nat_gateway_id", e(r#"aws_nat_gateway.this[var.nat_gateway_mode == "per_az" ? each.key : var.azs[0]].id"#)),
        Block::resource("aws_route_table_association", "eks")
            .attr("for_each", e("aws_subnet.eks"))
            .attr("subnet_id", e("each.value.id"))
            .attr("route_table_id", e("aws_route_table.eks[each.key].id")),
        Block::resource("aws_route_table", "rds")
            .comment("No default route: the database subnets cannot reach or be reached from the internet.")
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("tags", tags(r#""${var.name}-rds""#)),
        Block::resource("aws_route_table_association", "rds")
            .attr("for_each", e("aws_subnet.rds"))
            .attr("subnet_id", e("each.value.id"))
            .attr("route_table_id", e("aws_route_table.rds.id")),
        Block::resource("aws_db_subnet_group", "this")
            .attr("name", e("var.name"))
            .attr("description", e(r#""Isolated database subnets of ${var.name}""#))
            .attr("subnet_ids", e("[for az in var.azs : aws_subnet.rds[az].id]"))
            .attr("tags", tags("var.name")),
    ]
}

fn endpoints() -> Vec<Block> {
    vec![
        Block::resource("aws_vpc_endpoint", "s3")
            .comment("Gateway endpoint: S3 traffic (images, Supabase Storage) stays off the NAT gateways, at no charge.")
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("service_name", e(r#""com.amazonaws.${data.aws_region.current.name}.s3""#))
            .attr("vpc_endpoint_type", s("Gateway"))
            .attr("route_table_ids", e("concat([for az in var.azs : aws_route_table.eks[az].id], [aws_route_table.rds.id])"))
            .attr("tags", tags(r#""${var.name}-s3""#)),
        Block::resource("aws_security_group", "endpoints")
            .attr("name", e(r#""${var.name}-vpc-endpoints""#))
            .attr("description", s("HTTPS from inside the VPC to interface VPC endpoints"))
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("tags", tags(r#""${var.name}-vpc-endpoints""#)),
        Block::resource("aws_vpc_security_group_ingress_rule", "endpoints_https")
            .attr("security_group_id", e("aws_security_group.endpoints.id"))
            .attr("description", s("HTTPS from the VPC"))
            .attr("cidr_ipv4", e("var.vpc_cidr"))
            .attr("ip_protocol", s("tcp"))
            .attr("from_port", 443)
            .attr("to_port", 443)
            .attr("tags", e("var.tags")),
        Block::resource("aws_vpc_endpoint", "interface")
            .attr("for_each", e("toset(var.interface_endpoints)"))
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("service_name", e(r#""com.amazonaws.${data.aws_region.current.name}.${each.value}""#))
            .attr("vpc_endpoint_type", s("Interface"))
            .attr("private_dns_enabled", true)
            .attr("subnet_ids", e("[for az in var.azs : aws_subnet.eks[az].id]"))
            .attr("security_group_ids", e("[aws_security_group.endpoints.id]"))
            .attr("tags", tags(r#""${var.name}-${each.value}""#)),
    ]
}

fn flow_logs() -> Vec<Block> {
    vec![
        key_policy_skips(document(
            "flow_logs_key",
            vec![
                Statement::allow(&["kms:*"]).sid("AccountAdministration").on(r#"["*"]"#).principal("AWS", ACCOUNT_ROOT),
                Statement::allow(&["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"])
                    .sid("CloudWatchLogsUse")
                    .on(r#"["*"]"#)
                    .principal("Service", r#"["logs.${data.aws_region.current.name}.amazonaws.com"]"#)
                    .when(
                        "ArnEquals",
                        "kms:EncryptionContext:aws:logs:arn",
                        r#"["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${local.flow_log_group_name}"]"#,
                    ),
            ],
        )),
        Block::resource("aws_kms_key", "flow_logs")
            .attr("description", e(r#""VPC flow logs of ${var.name}""#))
            .attr("enable_key_rotation", true)
            .attr("deletion_window_in_days", e("var.kms_deletion_window_days"))
            .attr("policy", e("data.aws_iam_policy_document.flow_logs_key.json"))
            .attr("tags", tags(r#""${var.name}-flow-logs""#)),
        Block::resource("aws_kms_alias", "flow_logs")
            .attr("name", e(r#""alias/${var.name}-flow-logs""#))
            .attr("target_key_id", e("aws_kms_key.flow_logs.key_id")),
        Block::resource("aws_cloudwatch_log_group", "flow_logs")
            .skip_check("CKV_AWS_338", "retention is sized per tier (flow_log_retention_days); production tiers keep a year or more")
            .attr("name", e("local.flow_log_group_name"))
            .attr("retention_in_days", e("var.flow_log_retention_days"))
            .attr("kms_key_id", e("aws_kms_key.flow_logs.arn"))
            .attr("tags", tags("local.flow_log_group_name")),
        document(
            "flow_logs_assume",
            vec![Statement::assumed_by_service("vpc-flow-logs.amazonaws.com")
                .comment("Only flow logs of this account may assume the role (confused-deputy guard).")
                .when("StringEquals", "aws:SourceAccount", "[data.aws_caller_identity.current.account_id]")
                .when(
                    "ArnLike",
                    "aws:SourceArn",
                    r#"["arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*"]"#,
                )],
        ),
        Block::resource("aws_iam_role", "flow_logs")
            .attr("name", e(r#""${var.name}-vpc-flow-logs""#))
            .attr("description", e(r#""Lets VPC flow logs of ${var.name} write to their log group""#))
            .attr("assume_role_policy", e("data.aws_iam_policy_document.flow_logs_assume.json"))
            .attr("tags", tags(r#""${var.name}-vpc-flow-logs""#)),
        document(
            "flow_logs_write",
            vec![Statement::allow(&["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"])
                .on(r#"[aws_cloudwatch_log_group.flow_logs.arn, "${aws_cloudwatch_log_group.flow_logs.arn}:*"]"#)],
        ),
        Block::resource("aws_iam_role_policy", "flow_logs")
            .attr("name", s("write-flow-logs"))
            .attr("role", e("aws_iam_role.flow_logs.id"))
            .attr("policy", e("data.aws_iam_policy_document.flow_logs_write.json")),
        Block::resource("aws_flow_log", "this")
            .attr("vpc_id", e("aws_vpc.this.id"))
            .attr("traffic_type", s("ALL"))
            .attr("iam_role_arn", e("aws_iam_role.flow_logs.arn"))
            .attr("log_destination_type", s("cloud-watch-logs"))
            .attr("log_destination", e("aws_cloudwatch_log_group.flow_logs.arn"))
            .attr("max_aggregation_interval", 60)
            .attr("tags", tags(r#""${var.name}-flow-logs""#)),
    ]
}

fn outputs() -> Vec<Output> {
    vec![
        Output::new("vpc_id", "ID of the VPC.", "aws_vpc.this.id"),
        Output::new("vpc_cidr_block", "IPv4 CIDR block of the VPC.", "aws_vpc.this.cidr_block"),
        Output::new("azs", "Availability zones, in the order of the subnet lists.", "var.azs"),
        Output::new("public_subnet_ids", "Public subnet IDs, one per zone.", "[for az in var.azs : aws_subnet.public[az].id]"),
        Output::new("eks_subnet_ids", "Private subnet IDs for EKS nodes and pods, one per zone.", "[for az in var.azs : aws_subnet.eks[az].id]"),
        Output::new("rds_subnet_ids", "Isolated database subnet IDs, one per zone.", "[for az in var.azs : aws_subnet.rds[az].id]"),
        Output::new("db_subnet_group_name", "Name of the DB subnet group over the RDS subnets.", "aws_db_subnet_group.this.name"),
        Output::new("nat_gateway_ids", "IDs of the NAT gateways (the monitoring layer alarms on their port allocation errors).", "[for az in local.nat_azs : aws_nat_gateway.this[az].id]"),
        Output::new("nat_public_ips", "Public IPs of the NAT gateways (egress addresses to allow-list elsewhere).", "[for az in local.nat_azs : aws_eip.nat[az].public_ip]"),
        Output::new("eks_route_table_ids", "Route table IDs of the EKS subnets, one per zone.", "[for az in var.azs : aws_route_table.eks[az].id]"),
        Output::new("vpc_endpoints_security_group_id", "Security group of the interface VPC endpoints.", "aws_security_group.endpoints.id"),
        Output::new("flow_log_group_name", "CloudWatch log group receiving the VPC flow logs.", "aws_cloudwatch_log_group.flow_logs.name"),
    ]
}
