//! `plan`, `apply` and `drift` against a fake terraform (and helm): the order of the layers,
//! what is refused before anything runs, exactly which saved plan is applied, and the exit codes
//! a CI script tells apart.

mod common;

use std::process::{Command, Output};

use common::{TempDir, stderr, stdout};

const ENV: &str = "virginia/test";

/// A fake terraform: logs every call as `<layer> <args>` to calls.log and answers from env vars:
/// FAKE_TF_VERSION, FAKE_TF_PLAN_<layer> (plan's exit code: 0 none, 2 changes, 1 error),
/// FAKE_TF_APPLY_<layer>. `plan -out` writes a plan
/// file; `show`/`apply` fail unless given an existing one; `show -json` logs the file's mode.
const FAKE_TERRAFORM: &str = r#"#!/bin/sh
log="$FAKE_DIR/calls.log"
chdir=.
case "$1" in -chdir=*) chdir="${1#-chdir=}"; shift ;; esac
layer=$(basename "$chdir")
last=""
for a in "$@"; do last="$a"; done
case "$1" in
  version)
    echo "- $*" >>"$log"
    printf '{"terraform_version":"%s","platform":"linux_amd64"}\n' "${FAKE_TF_VERSION:-1.11.4}"
    exit 0 ;;
  init) echo "$layer $*" >>"$log"; exit 0 ;;
  plan)
    echo "$layer $*" >>"$log"
    for a in "$@"; do case "$a" in -out=*) echo "saved plan of $layer" >"${a#-out=}" ;; esac; done
    eval "exit \${FAKE_TF_PLAN_$layer:-0}" ;;
  show)
    [ -f "$last" ] || { echo "$layer $* (no such plan file)" >>"$log"; exit 1; }
    if [ "$2" = -json ]; then
      echo "$layer $* mode=$(stat -c %a "$last")" >>"$log"
      printf '%s' '{"resource_changes":[{"change":{"actions":["create"]}},{"change":{"actions":["delete","create"]}},{"change":{"actions":["update"]}}]}'
    else
      echo "$layer $*" >>"$log"
      cat "$last"
    fi
    exit 0 ;;
  apply)
    echo "$layer $*" >>"$log"
    [ -f "$last" ] || { echo "no such plan file: $last" >&2; exit 1; }
    eval "exit \${FAKE_TF_APPLY_$layer:-0}" ;;
esac
echo "$layer $* (unexpected)" >>"$log"
exit 99
"#;

/// A fake helm: logs `helm <args>`, reports FAKE_HELM_VERSION (default v3.10.1).
const FAKE_HELM: &str = r#"#!/bin/sh
echo "helm $*" >>"$FAKE_DIR/calls.log"
case "$1" in version) echo "${FAKE_HELM_VERSION:-v3.10.1+g9f88ccb}" ;; esac
exit 0
"#;

/// A tree generated from the base config, with the fakes next to it.
struct Tree(TempDir);

impl Tree {
    fn new(name: &str) -> Self {
        let ws = TempDir::new(name);
        ws.write("service-tiers.yaml", &common::base_config());
        let generated = common::cli(ws.path(), &["generate", "--all"]);
        assert!(generated.status.success(), "{}", stderr(&generated));
        for (file, text) in [("fake-terraform", FAKE_TERRAFORM), ("fake-helm", FAKE_HELM)] {
            ws.write(file, text);
            make_executable(&ws.path().join(file));
        }
        Self(ws)
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_supabase-aws-gen"));
        cmd.args(args)
            .current_dir(self.0.path())
            .env("SUPABASE_AWS_GEN_TODAY", "2026-11-26")
            .env("NO_COLOR", "1")
            .env("SUPABASE_AWS_GEN_TERRAFORM", self.0.path().join("fake-terraform"))
            .env("SUPABASE_AWS_GEN_HELM", self.0.path().join("fake-helm"))
            .env("FAKE_DIR", self.0.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().expect("run supabase-aws-gen")
    }

    /// The calls the fakes saw, one per line, without `-chdir` (the layer stands first).
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.0.path().join("calls.log")).unwrap_or_default().lines().map(str::to_string).collect()
    }

    /// The calls whose first words are these.
    fn calls_starting(&self, prefix: &str) -> Vec<String> {
        self.calls().into_iter().filter(|c| c.starts_with(prefix)).collect()
    }
}

