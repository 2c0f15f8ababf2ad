//! `affected --since <ref>`: a temporary git repository holding a generated tree (written by the
//! binary's own `generate --all`, then committed), changed the ways a pull request changes it.

mod common;

use std::process::{Command, Output};

use common::{TempDir, base_config, cli, stderr, stdout};

/// A git repository with the base config and everything `generate --all` writes, committed.
fn repo(name: &str) -> TempDir {
    let ws = TempDir::new(name);
    ws.write("service-tiers.yaml", &base_config());
    let generated = cli(ws.path(), &["generate", "--all"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    git(&ws, &["init", "-q"]);
    commit(&ws, "generated");
    ws
}

fn git(ws: &TempDir, args: &[&str]) -> Output {
    let out = Command::new("git")
        .args(["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(ws.path())
        .output()
        .expect("run git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn commit(ws: &TempDir, message: &str) {
    git(ws, &["add", "-A"]);
    git(ws, &["commit", "-q", "-m", message]);
}

/// Appends a line to a generated file (it stays generated: the header is untouched).
fn touch(ws: &TempDir, rel: &str) {
    let path = ws.path().join(rel);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.push_str("# changed\n");
    std::fs::write(&path, text).unwrap();
}

fn affected(ws: &TempDir, args: &[&str]) -> Output {
    let mut all = vec!["affected"];
    all.extend_from_slice(args);
    cli(ws.path(), &all)
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(out));
    stdout(out)
}

const LAYERS: [&str; 4] = ["networking", "core", "applications", "monitoring"];

#[test]
fn a_changed_module_affects_every_root_that_uses_it_and_only_those() {
    let ws = repo("affected-module");
    // rds is instantiated by the core layer of every environment, by nothing else.
    touch(&ws, "modules/rds/main.tf");
    let out = affected(&ws, &["--since", "HEAD"]);
    assert_eq!(ok(&out), "virginia/test core\nvirginia/demo core\nmodules/rds\n");
    // The tree no longer matches the config: the user is told so.
    assert!(stderr(&out).contains("run `supabase-aws-gen generate --all --check`"), "{}", stderr(&out));
}

#[test]
fn a_changed_tfvars_affects_that_layer_only_committed_or_staged() {
    let ws = repo("affected-tfvars");
    touch(&ws, "out/environments/virginia/demo/networking/terraform.tfvars");
    git(&ws, &["add", "-A"]);
    assert_eq!(ok(&affected(&ws, &["--since", "HEAD"])), "virginia/demo networking\n", "staged");
    commit(&ws, "tfvars");
    assert_eq!(ok(&affected(&ws, &["--since", "HEAD~1"])), "virginia/demo networking\n", "committed");
    let nothing = affected(&ws, &["--since", "HEAD"]);
    assert_eq!(ok(&nothing), "", "nothing changed since the last commit");
    assert!(stderr(&nothing).contains("no generated file differs from HEAD"), "{}", stderr(&nothing));
}

#[test]
fn a_new_environment_is_affected_while_still_untracked() {
    let ws = repo("affected-new");
    let config = base_config();
    let extra = "    extra:\n      tier: dev\n      account_id: \"000000000002\"\n      domain: extra.example.com\n      \
                 cluster_admins: [\"arn:aws:iam::000000000002:role/admin\"]\n      state:\n        bucket: acme-tfstate-2\n      \
                 vpc:\n        cidr: 10.2.0.0/16\n        public_subnets: [10.2.1.0/24, 10.2.2.0/24]\n        \
                 eks_subnets: [10.2.16.0/20, 10.2.32.0/20]\n        rds_subnets: [10.2.3.0/24, 10.2.4.0/24]\n";
    let at = config.find("    demo:").expect("the base config has virginia/demo");
    ws.write("service-tiers.yaml", &format!("{}{extra}{}", &config[..at], &config[at..]));
    let generated = cli(ws.path(), &["generate", "--all"]);
    assert!(generated.status.success(), "{}", stderr(&generated));

    let text = ok(&affected(&ws, &["--since", "HEAD"]));
    let expected: String = LAYERS.iter().map(|l| format!("virginia/extra {l}\n")).collect();
    // Its own account gets its own state bootstrap root, applied first.
    assert_eq!(text, format!("out/bootstrap/000000000002-us-east-1\n{expected}"));

    let json: serde_json::Value = serde_json::from_str(&ok(&affected(&ws, &["--since", "HEAD", "--format", "json"]))).unwrap();
    let layers: Vec<&str> = json["include"].as_array().unwrap().iter().map(|e| e["layer"].as_str().unwrap()).collect();
    assert_eq!(layers, ["networking", "core", "monitoring"], "{json}");
    assert!(json["include"].as_array().unwrap().iter().all(|e| e["environment"] == "virginia/extra" && e["account"] == "000000000002"), "{json}");
}

#[test]
fn a_removed_environment_is_listed_as_removed_and_not_planned() {
    let ws = repo("affected-removed");
    let config = base_config();
    ws.write("service-tiers.yaml", &config[..config.find("\n    demo:").expect("the base config has virginia/demo") + 1]);
    let generated = cli(ws.path(), &["generate", "--all", "--allow-removal", "virginia/demo"]);
    assert!(generated.status.success(), "{}", stderr(&generated));

    let text = ok(&affected(&ws, &["--since", "HEAD"]));
    let expected: String = LAYERS.iter().map(|l| format!("virginia/demo {l} removed\n")).collect();
    assert_eq!(text, expected);
    let json = ok(&affected(&ws, &["--since", "HEAD", "--format", "json"]));
    assert_eq!(json, "{\"include\":[]}\n", "a removed layer cannot be planned");
}

#[test]
fn a_bad_ref_or_no_repository_is_bad_input() {
    let ws = repo("affected-bad-ref");
    let out = affected(&ws, &["--since", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("git cannot compare with `no-such-branch`: bad revision 'no-such-branch'"), "{err}");
    assert!(err.contains("help: name a commit, branch or tag"), "{err}");
    assert_eq!(stdout(&out), "");

    let plain = TempDir::new("affected-no-git");
    plain.write("service-tiers.yaml", &base_config());
    let out = affected(&plain, &["--since", "HEAD"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not inside a git work tree"), "{}", stderr(&out));
}

#[test]
fn json_is_a_github_matrix_of_the_terraform_layers_in_apply_order() {
    let ws = repo("affected-json");
    assert_eq!(ok(&affected(&ws, &["--since", "HEAD", "--format", "json"])), "{\"include\":[]}\n", "nothing affected");

    // The chart changes every applications layer (not planned by terraform); a tfvars change its layer.
    touch(&ws, "helm-charts/supabase-custom/values.schema.json");
    touch(&ws, "out/environments/virginia/test/monitoring/terraform.tfvars");
    touch(&ws, "out/environments/virginia/test/networking/terraform.tfvars");
    let text = ok(&affected(&ws, &["--since", "HEAD"]));
    assert_eq!(
        text,
        "virginia/test networking\nvirginia/test applications\nvirginia/test monitoring\nvirginia/demo applications\n"
    );
    let json = ok(&affected(&ws, &["--since", "HEAD", "--format", "json"]));
    assert_eq!(json.lines().count(), 1, "one line, for $GITHUB_OUTPUT");
    assert_eq!(
        json,
        concat!(
            r#"{"include":[{"environment":"virginia/test","layer":"networking","account":"000000000001","region":"us-east-1"},"#,
            r#"{"environment":"virginia/test","layer":"monitoring","account":"000000000001","region":"us-east-1"}]}"#,
            "\n"
        )
    );
}
