//! The bootstrap roots: one per account and region that holds some environment's Terraform
//! state, creating that state bucket (`state.bucket`) and its own KMS key.
//!
//! State belongs to an account and region, not to an environment (several environments share a
//! bucket, each under its own keys), so these roots live beside the environments, in
//! `out/bootstrap/<account>-<region>/`. A bootstrap root is applied first with local state (the
//! bucket does not exist yet), then migrated into the bucket it created; its README says how.

use std::collections::BTreeMap;

use crate::plan::core::kms::{ADMIN_ACTIONS, USE_ACTIONS};
use crate::plan::core::storage::{deny_insecure_transport, ownership, public_access_block};
use crate::plan::iam::{ACCOUNT_ROOT, Statement, document, key_policy_skips};
use crate::plan::naming::{self, BOOTSTRAP_STATE_KEY};
use crate::plan::{common, roots};
use crate::resolve::model::Environment;
use crate::terraform::{Backend, Block, Input, Module, ModuleCall, Output, Root, TfFile, TfType, Variable, e, s};

pub const MODULE: &str = "state-backend";

/// Days previous versions of state objects are kept: long enough to roll back a bad apply
/// found weeks later, short enough that years of applies do not pile up.
pub const NONCURRENT_VERSION_DAYS: u32 = 90;

/// Where state lives: one state bucket per account and region.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StateHome {
    pub account_id: String,
    pub region: String,
    pub bucket: String,
    pub project: String,
}

impl StateHome {
    pub fn dir(&self) -> String {
        naming::bootstrap_dir(&self.account_id, &self.region)
    }

    pub fn kms_alias(&self) -> String {
        naming::state_kms_alias(&self.project)
    }

    pub fn kms_alias_arn(&self) -> String {
        naming::state_kms_alias_arn(&self.project, &self.account_id, &self.region)
    }
}

/// The state homes of some environments, sorted by account and region. A home's root depends on
/// nothing else, so generating one environment writes the same root as `--all`. Validation makes
/// every environment of one account and state region name the same bucket; were it not so, the
/// first environment's bucket would win here.
/// The state home an environment keeps its state in: its account and state region (one
/// bootstrap root, one state bucket each).
pub fn home_of(env: &Environment) -> (&str, String) {
    (env.identity.account_id.as_str(), roots::state_region(env))
}

pub fn homes<'a>(envs: impl IntoIterator<Item = &'a Environment>) -> Vec<StateHome> {
    let mut homes: BTreeMap<(&str, String), StateHome> = BTreeMap::new();
    for env in envs {
        let (account, region) = home_of(env);
        homes.entry((account, region.clone())).or_insert_with(|| StateHome {
            account_id: account.to_string(),
            region,
            bucket: env.identity.state.bucket.clone(),
            project: env.project.clone(),
        });
    }
    homes.into_values().collect()
}

