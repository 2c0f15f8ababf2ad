//! The Supabase Storage bucket: private, KMS-encrypted, TLS-only, versioned per tier, with a
//! lifecycle that cleans up and, per tier, moves live objects to Standard-IA (never to the
//! Glacier classes: Storage reads objects synchronously), CORS only for the environment's
//! origins, and access logs per tier.

use crate::plan::common;
use crate::plan::iam::{Statement, document};
use crate::plan::naming::Names;
use crate::resolve::model::Environment;
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, s};

pub const MODULE: &str = "storage";

/// Regions opened before August 2022, where ALB access logs arrive as the region's Elastic Load
/// Balancing account (the provider's `aws_elb_service_account` knows exactly these and fails
/// elsewhere). Later regions deliver as the `logdelivery.elasticloadbalancing.amazonaws.com`
/// service only. A closed, historical list: new regions are never added to it.
const ELB_ACCOUNT_REGIONS: &[&str] = &[
    "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "ap-southeast-3", "ca-central-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-north-1",
    "eu-south-1", "eu-west-1", "eu-west-2", "eu-west-3", "me-south-1", "sa-east-1", "us-east-1", "us-east-2",
    "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
];

pub fn inputs(env: &Environment, names: &Names) -> Vec<Input> {
    let s3 = &env.settings.s3;
    let origins = hcl::Value::from(env.identity.cors_allowed_origins.iter().map(|o| hcl::Value::from(o.as_str())).collect::<Vec<_>>());
    vec![
        Input::tfvar(Variable::new("bucket_name", TfType::String, "Name of the storage bucket."), names.storage_bucket.as_str()),
        Input::tfvar(
            Variable::new("access_log_bucket_name", TfType::String, "Name of the bucket receiving server access logs (created only with access_logging)."),
            names.access_log_bucket.as_str(),
        ),
        Input::tfvar(Variable::new("versioning", TfType::Bool, "Keep previous versions of objects.").default(true), s3.versioning),
        Input::tfvar(Variable::new("force_destroy", TfType::Bool, "Let terraform destroy a non-empty bucket (throwaway tiers).").default(false), s3.force_destroy),
        Input::tfvar(Variable::new("access_logging", TfType::Bool, "Write server access logs to a separate bucket.").default(true), s3.access_logging),
        Input::tfvar(
            Variable::new("noncurrent_version_expiration_days", TfType::Number, "Days before previous object versions are deleted.").default(30),
            s3.noncurrent_version_expiration_days,
        ),
        Input::tfvar(
            Variable::new("transition_to_ia_days", TfType::Number, "Days after creation before live objects move to S3 Standard-IA; 0 keeps them in S3 Standard.")
                .default(0)
                .validate(
                    "var.transition_to_ia_days == 0 || var.transition_to_ia_days >= 30",
                    "S3 moves objects to STANDARD_IA only once they are 30 days old: use 0 (off) or 30 or more.",
                ),
            s3.transition_to_ia_days.unwrap_or(0),
        ),
        Input::tfvar(
            Variable::new("cors_allowed_origins", TfType::list(TfType::String), "Browser origins allowed to use the bucket directly (no CORS rule when empty).")
                .default(e("[]"))
                .validate("!contains(var.cors_allowed_origins, \"*\")", "List origins explicitly; * is not allowed."),
            origins,
        ),
        Input::tfvar(
            Variable::new("load_balancer_log_prefix", TfType::String, "Key prefix under which the ALB writes its access logs to the log bucket.").default(s("alb")),
            crate::plan::naming::ALB_LOG_PREFIX,
        ),
        Input::tfvar(
            Variable::new(
                "load_balancer_log_account",
                TfType::Bool,
                "Also admit the region's Elastic Load Balancing account to the ALB log prefix (true only in regions opened before August 2022).",
            ),
            ELB_ACCOUNT_REGIONS.contains(&env.identity.aws_region.as_str()),
        ),
        Input::wire(Variable::new("kms_key_arn", TfType::String, "KMS key for SSE-KMS."), r#"module.kms.key_arns["s3"]"#),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    Module {
        name: MODULE,
        summary: "The Supabase Storage bucket: SSE-KMS with a bucket key, public access blocked, BucketOwnerEnforced, \
                  a policy denying non-TLS requests, versioning per tier, a lifecycle that aborts incomplete multipart \
                  uploads, expires previous versions and optionally moves live objects to Standard-IA (never to Glacier \
                  classes), CORS only for the \
                  configured origins, and optional access logs (the bucket's own, and the ALB's under \
                  load_balancer_log_prefix) to a second bucket whose policy admits exactly those deliveries.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks: bucket() }, TfFile { name: "access_logs.tf", blocks: access_logs() }],
        outputs: vec![
            Output::new("bucket_name", "Name of the storage bucket.", "aws_s3_bucket.this.bucket"),
            Output::new("bucket_arn", "ARN of the storage bucket.", "aws_s3_bucket.this.arn"),
            Output::new("access_log_bucket_name", "Name of the access log bucket, or null.", "one(aws_s3_bucket.logs[*].bucket)"),
        ],
    }
}

fn tls_only(name: &str, bucket: &str) -> Block {
    document(name, vec![deny_insecure_transport(bucket)])
}

/// Refuses every request to the bucket (`bucket` is its resource address) that is not over TLS.
pub(crate) fn deny_insecure_transport(bucket: &str) -> Statement {
    Statement::deny(&["s3:*"])
        .sid("DenyInsecureTransport")
        .on(&format!(r#"[{bucket}.arn, "${{{bucket}.arn}}/*"]"#))
        .principal("*", r#"["*"]"#)
        .when("Bool", "aws:SecureTransport", r#"["false"]"#)
}

pub(crate) fn public_access_block(resource: &str, bucket: &str) -> Block {
    Block::resource("aws_s3_bucket_public_access_block", resource)
        .attr("bucket", e(&format!("{bucket}.id")))
        .attr("block_public_acls", true)
        .attr("block_public_policy", true)
        .attr("ignore_public_acls", true)
        .attr("restrict_public_buckets", true)
}

pub(crate) fn ownership(resource: &str, bucket: &str) -> Block {
    Block::resource("aws_s3_bucket_ownership_controls", resource)
        .attr("bucket", e(&format!("{bucket}.id")))
        .child("rule", |r| r.attr("object_ownership", s("BucketOwnerEnforced")))
}

fn bucket() -> Vec<Block> {
    vec![
        Block::resource("aws_s3_bucket", "this")
            .skip_check("CKV_AWS_144", "cross-region replication is a disaster-recovery choice outside this stack; versioning and backups cover deletion")
            .skip_check("CKV2_AWS_62", "Supabase Storage keeps its own object index in the database; S3 event notifications have no consumer")
            .skip_check("CKV_AWS_18", "server access logging is per tier (access_logging); production tiers turn it on")
            .attr("bucket", e("var.bucket_name"))
            .attr("force_destroy", e("var.force_destroy"))
            .attr("tags", e("var.tags")),
        public_access_block("this", "aws_s3_bucket.this"),
        ownership("this", "aws_s3_bucket.this"),
        Block::resource("aws_s3_bucket_server_side_encryption_configuration", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("rule", |r| {
                r.child("apply_server_side_encryption_by_default", |d| d.attr("sse_algorithm", s("aws:kms")).attr("kms_master_key_id", e("var.kms_key_arn")))
                    .comment("S3 Bucket Keys cut KMS requests (and cost) by orders of magnitude.")
                    .attr("bucket_key_enabled", true)
            }),
        Block::resource("aws_s3_bucket_versioning", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("versioning_configuration", |v| v.attr("status", e(r#"var.versioning ? "Enabled" : "Suspended""#))),
        tls_only("tls_only", "aws_s3_bucket.this"),
        Block::resource("aws_s3_bucket_policy", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .attr("policy", e("data.aws_iam_policy_document.tls_only.json"))
            .attr("depends_on", e("[aws_s3_bucket_public_access_block.this]")),
        Block::resource("aws_s3_bucket_lifecycle_configuration", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("rule", |r| {
                r.attr("id", s("abort-incomplete-multipart-uploads"))
                    .attr("status", s("Enabled"))
                    .child("filter", |f| f)
                    .child("abort_incomplete_multipart_upload", |a| a.attr("days_after_initiation", 7))
            })
            .child("rule", |r| {
                r.attr("id", s("expire-previous-versions"))
                    .attr("status", s("Enabled"))
                    .child("filter", |f| f)
                    .child("noncurrent_version_expiration", |n| n.attr("noncurrent_days", e("var.noncurrent_version_expiration_days")))
            })
            .block(
                Block::new("dynamic", &["rule"])
                    .attr("for_each", e("var.transition_to_ia_days > 0 ? [var.transition_to_ia_days] : []"))
                    .child("content", |r| {
                        r.attr("id", s("live-objects-to-standard-ia"))
                            .attr("status", s("Enabled"))
                            .child("filter", |f| f)
                            .child("transition", |x| x.attr("days", e("rule.value")).attr("storage_class", s("STANDARD_IA")))
                            .comment("Repeated from the first rule so that every whole-bucket rule states it (checkov CKV_AWS_300).")
                            .child("abort_incomplete_multipart_upload", |a| a.attr("days_after_initiation", 7))
                    }),
            )
            .comment(
                "Standard-IA reads in milliseconds like Standard (cheaper storage, a per-GB retrieval fee, 128 KiB minimum \
                 billed size), so Storage's synchronous reads keep working; Glacier Flexible Retrieval and Deep Archive \
                 need a restore first and would break them (https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html).",
            )
            .attr("depends_on", e("[aws_s3_bucket_versioning.this]")),
        Block::resource("aws_s3_bucket_cors_configuration", "this")
            .attr("count", e("length(var.cors_allowed_origins) > 0 ? 1 : 0"))
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("cors_rule", |c| {
                c.attr("allowed_methods", e(r#"["GET", "HEAD", "PUT", "POST"]"#))
                    .attr("allowed_origins", e("var.cors_allowed_origins"))
                    .attr("allowed_headers", e(r#"["authorization", "content-type", "x-upsert", "x-amz-*"]"#))
                    .attr("expose_headers", e(r#"["ETag"]"#))
                    .attr("max_age_seconds", 3600)
            }),
    ]
}

fn access_logs() -> Vec<Block> {
    vec![
        Block::data("aws_caller_identity", "current"),
        Block::data("aws_elb_service_account", "current")
            .comment("The regional Elastic Load Balancing account that delivers ALB access logs in regions opened before August 2022.")
            .attr("count", e("var.access_logging && var.load_balancer_log_account ? 1 : 0")),
        Block::resource("aws_s3_bucket", "logs")
            .skip_check("CKV_AWS_145", "S3 server access logs can only be delivered to buckets encrypted with SSE-S3, not SSE-KMS")
            .skip_check("CKV_AWS_18", "this is the access log bucket; logging it into itself would loop")
            .skip_check("CKV_AWS_144", "access logs are not replicated across regions")
            .skip_check("CKV2_AWS_62", "access logs have no event consumer")
            .skip_check("CKV_AWS_21", "access log objects are written once and expire; versioning would only keep deleted logs")
            .attr("count", e("var.access_logging ? 1 : 0"))
            .attr("bucket", e("var.access_log_bucket_name"))
            .attr("force_destroy", e("var.force_destroy"))
            .attr("tags", e("var.tags")),
        public_access_block("logs", "aws_s3_bucket.logs[0]").leading("count", e("var.access_logging ? 1 : 0")),
        ownership("logs", "aws_s3_bucket.logs[0]").leading("count", e("var.access_logging ? 1 : 0")),
        Block::resource("aws_s3_bucket_server_side_encryption_configuration", "logs")
            .attr("count", e("var.access_logging ? 1 : 0"))
            .attr("bucket", e("aws_s3_bucket.logs[0].id"))
            .child("rule", |r| r.child("apply_server_side_encryption_by_default", |d| d.attr("sse_algorithm", s("AES256")))),
        Block::resource("aws_s3_bucket_lifecycle_configuration", "logs")
            .attr("count", e("var.access_logging ? 1 : 0"))
            .attr("bucket", e("aws_s3_bucket.logs[0].id"))
            .child("rule", |r| {
                r.attr("id", s("expire-access-logs"))
                    .attr("status", s("Enabled"))
                    .child("filter", |f| f)
                    .child("expiration", |x| x.attr("days", 365))
                    .child("abort_incomplete_multipart_upload", |a| a.attr("days_after_initiation", 1))
            }),
        document(
            "logs",
            vec![
                Statement::allow(&["s3:PutObject"])
                    .sid("S3ServerAccessLogsOfTheStorageBucket")
                    .on(r#"["${aws_s3_bucket.logs[0].arn}/*"]"#)
                    .principal("Service", r#"["logging.s3.amazonaws.com"]"#)
                    .when("ArnLike", "aws:SourceArn", "[aws_s3_bucket.this.arn]")
                    .when("StringEquals", "aws:SourceAccount", "[data.aws_caller_identity.current.account_id]"),
                Statement::allow(&["s3:PutObject"])
                    .sid("LoadBalancerLogDelivery")
                    .on(r#"["${aws_s3_bucket.logs[0].arn}/${var.load_balancer_log_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]"#)
                    .principal("Service", r#"["logdelivery.elasticloadbalancing.amazonaws.com"]"#),
                deny_insecure_transport("aws_s3_bucket.logs[0]"),
            ],
        )
        .leading("source_policy_documents", e("data.aws_iam_policy_document.logs_elb_account[*].json"))
        .leading("count", e("var.access_logging ? 1 : 0")),
        document(
            "logs_elb_account",
            vec![
                Statement::allow(&["s3:PutObject"])
                    .sid("LoadBalancerAccessLogs")
                    .comment("Merged into the log bucket's policy in regions that deliver ALB logs as their ELB account.")
                    .on(r#"["${aws_s3_bucket.logs[0].arn}/${var.load_balancer_log_prefix}/AWSLogs/${data.aws_caller_identity.current.account_id}/*"]"#)
                    .principal("AWS", "[data.aws_elb_service_account.current[0].arn]"),
            ],
        )
        .leading("count", e("var.access_logging && var.load_balancer_log_account ? 1 : 0")),
        Block::resource("aws_s3_bucket_policy", "logs")
            .attr("count", e("var.access_logging ? 1 : 0"))
            .attr("bucket", e("aws_s3_bucket.logs[0].id"))
            .attr("policy", e("data.aws_iam_policy_document.logs[0].json"))
            .attr("depends_on", e("[aws_s3_bucket_public_access_block.logs]")),
        Block::resource("aws_s3_bucket_logging", "this")
            .attr("count", e("var.access_logging ? 1 : 0"))
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .attr("target_bucket", e("aws_s3_bucket.logs[0].id"))
            .attr("target_prefix", s("storage/"))
            .attr("depends_on", e("[aws_s3_bucket_policy.logs]")),
    ]
}
