//! RDS PostgreSQL for Supabase: reachable only from the cluster, TLS enforced, logical
//! replication and the extensions Supabase preloads, RDS-managed master password in Secrets
//! Manager, encrypted everything, backups, and a final snapshot unless the tier is throwaway.

use crate::plan::common;
use crate::plan::iam::{Statement, document, role};
use crate::plan::naming::Names;
use crate::resolve::model::Environment;
use crate::terraform::{Block, Input, Module, Output, TfFile, TfType, Variable, e, s};

pub const MODULE: &str = "rds";

/// The RDS CA every client verifies (the rds-ca-rsa2048-g1 bundle is in the regional trust store).
pub const CA_CERT_IDENTIFIER: &str = "rds-ca-rsa2048-g1";

/// The master user: RDS gives it `rds_superuser` (RDS has no SUPERUSER). GoTrue and Storage
/// migrations grant to a role named `postgres`, so the master user carries that name.
pub const MASTER_USERNAME: &str = "postgres";
pub const DATABASE_NAME: &str = "postgres";

pub fn inputs(env: &Environment, names: &Names) -> Vec<Input> {
    let r = &env.settings.rds;
    let has_minor = r.engine_version.contains('.');
    let storage = r.storage_type.as_str();
    let num = |name, description, value: u32| Input::tfvar(Variable::new(name, TfType::Number, description), value);
    let flag = |name, description, value: bool| Input::tfvar(Variable::new(name, TfType::Bool, description), value);
    vec![
        common::name_input(&names.prefix),
        Input::wire(Variable::new("vpc_id", TfType::String, "VPC of the database."), "data.terraform_remote_state.networking.outputs.vpc_id"),
        Input::wire(
            Variable::new("db_subnet_group_name", TfType::String, "DB subnet group over the isolated database subnets."),
            "data.terraform_remote_state.networking.outputs.db_subnet_group_name",
        ),
        Input::wire(
            Variable::new(
                "client_security_groups",
                TfType::map(TfType::String),
                "Security groups allowed to connect on 5432, by a name known at plan time (the IDs are not).",
            ),
            "{ cluster = module.eks.cluster_security_group_id, nodes = module.eks.node_security_group_id }",
        ),
        Input::tfvar(
            Variable::new("engine_version", TfType::String, "PostgreSQL major (\"17\": RDS applies minor upgrades) or major.minor (\"17.7\": pinned).")
                .validate(r#"can(regex("^[0-9]+(\\.[0-9]+)?$", var.engine_version))"#, "engine_version is \"17\" or \"17.7\"."),
            r.engine_version.as_str(),
        ),
        Input::tfvar(
            Variable::new("auto_minor_version_upgrade", TfType::Bool, "Apply minor versions in the maintenance window (off when a minor is pinned).").default(true),
            !has_minor,
        ),
        Input::tfvar(
            Variable::new("instance_class", TfType::String, "RDS instance class, e.g. db.t3.small.")
                .validate(r#"startswith(var.instance_class, "db.")"#, "instance_class starts with db."),
            r.instance_class.as_str(),
        ),
        num("allocated_storage_gib", "Initial storage in GiB.", r.allocated_storage_gib),
        num("max_allocated_storage_gib", "Storage autoscaling ceiling in GiB (equal to allocated_storage_gib: no autoscaling).", r.max_allocated_storage_gib),
        Input::tfvar(Variable::new("storage_type", TfType::String, "gp2, gp3, io1 or io2.").default(s("gp3")), storage),
        Input::tfvar(Variable::new("multi_az", TfType::Bool, "Keep a synchronous standby in another zone.").default(true), r.multi_az),
        num("backup_retention_days", "Days of automated backups (0 to 35).", r.backup_retention_days),
        Input::tfvar(
            Variable::new("max_connections", TfType::Number, "max_connections in the parameter group; 0 keeps the RDS default, LEAST({DBInstanceClassMemory/9531392}, 5000).")
                .default(0)
                .validate("var.max_connections >= 0 && floor(var.max_connections) == var.max_connections", "max_connections is a whole number, 0 for the RDS default."),
            r.max_connections.unwrap_or(0),
        ),
        Input::tfvar(
            Variable::new("max_slot_wal_keep_size_mib", TfType::Number, "Most WAL a replication slot may hold back before it is invalidated, in MiB (max_slot_wal_keep_size).")
                .validate("var.max_slot_wal_keep_size_mib >= 1024 && floor(var.max_slot_wal_keep_size_mib) == var.max_slot_wal_keep_size_mib", "max_slot_wal_keep_size_mib is a whole number of at least 1024."),
            r.max_slot_wal_keep_size_gib * 1024,
        ),
        Input::tfvar(Variable::new("backup_window", TfType::String, "Daily backup window, UTC."), r.backup_window.as_str()),
        Input::tfvar(Variable::new("maintenance_window", TfType::String, "Weekly maintenance window, UTC."), r.maintenance_window.as_str()),
        Input::tfvar(Variable::new("deletion_protection", TfType::Bool, "Refuse to delete the instance.").default(true), r.deletion_protection),
        Input::tfvar(
            Variable::new(
                "apply_immediately",
                TfType::Bool,
                "Apply instance changes now instead of in the maintenance window. Off; a PostgreSQL major upgrade needs it for its one apply (`terraform apply -var apply_immediately=true`, runbook), or the old parameter group cannot be deleted while still attached.",
            )
            .default(false),
            false,
        ),
        flag("skip_final_snapshot", "Destroy without a final snapshot (throwaway tiers only).", env.settings.throwaway),
        Input::tfvar(Variable::new("performance_insights_enabled", TfType::Bool, "Performance Insights (7 days, free tier).").default(true), r.performance_insights),
        Input::tfvar(
            Variable::new("monitoring_interval_seconds", TfType::Number, "Enhanced monitoring interval (0 turns it off).")
                .default(60)
                .validate("contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval_seconds)", "RDS offers 0, 1, 5, 10, 15, 30 or 60 seconds."),
            r.monitoring_interval_seconds,
        ),
        Input::tfvar(Variable::new("db_log_retention_days", TfType::Number, "Days to keep the exported PostgreSQL logs.").default(365), r.log_retention_days),
        Input::wire(Variable::new("storage_kms_key_arn", TfType::String, "KMS key of storage, snapshots and Performance Insights."), r#"module.kms.key_arns["rds"]"#),
        Input::wire(Variable::new("master_secret_kms_key_arn", TfType::String, "KMS key of the RDS-managed master password secret."), r#"module.kms.key_arns["secrets"]"#),
        Input::wire(Variable::new("logs_kms_key_arn", TfType::String, "KMS key of the database log groups."), r#"module.kms.key_arns["logs"]"#),
        common::tags_input(MODULE),
    ]
}

pub fn module(inputs: &[Input]) -> Module {
    Module {
        name: MODULE,
        summary: "RDS PostgreSQL for Supabase. Security group admitting 5432 only from the given security groups; \
                  parameter group whose family follows the engine version, with rds.force_ssl=1, \
                  rds.logical_replication=1 with max_slot_wal_keep_size bounding what a replication slot may hold back, pg_stat_statements and pg_cron preloaded, and slow-query and DDL logging \
                  (never log_statement=all, which would log secrets); RDS-managed master password (Secrets Manager, \
                  KMS); encrypted storage with autoscaling; backups in a window; Performance Insights (KMS) and \
                  enhanced monitoring; log exports to KMS-encrypted log groups; IAM authentication; the \
                  rds-ca-rsa2048-g1 CA; tags copied to snapshots; deletion protection and a final snapshot unless \
                  the tier is throwaway.",
        variables: inputs.iter().map(|i| i.var.clone()).collect(),
        files: vec![TfFile { name: "main.tf", blocks: blocks() }],
        outputs: vec![
            Output::new("address", "Host name of the instance (without port).", "aws_db_instance.this.address"),
            Output::new("port", "Port of the instance.", "aws_db_instance.this.port"),
            Output::new("database_name", "Name of the database Supabase uses.", "aws_db_instance.this.db_name"),
            Output::new("instance_arn", "ARN of the instance.", "aws_db_instance.this.arn"),
            Output::new("identifier", "Identifier of the instance.", "aws_db_instance.this.identifier"),
            Output::new("master_username", "The master user (rds_superuser).", "aws_db_instance.this.username"),
            Output::new("master_user_secret_arn", "Secrets Manager secret RDS keeps the master password in.", "aws_db_instance.this.master_user_secret[0].secret_arn"),
            Output::new("security_group_id", "Security group of the instance.", "aws_security_group.this.id"),
        ],
    }
}

fn parameter(name: &str, value: &str, static_parameter: bool) -> Block {
    Block::new("parameter", &[])
        .attr("name", s(name))
        .attr("value", s(value))
        .attr("apply_method", s(if static_parameter { "pending-reboot" } else { "immediate" }))
}

fn blocks() -> Vec<Block> {
    vec![
        Block::data("aws_partition", "current"),
        Block::new("locals", &[])
            .attr("major_version", e(r#"split(".", var.engine_version)[0]"#))
            .attr("log_exports", e(r#"["postgresql", "upgrade"]"#)),
        Block::resource("aws_security_group", "this")
            .attr("name", e(r#""${var.name}-rds""#))
            .attr("description", s("PostgreSQL from the EKS cluster only"))
            .attr("vpc_id", e("var.vpc_id"))
            .attr("tags", e(r#"merge(var.tags, { Name = "${var.name}-rds" })"#)),
        Block::resource("aws_vpc_security_group_ingress_rule", "postgres")
            .comment("Keyed by static names: the group IDs exist only after apply, and for_each must be known at plan time.")
            .attr("for_each", e("var.client_security_groups"))
            .attr("security_group_id", e("aws_security_group.this.id"))
            .attr("description", e(r#""PostgreSQL from the ${each.key} security group""#))
            .attr("referenced_security_group_id", e("each.value"))
            .attr("ip_protocol", s("tcp"))
            .attr("from_port", 5432)
            .attr("to_port", 5432)
            .attr("tags", e("var.tags")),
        Block::resource("aws_db_parameter_group", "this")
            .attr("name", e(r#""${var.name}-postgres${local.major_version}""#))
            .attr("family", e(r#""postgres${local.major_version}""#))
            .attr("description", e(r#""Supabase on PostgreSQL ${local.major_version}""#))
            .comment("Plain connections are refused: every client must use TLS.")
            .block(parameter("rds.force_ssl", "1", false))
            .comment("Realtime streams changes through logical replication.")
            .block(parameter("rds.logical_replication", "1", true))
            .comment("A slot nobody consumes (Realtime's poller stuck, a forgotten subscriber) is invalidated at this much WAL instead of filling the disk.")
            .block(
                Block::new("parameter", &[])
                    .attr("name", s("max_slot_wal_keep_size"))
                    .attr("value", e("tostring(var.max_slot_wal_keep_size_mib)"))
                    .attr("apply_method", s("immediate")),
            )
            .block(parameter("shared_preload_libraries", "pg_stat_statements,pg_cron", true))
            .block(parameter("cron.database_name", "postgres", true))
            .comment("Slow statements and schema changes only: log_statement=all would log passwords.")
            .block(parameter("log_min_duration_statement", "1000", false))
            .block(parameter("log_statement", "ddl", false))
            .block(parameter("log_connections", "1", false))
            .block(parameter("log_disconnections", "1", false))
            .block(parameter("log_lock_waits", "1", false))
            .comment("Only when the config sets rds.max_connections; otherwise the RDS default formula applies.")
            .block(
                Block::new("dynamic", &["parameter"])
                    .attr("for_each", e("var.max_connections > 0 ? [var.max_connections] : []"))
                    .child("content", |c| {
                        c.attr("name", s("max_connections")).attr("value", e("tostring(parameter.value)")).attr("apply_method", s("pending-reboot"))
                    }),
            )
            .child("lifecycle", |b| {
                b.comment("A major upgrade brings a new family and, with the major in the name, a new group: created first, the instance")
                    .comment("switches to it with the engine, and only then is the old one deleted.")
                    .attr("create_before_destroy", true)
            })
            .attr("tags", e("var.tags")),
        Block::resource("aws_cloudwatch_log_group", "this")
            .skip_check("CKV_AWS_338", "retention is sized per tier (db_log_retention_days); production tiers keep a year or more")
            .comment("Created before the instance so RDS exports into encrypted groups with a retention.")
            .attr("for_each", e("toset(local.log_exports)"))
            .attr("name", e(r#""/aws/rds/instance/${var.name}/${each.value}""#))
            .attr("retention_in_days", e("var.db_log_retention_days"))
            .attr("kms_key_id", e("var.logs_kms_key_arn"))
            .attr("tags", e("var.tags")),
        document("monitoring_assume", vec![Statement::assumed_by_service("monitoring.rds.amazonaws.com")]),
        role("monitoring", "rds-monitoring", "RDS enhanced monitoring", "monitoring_assume").leading("count", e("var.monitoring_interval_seconds > 0 ? 1 : 0")),
        Block::resource("aws_iam_role_policy_attachment", "monitoring")
            .attr("count", e("var.monitoring_interval_seconds > 0 ? 1 : 0"))
            .attr("role", e("aws_iam_role.monitoring[0].name"))
            .attr("policy_arn", e(r#""arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole""#)),
        Block::resource("aws_db_instance", "this")
            .skip_check("CKV2_AWS_30", "query logging is slow-query and DDL logging: log_statement=all would write passwords into the logs")
            .skip_check("CKV_AWS_157", "multi-AZ is sized per tier (multi_az): medium and larger are multi-AZ, small and minimal are single-AZ by design")
            .attr("identifier", e("var.name"))
            .attr("engine", s("postgres"))
            .attr("engine_version", e("var.engine_version"))
            .comment("Permits, never starts, a major upgrade: only a new major in engine_version (with the new family's parameter group) does.")
            .attr("allow_major_version_upgrade", true)
            .attr("auto_minor_version_upgrade", e("var.auto_minor_version_upgrade"))
            .attr("instance_class", e("var.instance_class"))
            .attr("db_name", s(DATABASE_NAME))
            .attr("username", s(MASTER_USERNAME))
            .comment("RDS generates, stores and rotates the master password in Secrets Manager: never in state.")
            .attr("manage_master_user_password", true)
            .attr("master_user_secret_kms_key_id", e("var.master_secret_kms_key_arn"))
            .attr("iam_database_authentication_enabled", true)
            .attr("allocated_storage", e("var.allocated_storage_gib"))
            .attr("max_allocated_storage", e("var.max_allocated_storage_gib > var.allocated_storage_gib ? var.max_allocated_storage_gib : 0"))
            .attr("storage_type", e("var.storage_type"))
            .attr("storage_encrypted", true)
            .attr("kms_key_id", e("var.storage_kms_key_arn"))
            .attr("db_subnet_group_name", e("var.db_subnet_group_name"))
            .attr("vpc_security_group_ids", e("[aws_security_group.this.id]"))
            .attr("publicly_accessible", false)
            .attr("multi_az", e("var.multi_az"))
            .attr("parameter_group_name", e("aws_db_parameter_group.this.name"))
            .attr("ca_cert_identifier", s(CA_CERT_IDENTIFIER))
            .attr("backup_retention_period", e("var.backup_retention_days"))
            .attr("backup_window", e("var.backup_window"))
            .attr("maintenance_window", e("var.maintenance_window"))
            .attr("copy_tags_to_snapshot", true)
            .attr("deletion_protection", e("var.deletion_protection"))
            .attr("skip_final_snapshot", e("var.skip_final_snapshot"))
            .attr("final_snapshot_identifier", e(r#"var.skip_final_snapshot ? null : "${var.name}-final""#))
            .attr("performance_insights_enabled", e("var.performance_insights_enabled"))
            .attr("performance_insights_kms_key_id", e("var.performance_insights_enabled ? var.storage_kms_key_arn : null"))
            .attr("performance_insights_retention_period", e("var.performance_insights_enabled ? 7 : null"))
            .attr("monitoring_interval", e("var.monitoring_interval_seconds"))
            .attr("monitoring_role_arn", e("var.monitoring_interval_seconds > 0 ? aws_iam_role.monitoring[0].arn : null"))
            .attr("enabled_cloudwatch_logs_exports", e("local.log_exports"))
            .attr("apply_immediately", e("var.apply_immediately"))
            .attr("tags", e("var.tags"))
            .attr("depends_on", e("[aws_cloudwatch_log_group.this, aws_iam_role_policy_attachment.monitoring]")),
    ]
}
