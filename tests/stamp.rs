//! The up-to-date stamp (generator/output/stamp.rs): a run answered from it prints exactly what
//! a full run prints, and every change the output depends on makes the next run a full one.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{TempDir, stderr, stdout};

/// Longer than the stamp's settle time (2 s): files written before it can be stamped.
const SETTLE: Duration = Duration::from_millis(2100);

/// The CLI as `common::cli` runs it, with stage timings on: a run answered from the stamp has
/// only the `stamp` stage.
fn run(dir: &camino::Utf8Path, args: &[&str], today: &str) -> (Output, bool) {
    let out = Command::new(env!("CARGO_BIN_EXE_supabase-aws-gen"))
        .args(args)
        .current_dir(dir)
        .env("SUPABASE_AWS_GEN_TODAY", today)
        .env("NO_COLOR", "1")
        .env("SUPABASE_AWS_GEN_TIMINGS", "1")
        .output()
        .expect("run supabase-aws-gen");
    let text = stderr(&out);
    let stamped = text.lines().any(|l| l.starts_with("stamp ")) && !text.lines().any(|l| l.starts_with("load "));
    (out, stamped)
}

fn cli(dir: &camino::Utf8Path, args: &[&str]) -> (Output, bool) {
    run(dir, args, "2026-11-26")
}

/// What a run printed, without the timings table.
fn said(out: &Output) -> (String, String, Option<i32>) {
    let err: String = stderr(out).lines().take_while(|l| !l.starts_with("stage ")).map(|l| format!("{l}\n")).collect();
    (stdout(out), err, out.status.code())
}

/// The base config with one environment's VPC in a public range: a warning on every run.
fn config() -> String {
    common::base_config().replace("10.1.", "11.1.")
}

/// Workspaces generated, settled and stamped (by a run that wrote nothing), one per name; with
/// the `stamp-linked` one's `virginia/other` environment in a region directory reached through a
/// symlink.
fn stamped(names: &[&str]) -> Vec<TempDir> {
    let dirs: Vec<TempDir> = names.iter().map(|name| TempDir::new(name)).collect();
    for (dir, name) in dirs.iter().zip(names) {
        dir.write("service-tiers.yaml", &config());
        if *name == "stamp-linked" {
            dir.write("linked/other.yaml", &other_environment());
            std::fs::create_dir(dir.path().join("environments")).unwrap();
            std::os::unix::fs::symlink("../linked", dir.path().join("environments/virginia")).unwrap();
        }
        let (first, _) = cli(dir.path(), &["generate", "--all"]);
        assert!(first.status.success(), "{}", stderr(&first));
    }
    std::thread::sleep(SETTLE);
    for dir in &dirs {
        let (out, stamped) = cli(dir.path(), &["generate", "--all"]);
        assert!(out.status.success() && !stamped, "the stamping run runs in full: {}", stderr(&out));
        assert!(dir.path().join(".supabase-aws-gen.stamp").is_file(), "a run that found the tree up to date leaves a stamp");
    }
    dirs
}

#[test]
fn an_unchanged_tree_is_answered_from_the_stamp_with_the_words_of_a_full_run() {
    let dirs = stamped(&["stamp-same"]);
    let dir = dirs[0].path();
    for args in [&["generate", "--all"][..], &["generate", "--all", "--check"]] {
        let (fast, stamped) = cli(dir, args);
        assert!(stamped, "{args:?} is answered from the stamp: {}", stderr(&fast));
        let full_args: Vec<&str> = args.iter().copied().chain(["--no-stamp"]).collect();
        let (full, again) = cli(dir, &full_args);
        assert!(!again, "--no-stamp compares every file");
        assert_eq!(said(&fast), said(&full), "{args:?}: the same output, warnings and exit code as a full run");
        assert!(said(&fast).1.contains("11.1.0.0/16 is not a private"), "the warnings are repeated: {}", said(&fast).1);
    }
    // Another date may bring other warnings (a version's end of support): a full run.
    let (_, stamped) = run(dir, &["generate", "--all", "--check"], "2026-11-27");
    assert!(!stamped, "a run on another day is not answered from the stamp");
    // Another selection of environments compares other files.
    let (_, stamped) = cli(dir, &["generate", "virginia/test"]);
    assert!(!stamped, "another command is not answered from the stamp");
}

/// `virginia/other`, an environment file of its own (as in `environments/virginia/other.yaml`).
fn other_environment() -> String {
    let demo = config().replace("    demo:", "    other:");
    let at = demo.find("    other:\n").unwrap();
    let body: String = demo[at..].lines().skip(1).map(|l| format!("{}\n", l.strip_prefix("      ").unwrap_or(l))).collect();
    body.replace("11.1.", "10.9.").replace("demo.example", "other.example")
}

#[test]
fn every_change_the_output_depends_on_makes_a_full_run() {
    let names = ["stamp-edit", "stamp-config", "stamp-orphan", "stamp-env-file", "stamp-removed", "stamp-linked"];
    let dirs = stamped(&names);
    let tfvars = "out/environments/virginia/test/core/terraform.tfvars";

    // A generated file edited in place, its size and modification time put back as they were:
    // only its change time tells (which no tool can set back).
    let path = dirs[0].path().join(tfvars);
    let (text, modified) = (common::read(&path), std::fs::metadata(&path).unwrap().modified().unwrap());
    let edited = text.replacen("virginia", "virginix", 1);
    assert_eq!(edited.len(), text.len());
    std::fs::write(&path, edited).unwrap();
    std::fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();

    // The config changed.
    dirs[1].write("service-tiers.yaml", &config().replace("test.example.com", "test2.example.com"));

    // A file of ours that this config no longer produces.
    let orphan = "out/environments/virginia/test/core/old.tf";
    let header = common::read(&dirs[2].path().join("out/environments/virginia/test/core/main.tf"));
    dirs[2].write(orphan, &header);

    // A new environment file beside the config (its directory did not exist).
    dirs[3].write("environments/virginia/other.yaml", &other_environment());

    // A generated file removed.
    std::fs::remove_file(dirs[4].path().join(tfvars)).unwrap();

    // An environment file changed in a region directory that is a symlink.
    dirs[5].write("linked/other.yaml", &other_environment().replace("other.example", "other2.example"));

    for (dir, (name, expect)) in dirs.iter().zip(names.iter().zip([
        format!("stale: {tfvars}"),
        format!("stale: {tfvars}"),
        format!("orphaned: {orphan}"),
        "missing: out/environments/virginia/other/core/terraform.tfvars".to_string(),
        format!("missing: {tfvars}"),
        "stale: out/environments/virginia/other/core/terraform.tfvars".to_string(),
    ])) {
        let (out, stamped) = cli(dir.path(), &["generate", "--all", "--check"]);
        assert!(!stamped, "{name}: the change is seen, the run is a full one");
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stdout(&out));
        assert!(stdout(&out).lines().any(|l| l == expect), "{name}: expected `{expect}` in\n{}", stdout(&out));
    }
}