pub fn inputs(home: &StateHome) -> Vec<Input> {
    vec![
        Input::tfvar(Variable::new("bucket_name", TfType::String, "Name of the state bucket (state.bucket in the config)."), home.bucket.as_str()),
        Input::tfvar(
            Variable::new("kms_alias_name", TfType::String, "Alias of the state bucket's KMS key; the backends name it as kms_key_id.")
                .validate(r#"startswith(var.kms_alias_name, "alias/")"#, "A KMS alias name starts with alias/."),
            home.kms_alias(),
        ),
        Input::tfvar(
            Variable::new("noncurrent_version_expiration_days", TfType::Number, "Days previous versions of state objects are kept (rollback window).")
                .default(NONCURRENT_VERSION_DAYS)
                .validate("var.noncurrent_version_expiration_days >= 1", "Keep previous versions at least one day."),
            NONCURRENT_VERSION_DAYS,
        ),
        common::kms_deletion_window_input(false),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    Module {
        name: MODULE,
        summary: "The Terraform state bucket of one account and region: versioned, SSE-KMS with a customer-managed key of \
                  its own (rotation on, usable only through S3 by this account), a policy denying non-TLS requests and \
                  objects encrypted any other way, public access blocked, BucketOwnerEnforced, and a lifecycle that \
                  expires previous versions and aborts incomplete multipart uploads. Never force-destroyed: a bucket \
                  that still holds state refuses to be deleted.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "kms.tf", blocks: key() }, TfFile { name: "main.tf", blocks: bucket() }],
        outputs: vec![
            Output::new("bucket_name", "Name of the state bucket.", "aws_s3_bucket.this.bucket"),
            Output::new("bucket_arn", "ARN of the state bucket.", "aws_s3_bucket.this.arn"),
            Output::new("kms_key_arn", "ARN of the state bucket's KMS key.", "aws_kms_key.this.arn"),
            Output::new("kms_alias_arn", "ARN of the key's alias (the backends' kms_key_id).", "aws_kms_alias.this.arn"),
        ],
    }
}

fn key() -> Vec<Block> {
    vec![
        Block::data("aws_partition", "current"),
        Block::data("aws_caller_identity", "current"),
        Block::data("aws_region", "current"),
        key_policy_skips(document(
            "key",
            vec![
                Statement::allow(ADMIN_ACTIONS).sid("KeyAdministration").on(r#"["*"]"#).principal("AWS", ACCOUNT_ROOT),
                Statement::allow(USE_ACTIONS)
                    .sid("UseThroughS3")
                    .on(r#"["*"]"#)
                    .principal("AWS", ACCOUNT_ROOT)
                    .when("StringEquals", "kms:ViaService", r#"["s3.${data.aws_region.current.name}.amazonaws.com"]"#)
                    .when("StringEquals", "kms:CallerAccount", "[data.aws_caller_identity.current.account_id]"),
            ],
        )),
        Block::resource("aws_kms_key", "this")
            .attr("description", e(r#""Terraform state in ${var.bucket_name}""#))
            .attr("enable_key_rotation", true)
            .attr("deletion_window_in_days", e("var.kms_deletion_window_days"))
            .attr("policy", e("data.aws_iam_policy_document.key.json"))
            .attr("tags", e("var.tags")),
        Block::resource("aws_kms_alias", "this").attr("name", e("var.kms_alias_name")).attr("target_key_id", e("aws_kms_key.this.key_id")),
    ]
}

fn bucket() -> Vec<Block> {
    vec![
        Block::resource("aws_s3_bucket", "this")
            .skip_check("CKV_AWS_144", "state is regional by design (an environment may keep it in its own region); versioning covers mistakes")
            .skip_check("CKV2_AWS_62", "state objects have no event consumer")
            .skip_check("CKV_AWS_18", "only operators running terraform touch this bucket; CloudTrail (management and, where enabled, S3 data events) is the audit trail, and a log bucket per account and region would be a second bucket to bootstrap")
            .attr("bucket", e("var.bucket_name"))
            .comment("Deleting a bucket that still holds state must fail (its README says how to retire it).")
            .attr("force_destroy", false)
            .attr("tags", e("var.tags")),
        public_access_block("this", "aws_s3_bucket.this"),
        ownership("this", "aws_s3_bucket.this"),
        Block::resource("aws_s3_bucket_versioning", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("versioning_configuration", |v| v.attr("status", s("Enabled"))),
        Block::resource("aws_s3_bucket_server_side_encryption_configuration", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("rule", |r| {
                r.child("apply_server_side_encryption_by_default", |d| d.attr("sse_algorithm", s("aws:kms")).attr("kms_master_key_id", e("aws_kms_key.this.arn")))
                    .attr("bucket_key_enabled", true)
            }),
        document(
            "bucket",
            vec![
                deny_insecure_transport("aws_s3_bucket.this"),
                Statement::deny(&["s3:PutObject"])
                    .sid("DenyObjectsNotEncryptedWithKms")
                    .comment("Requests without an encryption header get the bucket default (this key); an explicit other one is refused.")
                    .on(r#"["${aws_s3_bucket.this.arn}/*"]"#)
                    .principal("*", r#"["*"]"#)
                    .when("Null", "s3:x-amz-server-side-encryption", r#"["false"]"#)
                    .when("StringNotEquals", "s3:x-amz-server-side-encryption", r#"["aws:kms"]"#),
            ],
        ),
        Block::resource("aws_s3_bucket_policy", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .attr("policy", e("data.aws_iam_policy_document.bucket.json"))
            .attr("depends_on", e("[aws_s3_bucket_public_access_block.this]")),
        Block::resource("aws_s3_bucket_lifecycle_configuration", "this")
            .attr("bucket", e("aws_s3_bucket.this.id"))
            .child("rule", |r| {
                r.attr("id", s("expire-previous-versions"))
                    .attr("status", s("Enabled"))
                    .child("filter", |f| f)
                    .child("noncurrent_version_expiration", |n| n.attr("noncurrent_days", e("var.noncurrent_version_expiration_days")))
                    .child("abort_incomplete_multipart_upload", |a| a.attr("days_after_initiation", 7))
            })
            .attr("depends_on", e("[aws_s3_bucket_versioning.this]")),
    ]
}

/// The bootstrap root of one state home: its backend is the bucket it creates.
pub fn root(home: &StateHome, call: ModuleCall, outputs: Vec<Output>) -> Root {
    let tags = BTreeMap::from([
        ("Project".to_string(), home.project.clone()),
        ("ManagedBy".to_string(), "supabase-aws-gen".to_string()),
        ("Purpose".to_string(), "terraform-state".to_string()),
    ]);
    Root {
        dir: home.dir(),
        backend: Backend {
            bucket: home.bucket.clone(),
            key: BOOTSTRAP_STATE_KEY.to_string(),
            region: home.region.clone(),
            kms_key_id: home.kms_alias_arn(),
        },
        own_inputs: roots::provider_inputs_for("AWS region of the state bucket.", &home.region, &home.account_id, tags),
        calls: vec![call],
        files: vec![TfFile { name: "providers.tf", blocks: vec![roots::provider()] }],
        outputs,
    }
}

pub fn call(home: &StateHome) -> ModuleCall {
    ModuleCall { label: "state", module: MODULE, inputs: inputs(home) }
}
