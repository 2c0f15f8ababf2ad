//! EKS: the cluster (secrets envelope-encrypted, all control-plane logs to an encrypted log
//! group), access entries for the configured admins, the OIDC provider for IRSA, managed node
//! groups on hardened launch templates, and the managed add-ons with their own IAM roles.

use crate::plan::common;
use crate::plan::iam::{Statement, document, managed_policies, role};
use crate::plan::naming::{Names, ServiceAccount};
use crate::resolve::model::{Arch, CapacityType, Environment, arch};

use super::addon_versions;
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, s};

pub const MODULE: &str = "eks";

/// Taint on Spot nodes: only workloads that tolerate interruption (the stateless Supabase
/// services) land there; system pods stay on the untainted on-demand group.
pub const SPOT_TAINT: (&str, &str, &str) = ("spot", "true", "NO_SCHEDULE");

const LOG_TYPES: &str = r#"["api", "audit", "authenticator", "controllerManager", "scheduler"]"#;

pub fn inputs(env: &Environment, names: &Names) -> Vec<Input> {
    let eks = &env.settings.eks;
    let groups: hcl::Map<String, hcl::Value> = eks
        .node_groups
        .iter()
        .map(|g| {
            let ami = match g.instance_types.first().map(|t| arch(t)) {
                Some(Arch::Arm64) => "AL2023_ARM_64_STANDARD",
                _ => "AL2023_x86_64_STANDARD",
            };
            let taints: Vec<hcl::Value> = match g.capacity_type {
                CapacityType::Spot => vec![object(&[
                    ("key", SPOT_TAINT.0.into()),
                    ("value", SPOT_TAINT.1.into()),
                    ("effect", SPOT_TAINT.2.into()),
                ])],
                CapacityType::OnDemand => Vec::new(),
            };
            let labels: hcl::Map<String, hcl::Value> = g.labels.iter().map(|(k, v)| (k.clone(), hcl::Value::from(v.as_str()))).collect();
            let group = object(&[
                ("instance_types", hcl::Value::from(g.instance_types.as_slice())),
                ("capacity_type", g.capacity_type.as_str().into()),
                ("ami_type", ami.into()),
                ("min_size", g.min_size.into()),
                ("desired_size", g.desired_size.into()),
                ("max_size", g.max_size.into()),
                ("disk_size_gib", g.disk_size_gib.into()),
                ("labels", hcl::Value::Object(labels)),
                ("taints", hcl::Value::from(taints)),
            ]);
            (g.name.clone(), group)
        })
        .collect();
    let endpoint = &eks.endpoint;
    let remote = |output: &str| format!("data.terraform_remote_state.networking.outputs.{output}");
    vec![
        common::name_input(&names.prefix),
        Input::tfvar(
            Variable::new("cluster_version", TfType::String, "Kubernetes minor version of the cluster, e.g. \"1.35\".")
                .validate(r#"can(regex("^1\\.[0-9]+$", var.cluster_version))"#, "cluster_version is a Kubernetes minor version such as \"1.35\"."),
            eks.version.as_str(),
        ),
        Input::tfvar(
            Variable::new(
                "support_type",
                TfType::String,
                "EKS upgrade policy: STANDARD (at the end of standard support EKS upgrades the control plane itself) or EXTENDED (up to 12 more months, billed hourly).",
            )
            .default(s("STANDARD"))
            .validate(r#"contains(["STANDARD", "EXTENDED"], var.support_type)"#, "support_type is STANDARD or EXTENDED."),
            eks.support_type.as_str(),
        ),
        Input::tfvar(
            Variable::new(
                "node_ami_release",
                TfType::String,
                "EKS optimized AMI release of every node group (e.g. \"1.35.0-20260120\"); null takes the latest release for cluster_version when a group is created or upgraded.",
            )
            .default(e("null"))
            .validate(
                r#"var.node_ami_release == null || startswith(coalesce(var.node_ami_release, "-"), "${var.cluster_version}.")"#,
                "node_ami_release must be a release of cluster_version (\"<cluster_version>.<patch>-<date>\").",
            ),
            eks.node_ami_release.as_deref().map_or(hcl::Value::Null, hcl::Value::from),
        ),
        Input::tfvar(
            Variable::new(
                "addon_versions",
                TfType::map(TfType::String),
                "Managed add-on versions by add-on name, pinned per Kubernetes minor by the generator (plan/core/addon_versions.rs).",
            )
            .validate(
                &format!(
                    "alltrue([for name in [{}] : can(regex(\"^v[0-9.]+-eksbuild\\\\.[0-9]+$\", var.addon_versions[name]))])",
                    addon_versions::ADDONS.iter().map(|a| format!("\"{a}\"")).collect::<Vec<_>>().join(", ")
                ),
                "addon_versions needs an EKS build (vX.Y.Z-eksbuild.N) for each of the five managed add-ons.",
            ),
            hcl::Value::Object(
                // Validation rejects a version without a row before anything is planned.
                addon_versions::for_version(&eks.version)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(name, version)| (name.to_string(), hcl::Value::from(version)))
                    .collect(),
            ),
        ),
        Input::wire(Variable::new("vpc_id", TfType::String, "VPC of the cluster."), &remote("vpc_id")),
        Input::wire(
            Variable::new("subnet_ids", TfType::list(TfType::String), "Private subnets for the control plane ENIs, nodes and pods (one per zone).")
                .validate("length(var.subnet_ids) >= 2", "EKS needs subnets in at least two availability zones."),
            &remote("eks_subnet_ids"),
        ),
        Input::tfvar(
            Variable::new("endpoint_private_access", TfType::Bool, "Whether the API is reachable from inside the VPC.").default(true),
            endpoint.private_access,
        ),
        Input::tfvar(
            Variable::new("endpoint_public_access", TfType::Bool, "Whether the API is reachable from the internet (only from public_access_cidrs).").default(false),
            endpoint.public_access,
        ),
        Input::tfvar(
            Variable::new("public_access_cidrs", TfType::list(TfType::String), "CIDRs allowed to reach the public API endpoint.")
                .default(e("[]"))
                .validate(
                    "!var.endpoint_public_access || length(var.public_access_cidrs) > 0",
                    "With endpoint_public_access, list the CIDRs allowed in (EKS would otherwise allow 0.0.0.0/0).",
                ),
            hcl::Value::from(endpoint.public_access_cidrs.as_slice()),
        ),
        Input::tfvar(
            Variable::new("cluster_admin_arns", TfType::list(TfType::String), "IAM principals given cluster-admin access entries.")
                .validate("length(var.cluster_admin_arns) > 0", "Name at least one admin, or nobody can reach the cluster."),
            hcl::Value::from(env.identity.cluster_admins.as_slice()),
        ),
        Input::tfvar(
            Variable::new(
                "node_groups",
                TfType::map(TfType::Object(vec![
                    ("instance_types", TfType::list(TfType::String), false),
                    ("capacity_type", TfType::String, false),
                    ("ami_type", TfType::String, false),
                    ("min_size", TfType::Number, false),
                    ("desired_size", TfType::Number, false),
                    ("max_size", TfType::Number, false),
                    ("disk_size_gib", TfType::Number, false),
                    ("labels", TfType::map(TfType::String), false),
                    ("taints", TfType::list(TfType::Object(vec![("key", TfType::String, false), ("value", TfType::String, false), ("effect", TfType::String, false)])), false),
                ])),
                "Managed node groups by name. Spot groups carry the spot=true:NoSchedule taint.",
            )
            .validate(
                r#"anytrue([for g in values(var.node_groups) : g.capacity_type == "ON_DEMAND" && g.min_size >= 1 && length(g.taints) == 0])"#,
                "Keep an untainted ON_DEMAND group with min_size >= 1, or CoreDNS cannot schedule.",
            ),
            hcl::Value::Object(groups),
        ),
        Input::wire(Variable::new("secrets_kms_key_arn", TfType::String, "KMS key for envelope encryption of Kubernetes secrets."), r#"module.kms.key_arns["eks"]"#),
        Input::wire(Variable::new("logs_kms_key_arn", TfType::String, "KMS key of the control-plane log group."), r#"module.kms.key_arns["logs"]"#),
        Input::tfvar(
            Variable::new("cluster_log_retention_days", TfType::Number, "Days to keep control-plane logs.").default(365),
            eks.log_retention_days,
        ),
        Input::wire(Variable::new("ebs_kms_key_arn", TfType::String, "KMS key of the node root volumes and of the volumes the EBS CSI driver creates."), r#"module.kms.key_arns["ebs"]"#),
        Input::tfvar(
            Variable::new("container_insights", TfType::Bool, "Install the amazon-cloudwatch-observability add-on: Container Insights metrics and every pod's logs in CloudWatch.").default(true),
            env.settings.observability.container_insights,
        ),
        Input::tfvar(
            Variable::new("container_insights_log_retention_days", TfType::Number, "Days the Container Insights log groups keep their records.").default(30),
            env.settings.observability.log_retention_days,
        ),
        common::tags_input(MODULE),
    ]
}

fn object(fields: &[(&str, hcl::Value)]) -> hcl::Value {
    hcl::Value::Object(fields.iter().map(|(k, v)| ((*k).to_string(), v.clone())).collect())
}

pub fn module(inputs: &[Input]) -> Module {
    Module {
        name: MODULE,
        summary: "EKS cluster with KMS envelope encryption of secrets, all five control-plane log types in a \
                  KMS-encrypted log group, access entries (API_AND_CONFIG_MAP) for the configured admins, an OIDC \
                  provider for IAM roles for service accounts, managed node groups on launch templates (IMDSv2 only, \
                  hop limit 1, gp3 root volume encrypted with the environment's EBS key, no SSH; Spot groups tainted), and the vpc-cni (network \
                  policy enforcement on), kube-proxy, coredns and aws-ebs-csi-driver add-ons at the versions pinned \
                  for the cluster's Kubernetes minor (addon_versions), the CNI and EBS CSI drivers with roles of their own, and (with container_insights) \
                  the amazon-cloudwatch-observability add-on with a role of its own, writing into Container Insights \
                  log groups created here, KMS-encrypted, with the tier's retention.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![
            TfFile { name: "main.tf", blocks: cluster() },
            TfFile { name: "nodes.tf", blocks: nodes() },
            TfFile { name: "addons.tf", blocks: addons() },
        ],
        outputs: vec![
            Output::new("cluster_name", "Name of the cluster.", "aws_eks_cluster.this.name"),
            Output::new("cluster_arn", "ARN of the cluster.", "aws_eks_cluster.this.arn"),
            Output::new("cluster_endpoint", "Endpoint of the Kubernetes API.", "aws_eks_cluster.this.endpoint"),
            Output::new("cluster_certificate_authority_data", "Base64 CA certificate of the API.", "aws_eks_cluster.this.certificate_authority[0].data"),
            Output::new("cluster_version", "Kubernetes version of the control plane.", "aws_eks_cluster.this.version"),
            Output::new("cluster_security_group_id", "Security group EKS created for the control plane and nodes.", "aws_eks_cluster.this.vpc_config[0].cluster_security_group_id"),
            Output::new("node_security_group_id", "Security group of the worker nodes (and their pods).", "aws_security_group.node.id"),
            Output::new("node_role_arn", "IAM role of the worker nodes.", "aws_iam_role.node.arn"),
            Output::new("oidc_provider_arn", "ARN of the cluster's IAM OIDC provider.", "aws_iam_openid_connect_provider.cluster.arn"),
            Output::new("oidc_issuer", "OIDC issuer host and path (no scheme), the prefix of IRSA condition keys.", "local.oidc_issuer"),
        ],
    }
}

fn service_trust(name: &str, service: &str) -> Block {
    document(name, vec![Statement::assumed_by_service(service)])
}

fn cluster() -> Vec<Block> {
    vec![
        Block::data("aws_partition", "current"),
        Block::data("aws_caller_identity", "current"),
        service_trust("cluster_assume", "eks.amazonaws.com"),
        role("cluster", "eks-cluster", "EKS control plane", "cluster_assume"),
        managed_policies("cluster", "cluster", &["AmazonEKSClusterPolicy"]),
        document(
            "cluster_kms",
            vec![Statement::allow(&["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"])
                .comment("Envelope encryption of Kubernetes secrets with this environment's key only.")
                .on("[var.secrets_kms_key_arn]")],
        ),
        Block::resource("aws_iam_role_policy", "cluster_kms")
            .attr("name", s("kubernetes-secrets-encryption"))
            .attr("role", e("aws_iam_role.cluster.id"))
            .attr("policy", e("data.aws_iam_policy_document.cluster_kms.json")),
        Block::resource("aws_cloudwatch_log_group", "cluster")
            .skip_check("CKV_AWS_338", "retention is sized per tier (cluster_log_retention_days); production tiers keep a year or more")
            .comment("Created before the cluster so EKS writes into this encrypted group instead of creating its own.")
            .attr("name", e(r#""/aws/eks/${var.name}/cluster""#))
            .attr("retention_in_days", e("var.cluster_log_retention_days"))
            .attr("kms_key_id", e("var.logs_kms_key_arn"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_eks_cluster", "this")
            .skip_check("CKV_AWS_39", "the public endpoint is opt-in per tier and limited to public_access_cidrs; 0.0.0.0/0 is rejected unless explicitly allowed")
            .skip_check("CKV_AWS_38", "public_access_cidrs comes from the config, whose validation rejects 0.0.0.0/0 without an explicit opt-in")
            .attr("name", e("var.name"))
            .attr("version", e("var.cluster_version"))
            .attr("role_arn", e("aws_iam_role.cluster.arn"))
            .attr("enabled_cluster_log_types", e(LOG_TYPES))
            .child("upgrade_policy", |b| {
                b.comment("STANDARD: no extended-support charge; EKS upgrades the control plane itself when standard support ends.")
                    .attr("support_type", e("var.support_type"))
            })
            .child("vpc_config", |b| {
                b.attr("subnet_ids", e("var.subnet_ids"))
                    .attr("endpoint_private_access", e("var.endpoint_private_access"))
                    .attr("endpoint_public_access", e("var.endpoint_public_access"))
                    .attr("public_access_cidrs", e("var.endpoint_public_access ? var.public_access_cidrs : null"))
            })
            .child("access_config", |b| {
                b.attr("authentication_mode", s("API_AND_CONFIG_MAP"))
                    .comment("Access comes only from the access entries below, visible and reviewable.")
                    .attr("bootstrap_cluster_creator_admin_permissions", false)
            })
            .child("encryption_config", |b| {
                b.attr("resources", e(r#"["secrets"]"#)).child("provider", |p| p.attr("key_arn", e("var.secrets_kms_key_arn")))
            })
            .attr("tags", e("var.tags"))
            .attr("depends_on", e("[aws_cloudwatch_log_group.cluster, aws_iam_role_policy_attachment.cluster, aws_iam_role_policy.cluster_kms]")),
        Block::resource("aws_iam_openid_connect_provider", "cluster")
            .comment("No thumbprint: AWS provider 5.x fetches and IAM verifies the issuer's certificate itself.")
            .attr("url", e("aws_eks_cluster.this.identity[0].oidc[0].issuer"))
            .attr("client_id_list", e(r#"["sts.amazonaws.com"]"#))
            .attr("tags", e("var.tags")),
        Block::new("locals", &[]).attr("oidc_issuer", e(r#"trimprefix(aws_eks_cluster.this.identity[0].oidc[0].issuer, "https://")"#)),
        Block::resource("aws_eks_access_entry", "admin")
            .attr("for_each", e("toset(var.cluster_admin_arns)"))
            .attr("cluster_name", e("aws_eks_cluster.this.name"))
            .attr("principal_arn", e("each.value"))
            .attr("type", s("STANDARD"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_eks_access_policy_association", "admin")
            .attr("for_each", e("toset(var.cluster_admin_arns)"))
            .attr("cluster_name", e("aws_eks_cluster.this.name"))
            .attr("principal_arn", e("aws_eks_access_entry.admin[each.value].principal_arn"))
            .attr("policy_arn", e(r#""arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy""#))
            .child("access_scope", |b| b.attr("type", s("cluster"))),
    ]
}

fn nodes() -> Vec<Block> {
    let instance_tags = r#"merge(data.aws_default_tags.current.tags, var.tags, { Name = "${var.name}-${each.key}" })"#;
    vec![
        Block::data("aws_default_tags", "current").comment("Launch template tag specifications do not inherit the provider's default tags."),
        service_trust("node_assume", "ec2.amazonaws.com"),
        role("node", "eks-node", "EKS worker nodes", "node_assume"),
        managed_policies("node", "node", &["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"])
            .comment("No CNI policy here: the vpc-cni add-on has a role of its own. SSM Session Manager replaces SSH."),
        Block::resource("aws_security_group", "node")
            .attr("name", e(r#""${var.name}-eks-node""#))
            .attr("description", s("EKS worker nodes and their pods; identifies them to the database"))
            .attr("vpc_id", e("var.vpc_id"))
            .attr("tags", e(r#"merge(var.tags, { Name = "${var.name}-eks-node" })"#)),
        Block::resource("aws_launch_template", "node")
            .comment("No image_id: EKS picks the AMI for the node group's version and release_version (a custom AMI would pin the nodes).")
            .attr("for_each", e("var.node_groups"))
            .attr("name", e(r#""${var.name}-${each.key}""#))
            .attr("description", e(r#""Nodes of the ${each.key} node group""#))
            .attr("update_default_version", true)
            .comment("With security groups set here EKS adds none itself, so the cluster's own group is listed too.")
            .attr("vpc_security_group_ids", e("[aws_eks_cluster.this.vpc_config[0].cluster_security_group_id, aws_security_group.node.id]"))
            .child("metadata_options", |b| {
                b.comment("IMDSv2 only, and a hop limit of 1 keeps pods away from the node's credentials.")
                    .attr("http_endpoint", s("enabled"))
                    .attr("http_tokens", s("required"))
                    .attr("http_put_response_hop_limit", 1)
            })
            .child("block_device_mappings", |b| {
                b.attr("device_name", s("/dev/xvda")).child("ebs", |ebs| {
                    ebs.attr("volume_size", e("each.value.disk_size_gib"))
                        .attr("volume_type", s("gp3"))
                        .comment("Encrypted with the environment's EBS key, whose policy lets the Auto Scaling service-linked role launch with it.")
                        .attr("encrypted", true)
                        .attr("kms_key_id", e("var.ebs_kms_key_arn"))
                        .attr("delete_on_termination", true)
                })
            })
            .child("tag_specifications", |b| b.attr("resource_type", s("instance")).attr("tags", e(instance_tags)))
            .child("tag_specifications", |b| b.attr("resource_type", s("volume")).attr("tags", e(instance_tags)))
            .attr("tags", e("var.tags")),
        Block::resource("aws_eks_node_group", "this")
            .attr("for_each", e("var.node_groups"))
            .attr("cluster_name", e("aws_eks_cluster.this.name"))
            .attr("node_group_name", e("each.key"))
            .attr("node_role_arn", e("aws_iam_role.node.arn"))
            .attr("subnet_ids", e("var.subnet_ids"))
            .comment("The nodes follow the control plane: a version bump rolls every group (after the control plane, vpc-cni and kube-proxy).")
            .attr("version", e("aws_eks_cluster.this.version"))
            .comment("null: the latest AMI release for the version when the group is created or upgraded (the launch template sets no image_id).")
            .attr("release_version", e("var.node_ami_release"))
            .attr("ami_type", e("each.value.ami_type"))
            .attr("capacity_type", e("each.value.capacity_type"))
            .attr("instance_types", e("each.value.instance_types"))
            .attr("labels", e("each.value.labels"))
            .child("scaling_config", |b| {
                b.attr("min_size", e("each.value.min_size"))
                    .attr("desired_size", e("each.value.desired_size"))
                    .attr("max_size", e("each.value.max_size"))
            })
            .child("update_config", |b| b.attr("max_unavailable", 1))
            .child("launch_template", |b| {
                b.attr("id", e("aws_launch_template.node[each.key].id")).attr("version", e("aws_launch_template.node[each.key].latest_version"))
            })
            .block(
                Block::new("dynamic", &["taint"])
                    .attr("for_each", e("each.value.taints"))
                    .child("content", |c| c.attr("key", e("taint.value.key")).attr("value", e("taint.value.value")).attr("effect", e("taint.value.effect"))),
            )
            .child("lifecycle", |b| {
                b.comment("The cluster autoscaler owns the desired size once the group exists.")
                    .attr("ignore_changes", e("[scaling_config[0].desired_size]"))
            })
            .attr("tags", e("var.tags"))
            .comment("The CNI must be configured before nodes join, or they never become ready.")
            .attr("depends_on", e("[aws_iam_role_policy_attachment.node, aws_eks_addon.vpc_cni, aws_eks_addon.kube_proxy]")),
    ]
}

/// Managed add-ons: Terraform resource name and EKS add-on name.
const ADDONS: [(&str, &str); 5] = [
    ("vpc_cni", "vpc-cni"),
    ("kube_proxy", "kube-proxy"),
    ("coredns", "coredns"),
    ("ebs_csi", "aws-ebs-csi-driver"),
    ("cloudwatch_observability", "amazon-cloudwatch-observability"),
];

/// The log groups the CloudWatch agent (`performance`) and Fluent Bit (`application`, `dataplane`,
/// `host`) of the amazon-cloudwatch-observability add-on write to, under
/// `/aws/containerinsights/<cluster>/` (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-setup-logs-FluentBit.html).
pub const CONTAINER_INSIGHTS_LOG_GROUPS: [&str; 4] = ["application", "dataplane", "host", "performance"];

/// The role of an add-on's service account, trusted through this cluster's OIDC provider: trust
/// policy, role and managed policy.
fn addon_role(resource: &str, description: &str, service_account: ServiceAccount, policy: &str) -> [Block; 3] {
    let trust = format!("{resource}_assume");
    let subject = service_account.subject();
    [
        document(&trust, vec![Statement::assumed_by_service_account("[aws_iam_openid_connect_provider.cluster.arn]", "${local.oidc_issuer}", &subject)]),
        role(resource, &resource.replace('_', "-"), description, &trust),
        managed_policies(resource, resource, &[policy]),
    ]
}

fn addons() -> Vec<Block> {
    let addon = |resource: &str| {
        let name = ADDONS.iter().find(|(r, _)| *r == resource).expect("a listed add-on").1;
        Block::resource("aws_eks_addon", resource)
            .attr("cluster_name", e("aws_eks_cluster.this.name"))
            .attr("addon_name", s(name))
            .attr("addon_version", e(&format!(r#"var.addon_versions["{name}"]"#)))
            .attr("resolve_conflicts_on_create", s("OVERWRITE"))
            .attr("resolve_conflicts_on_update", s("OVERWRITE"))
    };
    let mut blocks = Vec::new();
    let kube_system = |name| ServiceAccount { namespace: "kube-system", name };
    blocks.extend(addon_role("vpc_cni", "Amazon VPC CNI (aws-node)", kube_system("aws-node"), "AmazonEKS_CNI_Policy"));
    blocks.extend([
        addon("vpc_cni")
            .attr("service_account_role_arn", e("aws_iam_role.vpc_cni.arn"))
            .comment("Without this, Kubernetes NetworkPolicies are accepted but not enforced.")
            .attr("configuration_values", e(r#"jsonencode({ enableNetworkPolicy = "true" })"#))
            .attr("tags", e("var.tags"))
            .attr("depends_on", e("[aws_iam_role_policy_attachment.vpc_cni]")),
        addon("kube_proxy").attr("tags", e("var.tags")),
        addon("coredns").attr("tags", e("var.tags")).attr("depends_on", e("[aws_eks_node_group.this]")),
    ]);
    blocks.extend(addon_role("ebs_csi", "Amazon EBS CSI driver controller", kube_system("ebs-csi-controller-sa"), "service-role/AmazonEBSCSIDriverPolicy"));
    blocks.extend([
        // The key policy of the KMS key for encrypted volumes the driver creates, as an IAM policy
        // on its role (https://docs.aws.amazon.com/eks/latest/userguide/ebs-csi.html, the policy
        // for a custom KMS key): grants only for AWS resources, and use of this key only. The
        // driver hands the StorageClass's kmsKeyId to EC2 CreateVolume unchanged
        // (kubernetes-sigs/aws-ebs-csi-driver@v1.41.0:pkg/cloud/cloud.go), which accepts an alias ARN.
        document(
            "ebs_csi_kms",
            vec![
                Statement::allow(&["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"])
                    .sid("GrantsForEbsVolumes")
                    .on("[var.ebs_kms_key_arn]")
                    .when("Bool", "kms:GrantIsForAWSResource", r#"["true"]"#),
                Statement::allow(&["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"])
                    .sid("UseTheEbsKey")
                    .on("[var.ebs_kms_key_arn]"),
            ],
        ),
        Block::resource("aws_iam_role_policy", "ebs_csi_kms")
            .attr("name", s("ebs-volume-encryption"))
            .attr("role", e("aws_iam_role.ebs_csi.id"))
            .attr("policy", e("data.aws_iam_policy_document.ebs_csi_kms.json")),
        addon("ebs_csi")
            .attr("service_account_role_arn", e("aws_iam_role.ebs_csi.arn"))
            .attr("tags", e("var.tags"))
            .attr("depends_on", e("[aws_eks_node_group.this, aws_iam_role_policy_attachment.ebs_csi, aws_iam_role_policy.ebs_csi_kms]")),
    ]);
    blocks.extend(container_insights());
    blocks
}

/// Container Insights and pod logs: the amazon-cloudwatch-observability add-on (CloudWatch agent
/// and Fluent Bit), its role, and the log groups it writes to, created first so that they are
/// KMS-encrypted with the tier's retention instead of created by the agent with neither.
fn container_insights() -> Vec<Block> {
    let groups = CONTAINER_INSIGHTS_LOG_GROUPS.iter().map(|g| format!("\"{g}\"")).collect::<Vec<_>>().join(", ");
    // The add-on's CloudWatch agent and its Fluent Bit DaemonSet both run as the cloudwatch-agent
    // service account in amazon-cloudwatch (aws-observability/helm-charts@71a298f:
    // charts/amazon-cloudwatch-observability/templates/linux/fluent-bit-daemonset.yaml), whose role
    // needs CloudWatchAgentServerPolicy
    // (https://docs.aws.amazon.com/eks/latest/userguide/amazon-cloudwatch-observability.html,
    // "Required IAM permissions"; X-Ray is left out: Application Signals is not used).
    // The role exists even without the add-on (no cost, and nothing can assume it without the
    // service account's token), which keeps its addresses free of count indexes.
    let mut blocks = Vec::from(addon_role(
        "cloudwatch_observability",
        "Amazon CloudWatch Observability add-on (CloudWatch agent and Fluent Bit)",
        ServiceAccount { namespace: "amazon-cloudwatch", name: "cloudwatch-agent" },
        "CloudWatchAgentServerPolicy",
    ));
    blocks.extend([

        Block::resource("aws_cloudwatch_log_group", "container_insights")
            .skip_check("CKV_AWS_338", "retention is sized per tier (observability.log_retention_days); production tiers keep a year")
            .attr("for_each", e(&format!("var.container_insights ? toset([{groups}]) : toset([])")))
            .attr("name", e(r#""/aws/containerinsights/${var.name}/${each.value}""#))
            .attr("retention_in_days", e("var.container_insights_log_retention_days"))
            .attr("kms_key_id", e("var.logs_kms_key_arn"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_eks_addon", "cloudwatch_observability")
            .attr("count", e("var.container_insights ? 1 : 0"))
            .attr("cluster_name", e("aws_eks_cluster.this.name"))
            .attr("addon_name", s("amazon-cloudwatch-observability"))
            .attr("addon_version", e(r#"var.addon_versions["amazon-cloudwatch-observability"]"#))
            .attr("resolve_conflicts_on_create", s("OVERWRITE"))
            .attr("resolve_conflicts_on_update", s("OVERWRITE"))
            .attr("service_account_role_arn", e("aws_iam_role.cloudwatch_observability.arn"))
            .attr("tags", e("var.tags"))
            .comment("The log groups first: the agent would otherwise create them unencrypted, never expiring.")
            .attr("depends_on", e("[aws_eks_node_group.this, aws_iam_role_policy_attachment.cloudwatch_observability, aws_cloudwatch_log_group.container_insights]")),
    ]);
    blocks
}
