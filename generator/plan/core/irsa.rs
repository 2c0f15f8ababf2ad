//! IAM roles for the workloads of the applications layer, each trusting exactly one Kubernetes
//! service account (from `naming.rs`, the same list the chart reads) and allowed only what that
//! workload needs, scoped to this environment's resources.

use crate::plan::common;
use crate::plan::iam::{Statement, document};
use crate::plan::naming::{Names, SecretKind, WorkloadRole};
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e};

pub const MODULE: &str = "irsa";

pub fn inputs(names: &Names) -> Vec<Input> {
    let accounts: hcl::Map<String, hcl::Value> = WorkloadRole::ALL
        .iter()
        .map(|role| {
            let sa = role.service_account();
            let entry: hcl::Map<String, hcl::Value> =
                [("namespace".to_string(), hcl::Value::from(sa.namespace)), ("name".to_string(), hcl::Value::from(sa.name))].into_iter().collect();
            (role.key().to_string(), hcl::Value::Object(entry))
        })
        .collect();
    let expected = WorkloadRole::ALL.iter().map(|r| format!("\"{}\"", r.key())).collect::<Vec<_>>().join(", ");
    vec![
        common::name_input(&names.prefix),
        Input::tfvar(
            Variable::new(
                "service_accounts",
                TfType::map(TfType::Object(vec![("namespace", TfType::String, false), ("name", TfType::String, false)])),
                "The one Kubernetes service account each role trusts, by role.",
            )
            .validate(
                &format!("sort(keys(var.service_accounts)) == sort([{expected}])"),
                "service_accounts must name exactly the roles this module defines.",
            ),
            hcl::Value::Object(accounts),
        ),
        Input::wire(Variable::new("oidc_provider_arn", TfType::String, "ARN of the cluster's IAM OIDC provider."), "module.eks.oidc_provider_arn"),
        Input::wire(Variable::new("oidc_issuer", TfType::String, "OIDC issuer host and path (no scheme)."), "module.eks.oidc_issuer"),
        Input::wire(Variable::new("cluster_name", TfType::String, "Cluster whose node groups the autoscaler may resize."), "module.eks.cluster_name"),
        Input::wire(Variable::new("storage_bucket_arn", TfType::String, "The Supabase Storage bucket."), "module.storage.bucket_arn"),
        Input::wire(Variable::new("storage_kms_key_arn", TfType::String, "KMS key of the storage bucket."), r#"module.kms.key_arns["s3"]"#),
        Input::wire(Variable::new("secrets_kms_key_arn", TfType::String, "KMS key of the environment's secrets."), r#"module.kms.key_arns["secrets"]"#),
        Input::tfvar(
            Variable::new("secret_name_prefix", TfType::String, "Prefix of this environment's Secrets Manager names (without trailing slash)."),
            names.secret_prefix.as_str(),
        ),
        Input::tfvar(
            Variable::new("api_key_secret_names", TfType::list(TfType::String), "Secrets the bootstrap Job writes (the anon and service_role keys, the signing keys)."),
            hcl::Value::from(vec![
                hcl::Value::from(names.secret_name(SecretKind::AnonKey)),
                hcl::Value::from(names.secret_name(SecretKind::ServiceRoleKey)),
                hcl::Value::from(names.secret_name(SecretKind::SigningKeys)),
            ]),
        ),
        Input::wire(Variable::new("db_master_secret_arn", TfType::String, "The RDS-managed master user secret (read by the bootstrap Job)."), "module.rds.master_user_secret_arn"),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    let mut blocks = vec![
        Block::data("aws_partition", "current"),
        Block::data("aws_caller_identity", "current"),
        Block::data("aws_region", "current"),
        document(
            "trust",
            vec![Statement::assumed_by_service_account(
                "[var.oidc_provider_arn]",
                "${var.oidc_issuer}",
                "system:serviceaccount:${each.value.namespace}:${each.value.name}",
            )],
        )
        .leading("for_each", e("var.service_accounts")),
    ];
    blocks.extend(WorkloadRole::ALL.map(policy));
    let descriptions = WorkloadRole::ALL.iter().map(|r| format!("\"{}\" = \"{}\"", r.key(), r.description())).collect::<Vec<_>>().join(", ");
    let documents =
        WorkloadRole::ALL.iter().map(|r| format!("\"{}\" = data.aws_iam_policy_document.{}.json", r.key(), document_name(*r))).collect::<Vec<_>>().join(", ");
    blocks.push(
        Block::new("locals", &[]).attr("descriptions", e(&format!("{{ {descriptions} }}"))).attr("policies", e(&format!("{{ {documents} }}"))),
    );
    blocks.push(
        Block::resource("aws_iam_role", "this")
            .attr("for_each", e("var.service_accounts"))
            .attr("name", e(r#""${var.name}-${each.key}""#))
            .attr("description", e("local.descriptions[each.key]"))
            .attr("assume_role_policy", e("data.aws_iam_policy_document.trust[each.key].json"))
            .attr("tags", e("var.tags")),
    );
    blocks.push(
        Block::resource("aws_iam_role_policy", "this")
            .attr("for_each", e("var.service_accounts"))
            .attr("name", e("each.key"))
            .attr("role", e("aws_iam_role.this[each.key].id"))
            .attr("policy", e("local.policies[each.key]")),
    );
    Module {
        name: MODULE,
        summary: "IAM roles for service accounts of the Supabase workloads: AWS Load Balancer Controller (upstream \
                  policy), Cluster Autoscaler (resizing only this cluster's tagged groups), External Secrets (read only \
                  this environment's secrets and decrypt them), Supabase Storage (this bucket and its key only) and the \
                  bootstrap Job (read this environment's secrets and the RDS master secret, write the two API keys). \
                  Each role trusts exactly one `system:serviceaccount:<namespace>:<name>` through the cluster's OIDC \
                  provider.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks }],
        outputs: vec![Output::new("role_arns", "ARN of each role, by role key.", "{ for k, role in aws_iam_role.this : k => role.arn }")],
    }
}

/// The policy document of a workload's role, named by [`document_name`].
fn policy(role: WorkloadRole) -> Block {
    let name = document_name(role);
    match role {
        WorkloadRole::LoadBalancerController => super::load_balancer_controller::policy(&name),
        WorkloadRole::ClusterAutoscaler => document(
            &name,
            vec![
                Statement::allow(&[
                    "autoscaling:DescribeAutoScalingGroups",
                    "autoscaling:DescribeAutoScalingInstances",
                    "autoscaling:DescribeLaunchConfigurations",
                    "autoscaling:DescribeScalingActivities",
                    "autoscaling:DescribeTags",
                    "ec2:DescribeImages",
                    "ec2:DescribeInstanceTypes",
                    "ec2:DescribeLaunchTemplateVersions",
                    "ec2:GetInstanceTypesFromInstanceRequirements",
                ])
                .sid("Discover")
                .comment("Describe calls do not support resource-level permissions.")
                .on(r#"["*"]"#),
                Statement::allow(&["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"])
                    .sid("ResizeOnlyThisCluster")
                    .on(r#"["*"]"#)
                    .when("StringEquals", "aws:ResourceTag/k8s.io/cluster-autoscaler/${var.cluster_name}", r#"["owned"]"#),
                Statement::allow(&["eks:DescribeNodegroup"])
                    .sid("ReadThisClustersNodeGroups")
                    .on(r#"["arn:${data.aws_partition.current.partition}:eks:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:nodegroup/${var.cluster_name}/*/*"]"#),
            ],
        )
        .skip_check("CKV_AWS_356", "autoscaling and EC2 Describe actions support no resource-level permissions; resizing is conditioned on the cluster tag")
        .skip_check("CKV_AWS_111", "resizing is conditioned on the k8s.io/cluster-autoscaler/<cluster> tag of the Auto Scaling group"),
        WorkloadRole::ExternalSecrets => document(
            &name,
            vec![
                Statement::allow(&["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:ListSecretVersionIds"])
                    .sid("ReadThisEnvironmentsSecrets")
                    .on(&format!("[{}]", secret_arn("${var.secret_name_prefix}/*"))),
                Statement::allow(&["kms:Decrypt"]).sid("DecryptThem").on("[var.secrets_kms_key_arn]"),
            ],
        ),
        WorkloadRole::Storage => document(
            &name,
            vec![
                Statement::allow(&["s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"]).sid("Bucket").on("[var.storage_bucket_arn]"),
                Statement::allow(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"])
                    .sid("Objects")
                    .on(r#"["${var.storage_bucket_arn}/*"]"#),
                Statement::allow(&["kms:Decrypt", "kms:GenerateDataKey"]).sid("BucketKey").on("[var.storage_kms_key_arn]"),
            ],
        ),
        WorkloadRole::Bootstrap => document(
            &name,
            vec![
                Statement::allow(&["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"])
                    .sid("ReadThisEnvironmentsSecrets")
                    .on(&format!("[{}, var.db_master_secret_arn]", secret_arn("${var.secret_name_prefix}/*"))),
                Statement::allow(&["secretsmanager:PutSecretValue"])
                    .sid("WriteOnlyTheApiKeys")
                    .comment("Secret ARNs end in a random 6-character suffix.")
                    .on(&format!("[for name in var.api_key_secret_names : {}]", secret_arn("${name}-??????"))),
                Statement::allow(&["kms:Decrypt", "kms:GenerateDataKey"]).sid("SecretsKey").on("[var.secrets_kms_key_arn]"),
            ],
        ),
    }
}

/// `data.aws_iam_policy_document.<name>` of a workload's policy: its role key in snake case.
fn document_name(role: WorkloadRole) -> String {
    role.key().replace('-', "_")
}

/// The ARN pattern of secrets named `name` (an HCL template) in this account and region.
fn secret_arn(name: &str) -> String {
    format!(r#""arn:${{data.aws_partition.current.partition}}:secretsmanager:${{data.aws_region.current.name}}:${{data.aws_caller_identity.current.account_id}}:secret:{name}""#)
}
