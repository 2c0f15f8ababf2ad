//! Security properties a reviewer asks about, checked on the generated Terraform of every
//! environment in the repository config (parsed with hcl-rs, not grepped).

mod common;

use std::collections::BTreeMap;

use hcl::{Block, Body, Expression};
use supabase_aws_gen::plan::naming::WorkloadRole;

fn files() -> supabase_aws_gen::emit::Files {
    common::generate_all(&common::read(&common::repo().join("service-tiers.yaml")))
}

/// Every `resource` block of every module and root: (file, type, name, block).
fn resources(files: &supabase_aws_gen::emit::Files) -> Vec<(String, String, String, Block)> {
    let mut out = Vec::new();
    for (path, text) in files.iter().filter(|(p, _)| p.as_str().ends_with(".tf")) {
        let body = hcl::parse(text).unwrap_or_else(|e| panic!("{path}: {e}"));
        for block in body.blocks().filter(|b| b.identifier() == "resource") {
            let labels: Vec<String> = block.labels().iter().map(|l| l.as_str().to_string()).collect();
            out.push((path.to_string(), labels[0].clone(), labels[1].clone(), block.clone()));
        }
    }
    out
}

fn attr<'a>(body: &'a Body, name: &str) -> Option<&'a Expression> {
    body.attributes().find(|a| a.key() == name).map(|a| a.expr())
}

fn text(expr: &Expression) -> String {
    hcl::format::to_string(expr).unwrap()
}

fn child<'a>(body: &'a Body, kind: &str) -> Vec<&'a Block> {
    body.blocks().filter(|b| b.identifier() == kind).collect()
}

fn of_type<'a>(all: &'a [(String, String, String, Block)], ty: &str) -> Vec<&'a (String, String, String, Block)> {
    let found: Vec<_> = all.iter().filter(|r| r.1 == ty).collect();
    assert!(!found.is_empty(), "expected {ty} resources");
    found
}

#[test]
fn nothing_admits_traffic_from_the_whole_internet() {
    let files = files();
    let all = resources(&files);
    for (file, _, name, block) in of_type(&all, "aws_vpc_security_group_ingress_rule") {
        let body = block.body();
        let cidr = attr(body, "cidr_ipv4").map(text);
        let sg = attr(body, "referenced_security_group_id");
        assert!(sg.is_some() || cidr.as_deref() == Some("var.vpc_cidr"), "{file}: ingress rule {name} admits {cidr:?}");
    }
    for (file, ty, name, block) in all.iter().filter(|r| r.1 == "aws_security_group") {
        assert!(child(block.body(), "ingress").is_empty(), "{file}: {ty}.{name} has inline ingress rules");
    }
    // The only 0.0.0.0/0 literal in generated Terraform is the default route out of the VPC.
    for (path, contents) in files.iter().filter(|(p, _)| p.as_str().ends_with(".tf") || p.as_str().ends_with(".tfvars")) {
        let mut found = Vec::new();
        world_open(&hcl::parse(contents).unwrap(), &mut found);
        assert!(found.iter().all(|key| key == "destination_cidr_block"), "{path}: 0.0.0.0/0 in {found:?}");
    }
}

/// Attributes (at any depth) whose value holds the literal "0.0.0.0/0".
fn world_open(body: &Body, found: &mut Vec<String>) {
    for attr in body.attributes() {
        if text(attr.expr()).contains("\"0.0.0.0/0\"") {
            found.push(attr.key().to_string());
        }
    }
    for block in body.blocks() {
        world_open(block.body(), found);
    }
}