fn make_executable(path: &camino::Utf8Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn both(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", stdout(o), stderr(o))
}

/// The summary line of a layer.
fn summary_line(o: &Output, layer: &str) -> String {
    let out = stdout(o);
    let summary = out.split("\nSummary for ").nth(1).unwrap_or_else(|| panic!("no summary:\n{}", both(o)));
    summary.lines().find(|l| l.split_whitespace().next() == Some(layer)).unwrap_or_else(|| panic!("no {layer} row:\n{summary}")).to_string()
}

#[test]
fn plan_runs_the_layers_in_order_and_exits_0_when_nothing_is_pending() {
    let tree = Tree::new("orch-order");
    let o = tree.run(&["plan", ENV], &[]);
    assert_eq!(code(&o), Some(0), "{}", both(&o));
    let calls: Vec<String> = tree.calls().into_iter().map(|c| c.split(" -").next().unwrap().to_string()).collect();
    assert_eq!(
        calls,
        ["- version", "networking init", "networking plan", "core init", "core plan", "monitoring init", "monitoring plan"],
        "{}",
        both(&o)
    );
    for layer in ["networking", "core", "monitoring"] {
        assert!(summary_line(&o, layer).ends_with("no changes"), "{}", stdout(&o));
    }
    assert!(!tree.calls().iter().any(|c| c.contains(" apply")), "plan never applies");
}

#[test]
fn layer_flag_runs_only_that_layer() {
    let tree = Tree::new("orch-layer");
    let o = tree.run(&["apply", ENV, "--layer", "core", "--auto-approve"], &[("FAKE_TF_PLAN_core", "2")]);
    assert_eq!(code(&o), Some(0), "{}", both(&o));
    let layers: Vec<String> = tree.calls().iter().filter(|c| !c.starts_with("- ")).map(|c| c.split(' ').next().unwrap().to_string()).collect();
    assert!(!layers.is_empty() && layers.iter().all(|l| l == "core"), "{layers:?}");
    assert!(!stdout(&o).contains("\nnetworking "), "{}", stdout(&o));
}

#[test]
fn plan_with_changes_exits_5_and_marks_the_layers_reading_them_provisional() {
    let tree = Tree::new("orch-provisional");
    let o = tree.run(&["plan", ENV], &[("FAKE_TF_PLAN_networking", "2")]);
    assert_eq!(code(&o), Some(5), "{}", both(&o));
    // Counted from `show -json`: create, replace (add + destroy), update.
    let networking = summary_line(&o, "networking");
    assert!(networking.split_whitespace().collect::<Vec<_>>()[1..4] == ["2", "1", "1"], "{networking}");
    assert!(networking.ends_with("changes"), "{networking}");
    for layer in ["core", "monitoring"] {
        let line = summary_line(&o, layer);
        assert!(line.contains("PROVISIONAL: depends on networking's"), "{line}");
        assert!(line.contains("pending changes; re-planned at apply"), "{line}");
    }
    // Core's own changes make monitoring (it reads core) provisional, never networking.
    let tree = Tree::new("orch-provisional-core");
    let o = tree.run(&["plan", ENV], &[("FAKE_TF_PLAN_core", "2")]);
    assert_eq!(code(&o), Some(5), "{}", both(&o));
    assert!(!summary_line(&o, "networking").contains("PROVISIONAL"), "{}", stdout(&o));
    assert!(!summary_line(&o, "core").contains("PROVISIONAL"), "{}", stdout(&o));
    assert!(summary_line(&o, "monitoring").contains("PROVISIONAL: depends on core's pending changes"), "{}", stdout(&o));
}

#[test]
fn apply_stops_at_the_first_failure_with_exit_4_and_runs_nothing_after_it() {
    let tree = Tree::new("orch-stop");
    let o = tree.run(&["apply", ENV, "--auto-approve"], &[("FAKE_TF_PLAN_core", "2"), ("FAKE_TF_APPLY_core", "1")]);
    assert_eq!(code(&o), Some(4), "{}", both(&o));
    assert!(tree.calls_starting("monitoring").is_empty(), "{:?}", tree.calls());
    assert!(summary_line(&o, "core").ends_with("failed"), "{}", stdout(&o));
    assert!(summary_line(&o, "monitoring").ends_with("not run"), "{}", stdout(&o));
    assert!(stderr(&o).contains("terraform apply of virginia/test core failed (exit 1)"), "{}", stderr(&o));
    // A failing plan stops the run alike.
    let tree = Tree::new("orch-stop-plan");
    let o = tree.run(&["plan", ENV], &[("FAKE_TF_PLAN_networking", "1")]);
    assert_eq!(code(&o), Some(4), "{}", both(&o));
    assert!(tree.calls_starting("core").is_empty(), "{:?}", tree.calls());
}

#[test]
fn apply_applies_exactly_the_saved_plan_it_counted_and_removes_it() {
    let tree = Tree::new("orch-saved");
    let o = tree.run(&["apply", ENV, "--auto-approve"], &[("FAKE_TF_PLAN_networking", "2")]);
    assert_eq!(code(&o), Some(0), "{}", both(&o));
    let plan = tree.calls_starting("networking plan").join("\n");
    let saved = plan.split("-out=").nth(1).unwrap_or_else(|| panic!("no -out: {plan}")).trim().to_string();
    assert_eq!(tree.calls_starting("networking show"), [format!("networking show -json {saved} mode=600")]);
    assert_eq!(tree.calls_starting("networking apply"), [format!("networking apply -input=false {saved}")]);
    assert!(!std::path::Path::new(&saved).exists(), "the plan file (it can hold secrets) is removed afterwards");
    assert!(summary_line(&o, "networking").ends_with("applied"), "{}", stdout(&o));
    // Layers without changes are not applied.
    assert!(tree.calls_starting("core apply").is_empty(), "{:?}", tree.calls());
}

#[test]
fn apply_without_a_terminal_or_auto_approve_refuses_with_exit_2_before_running_anything() {
    let tree = Tree::new("orch-tty");
    let o = tree.run(&["apply", ENV], &[("FAKE_TF_PLAN_networking", "2")]);
    assert_eq!(code(&o), Some(2), "{}", both(&o));
    assert!(stderr(&o).contains("pass --auto-approve"), "{}", stderr(&o));
    assert!(tree.calls().is_empty(), "{:?}", tree.calls());
}

#[test]
fn stale_output_refuses_with_exit_1_before_terraform_runs() {
    let tree = Tree::new("orch-stale");
    let tfvars = tree.0.path().join("out/environments/virginia/test/core/terraform.tfvars");
    let text = std::fs::read_to_string(&tfvars).unwrap();
    std::fs::write(&tfvars, text.replace("acme", "acme-edited")).unwrap();
    // Files terraform or the user put next to the roots are not ours, so never stale.
    tree.0.write("out/environments/virginia/test/core/local_override.tf", "# hand-written\n");
    tree.0.write("out/environments/virginia/test/core/.terraform.lock.hcl", "# provider locks\n");
    let o = tree.run(&["plan", ENV], &[]);
    assert_eq!(code(&o), Some(1), "{}", both(&o));
    assert!(stderr(&o).contains("stale: out/environments/virginia/test/core/terraform.tfvars"), "{}", stderr(&o));
    assert!(stderr(&o).contains("help: run `cargo run -- generate virginia/test`"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("override"), "{}", stderr(&o));
    assert!(tree.calls().is_empty(), "{:?}", tree.calls());
    std::fs::write(&tfvars, text).unwrap();
    let o = tree.run(&["plan", ENV], &[]);
    assert_eq!(code(&o), Some(0), "{}", both(&o));
}

#[test]
fn missing_or_too_old_terraform_exits_4() {
    let tree = Tree::new("orch-tf");
    let missing = tree.0.path().join("no-such-terraform");
    let o = tree.run(&["plan", ENV], &[("SUPABASE_AWS_GEN_TERRAFORM", missing.as_str())]);
    assert_eq!(code(&o), Some(4), "{}", both(&o));
    assert!(stderr(&o).contains("terraform not found"), "{}", stderr(&o));

    let o = tree.run(&["apply", ENV, "--auto-approve"], &[("FAKE_TF_VERSION", "1.10.5")]);
    assert_eq!(code(&o), Some(4), "{}", both(&o));
    assert!(stderr(&o).contains("terraform 1.10.5 does not meet the generated roots' required_version `>= 1.11.0"), "{}", stderr(&o));
    assert_eq!(tree.calls(), ["- version -json"], "nothing runs with a terraform that is too old");
}

#[test]
fn drift_exits_5_on_drift_4_on_a_failure_and_reports_every_root() {
    let tree = Tree::new("orch-drift");
    let o = tree.run(&["drift", ENV], &[]);
    assert_eq!(code(&o), Some(0), "{}", both(&o));
    // A refreshed plan of what the code manages, saved nowhere, applied never.
    assert_eq!(tree.calls_starting("core plan"), ["core plan -input=false -detailed-exitcode"]);
    assert!(!tree.calls().iter().any(|c| c.contains(" apply")), "{:?}", tree.calls());

    let o = tree.run(&["drift", "--all"], &[("FAKE_TF_PLAN_core", "2")]);
    assert_eq!(code(&o), Some(5), "{}", both(&o));
    let out = stdout(&o);
    let row = |env: &str, layer: &str| out.lines().find(|l| l.starts_with(env) && l.split_whitespace().nth(1) == Some(layer)).map(|l| l.split_whitespace().nth(2).unwrap().to_string());
    assert_eq!(row("virginia/test", "core").as_deref(), Some("yes"), "{out}");
    assert_eq!(row("virginia/demo", "networking").as_deref(), Some("no"), "{out}");

    let o = tree.run(&["drift", ENV], &[("FAKE_TF_PLAN_networking", "1"), ("FAKE_TF_PLAN_core", "2")]);
    assert_eq!(code(&o), Some(4), "a failure outranks drift:\n{}", both(&o));
    assert!(stdout(&o).lines().any(|l| l.starts_with(ENV) && l.contains("monitoring")), "every root is still reported:\n{}", stdout(&o));
}

#[test]
fn applications_run_between_core_and_monitoring_in_the_environments_cluster() {
    let tree = Tree::new("orch-helm");
    let o = tree.run(&["apply", ENV, "--with-applications", "--auto-approve"], &[]);
    assert_eq!(code(&o), Some(2), "an apply needs the RDS CA bundle:\n{}", both(&o));
    assert!(stderr(&o).contains("SUPABASE_AWS_GEN_RDS_CA_BUNDLE"), "{}", stderr(&o));
    tree.0.write("global-bundle.pem", "-----BEGIN CERTIFICATE-----\n");
    let bundle = tree.0.path().join("global-bundle.pem");
    let o = tree.run(&["apply", ENV, "--with-applications", "--auto-approve"], &[("SUPABASE_AWS_GEN_RDS_CA_BUNDLE", bundle.as_str())]);
    assert_eq!(code(&o), Some(0), "{}", both(&o));
    let order: Vec<String> = tree
        .calls()
        .iter()
        .filter(|c| c.contains(" plan ") || c.starts_with("helm upgrade"))
        .map(|c| c.split_whitespace().take(if c.starts_with("helm") { 4 } else { 1 }).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        order,
        [
            "networking",
            "core",
            "helm upgrade --install external-secrets",
            "helm upgrade --install aws-load-balancer-controller",
            "helm upgrade --install cluster-autoscaler",
            "helm upgrade --install metrics-server",
            "helm upgrade --install supabase",
            "monitoring"
        ],
        "{:?}",
        tree.calls()
    );
    for call in tree.calls_starting("helm upgrade") {
        assert!(call.contains("--kube-context acme-virginia-test"), "{call}");
    }
    assert!(tree.calls_starting("helm upgrade --install supabase").join("").contains(&format!("database.caBundle={bundle}")));
}

#[test]
fn apply_on_a_terminal_shows_the_saved_plan_and_applies_it_only_when_approved() {
    // util-linux `script` gives the run a terminal; our stdin is typed into it.
    if Command::new("script").arg("--version").output().is_err() {
        common::missing("script (util-linux)", "on PATH");
        return;
    }
    let tree = Tree::new("orch-prompt");
    let on_terminal = |answer: &str| {
        use std::io::Write;
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{} apply {ENV}", env!("CARGO_BIN_EXE_supabase-aws-gen")), "/dev/null"])
            .current_dir(tree.0.path())
            .env("SUPABASE_AWS_GEN_TODAY", "2026-11-26")
            .env("NO_COLOR", "1")
            .env("SUPABASE_AWS_GEN_TERRAFORM", tree.0.path().join("fake-terraform"))
            .env("FAKE_DIR", tree.0.path())
            .env("FAKE_TF_PLAN_networking", "2")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("run script");
        child.stdin.take().unwrap().write_all(answer.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let o = on_terminal("n\n");
    assert_eq!(code(&o), Some(6), "{}", both(&o));
    assert!(stdout(&o).contains("Apply these changes to virginia/test networking? [y/N]"), "{}", both(&o));
    assert!(tree.calls_starting("networking apply").is_empty(), "not approved, not applied: {:?}", tree.calls());
    assert!(tree.calls_starting("core").is_empty(), "{:?}", tree.calls());

    std::fs::remove_file(tree.0.path().join("calls.log")).unwrap();
    let o = on_terminal("y\n");
    assert_eq!(code(&o), Some(0), "{}", both(&o));
    let saved = tree.calls_starting("networking plan")[0].split("-out=").nth(1).unwrap().to_string();
    // The human-readable plan shown right before the question is the file that is applied.
    let shown_then_applied: Vec<String> = tree.calls().into_iter().filter(|c| c.starts_with("networking show /") || c.starts_with("networking apply")).collect();
    assert_eq!(shown_then_applied, [format!("networking show {saved}"), format!("networking apply -input=false {saved}")]);
}