#[test]
fn everything_is_encrypted() {
    let files = files();
    let all = resources(&files);
    for (file, _, name, block) in of_type(&all, "aws_kms_key") {
        assert_eq!(attr(block.body(), "enable_key_rotation").map(text).as_deref(), Some("true"), "{file}: key {name} does not rotate");
    }
    for (file, _, name, block) in of_type(&all, "aws_cloudwatch_log_group") {
        assert!(attr(block.body(), "kms_key_id").is_some(), "{file}: log group {name} is not KMS-encrypted");
    }
    for (file, _, name, block) in of_type(&all, "aws_secretsmanager_secret") {
        assert!(attr(block.body(), "kms_key_id").is_some(), "{file}: secret {name} uses the default key");
    }
    for (file, _, _, block) in of_type(&all, "aws_db_instance") {
        let body = block.body();
        assert_eq!(attr(body, "storage_encrypted").map(text).as_deref(), Some("true"), "{file}");
        assert!(attr(body, "kms_key_id").is_some(), "{file}: database storage key");
        assert!(attr(body, "performance_insights_kms_key_id").is_some(), "{file}: Performance Insights key");
        assert!(attr(body, "master_user_secret_kms_key_id").is_some(), "{file}: master secret key");
    }
    for (file, _, _, block) in of_type(&all, "aws_eks_cluster") {
        let encryption = child(block.body(), "encryption_config");
        assert_eq!(encryption.len(), 1, "{file}: Kubernetes secrets must be envelope-encrypted");
        assert_eq!(attr(encryption[0].body(), "resources").map(text).as_deref(), Some("[\n  \"secrets\"\n]"));
    }
    // Every bucket has an encryption configuration naming it.
    let sse: Vec<String> = of_type(&all, "aws_s3_bucket_server_side_encryption_configuration")
        .iter()
        .map(|(_, _, _, b)| text(attr(b.body(), "bucket").unwrap()))
        .collect();
    for (file, _, name, _) in of_type(&all, "aws_s3_bucket") {
        assert!(sse.iter().any(|b| b.starts_with(&format!("aws_s3_bucket.{name}"))), "{file}: bucket {name} has no encryption configuration");
    }
    for (file, _, name, block) in of_type(&all, "aws_launch_template") {
        for mapping in child(block.body(), "block_device_mappings") {
            let ebs = child(mapping.body(), "ebs");
            assert_eq!(attr(ebs[0].body(), "encrypted").map(text).as_deref(), Some("true"), "{file}: {name} root volume");
        }
    }
}

#[test]
fn nodes_require_imdsv2_and_keep_pods_away_from_it() {
    let files = files();
    let all = resources(&files);
    for (file, _, name, block) in of_type(&all, "aws_launch_template") {
        let metadata = child(block.body(), "metadata_options");
        assert_eq!(metadata.len(), 1, "{file}: {name} has no metadata options");
        let body = metadata[0].body();
        assert_eq!(attr(body, "http_tokens").map(text).as_deref(), Some("\"required\""), "{file}: IMDSv1 allowed");
        assert_eq!(attr(body, "http_put_response_hop_limit").map(text).as_deref(), Some("1"), "{file}: pods could reach IMDS");
        assert!(attr(block.body(), "key_name").is_none(), "{file}: SSH key on nodes");
    }
    for (file, _, _, block) in of_type(&all, "aws_eks_node_group") {
        assert!(child(block.body(), "remote_access").is_empty(), "{file}: SSH access to nodes");
    }
}

#[test]
fn irsa_roles_trust_exactly_the_service_accounts_the_workloads_use() {
    let files = files();
    let checked = common::checked(&common::read(&common::repo().join("service-tiers.yaml")));
    for resolved in &checked.model.environments {
        let id = &resolved.env.id;
        let tfvars = &files[format!("out/environments/{}/{}/core/terraform.tfvars", id.region, id.name).as_str()];
        let vars: serde_json::Value = hcl::from_str(tfvars).unwrap();
        let accounts = vars["service_accounts"].as_object().unwrap();
        assert_eq!(accounts.len(), WorkloadRole::ALL.len(), "{id}");
        for role in WorkloadRole::ALL {
            let sa = role.service_account();
            assert_eq!(accounts[role.key()], serde_json::json!({ "namespace": sa.namespace, "name": sa.name }), "{id}: {}", role.key());
        }
    }
    // The trust policy compares the subject exactly (StringEquals, not StringLike) and pins the audience.
    let irsa = &files["modules/irsa/main.tf"];
    let trust = irsa.split("data \"aws_iam_policy_document\" \"trust\"").nth(1).unwrap().split("\n}\n").next().unwrap();
    assert!(trust.contains("system:serviceaccount:${each.value.namespace}:${each.value.name}"));
    assert_eq!(trust.matches("\"StringEquals\"").count(), 2, "{trust}");
    assert!(!trust.contains("StringLike"));
    assert!(trust.contains("${var.oidc_issuer}:aud"));
}

#[test]
fn no_secret_value_is_generated_into_files_or_state() {
    let files = files();
    let all = resources(&files);
    for (file, _, name, block) in of_type(&all, "aws_secretsmanager_secret_version") {
        let body = block.body();
        match attr(body, "secret_string") {
            // Only the connection secret is written from state, and it holds no credential.
            Some(value) => assert_eq!(text(value), "jsonencode(var.database)", "{file}: {name}"),
            None => {
                let wo = attr(body, "secret_string_wo").map(text).unwrap_or_default();
                assert!(wo.starts_with("ephemeral.aws_secretsmanager_random_password."), "{file}: {name} writes {wo}");
            }
        }
    }
    for (file, _, _, block) in of_type(&all, "aws_db_instance") {
        assert_eq!(attr(block.body(), "manage_master_user_password").map(text).as_deref(), Some("true"), "{file}");
        assert!(attr(block.body(), "password").is_none(), "{file}: master password in state");
    }
    for (file, ty, name, _) in &all {
        assert!(!ty.starts_with("random_") && !ty.contains("random_password"), "{file}: {ty}.{name} would keep a secret in state");
    }
    for (path, contents) in &files {
        assert!(!contents.contains("eyJ"), "{path} contains something that looks like a JWT");
        for line in contents.lines() {
            let key = line.trim_start().split([' ', '=']).next().unwrap_or_default().to_lowercase();
            assert!(!["password", "master_password", "secret_string"].contains(&key.as_str()) || line.contains("jsonencode(var.database)"), "{path}: {line}");
        }
    }
}

/// The string value of `key = "..."` in a backend block or tfvars body.
fn literal(body: &Body, key: &str) -> String {
    match attr(body, key) {
        Some(Expression::String(s)) => s.clone(),
        other => panic!("{key}: expected a string literal, got {other:?}"),
    }
}

/// Every root's state goes to a bucket some bootstrap root creates, in the same account and
/// region, encrypted under that root's key: an S3 backend pointing at a bucket nobody creates
/// (or a key alias nobody creates) would only fail at the first `terraform init`.
#[test]
fn every_backend_uses_a_state_bucket_a_bootstrap_root_creates() {
    let files = files();
    let parse = |path: &str| hcl::parse(&files[path]).unwrap_or_else(|e| panic!("{path}: {e}"));
    // bootstrap dir -> (bucket, alias ARN its key gets)
    let mut created = BTreeMap::new();
    for path in files.keys().filter(|p| p.as_str().starts_with("out/bootstrap/") && p.as_str().ends_with("/terraform.tfvars")) {
        let dir = path.parent().unwrap().to_string();
        let vars = parse(path.as_str());
        let (account, region) = (literal(&vars, "account_id"), literal(&vars, "aws_region"));
        assert_eq!(dir, format!("out/bootstrap/{account}-{region}"), "{path}");
        let alias = literal(&vars, "kms_alias_name");
        created.insert(dir, (literal(&vars, "bucket_name"), format!("arn:aws:kms:{region}:{account}:{alias}")));
    }
    assert_eq!(created.len(), 3, "one bootstrap root per account and state region: {created:?}");
    let mut roots = 0;
    for path in files.keys().filter(|p| p.as_str().ends_with("/backend.tf")) {
        let body = parse(path.as_str());
        let terraform = child(&body, "terraform");
        let backend = child(terraform[0].body(), "backend")[0].body().clone();
        let (bucket, region, kms) = (literal(&backend, "bucket"), literal(&backend, "region"), literal(&backend, "kms_key_id"));
        let account = literal(&parse(path.as_str().replace("backend.tf", "terraform.tfvars").as_str()), "account_id");
        let home = format!("out/bootstrap/{account}-{region}");
        assert_eq!(created.get(&home), Some(&(bucket.clone(), kms.clone())), "{path}: state in s3://{bucket} ({region}, key {kms}) is not what {home} creates");
        assert_eq!(attr(&backend, "use_lockfile").map(text).as_deref(), Some("true"), "{path}: no state locking");
        roots += 1;
    }
    assert_eq!(roots, 4 * 3 + 3, "every environment's three roots and the bootstrap roots have a backend");
    let frankfurt = parse("out/environments/frankfurt/production/networking/backend.tf");
    let region = literal(child(child(&frankfurt, "terraform")[0].body(), "backend")[0].body(), "region");
    assert_eq!(region, "eu-central-1", "Frankfurt keeps its state in its own region");
}
