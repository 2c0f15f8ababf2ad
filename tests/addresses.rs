//! Changes that can never silently destroy data: an address the committed output declares and
//! the new output lacks is refused, unless a rename (a `moved` block) or an explicit allowance
//! covers it; resources holding data cannot be allowed at all.

mod common;

use common::{TempDir, cli, stderr, stdout};
use supabase_aws_gen::plan::moves::{self, Address, Move, Within};
use supabase_aws_gen::timings::Timings;
use supabase_aws_gen::{Error, Rendered, output, render_with, safety, select};

const ALARMS: &str = "modules/alarms/main.tf";
const CPU: &str = r#"resource "aws_cloudwatch_metric_alarm" "db_cpu" {"#;

/// The base config's output with `moves` as the rename table.
fn rendered(moves: Vec<Move>) -> Rendered {
    let checked = common::checked(&common::base_config());
    let envs = select(&checked.model, &[], true).unwrap();
    render_with(&checked.model, &envs, true, moves, &[], &mut Timings::default()).unwrap()
}

/// A workspace holding the base config and its generated ("committed") output.
fn committed(name: &str) -> TempDir {
    let ws = TempDir::new(name);
    ws.write("service-tiers.yaml", &common::base_config());
    let out = cli(ws.path(), &["generate", "--all"]);
    assert!(out.status.success(), "{}", stderr(&out));
    ws
}

/// Edits a committed file in place.
fn edit(ws: &TempDir, rel: &str, edit: impl FnOnce(String) -> String) -> String {
    let path = ws.path().join(rel);
    let text = edit(std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &text).unwrap();
    text
}

fn read(ws: &TempDir, rel: &str) -> String {
    std::fs::read_to_string(ws.path().join(rel)).unwrap()
}

#[test]
fn a_rename_in_the_table_emits_a_moved_block_and_is_not_refused() {
    // The committed output still calls the alarm by its old name, `rds_cpu`.
    let ws = TempDir::new("rename");
    let before = rendered(moves::table());
    output::write(ws.path(), &before.files, &before.scope).unwrap();
    edit(&ws, ALARMS, |t| t.replace(CPU, r#"resource "aws_cloudwatch_metric_alarm" "rds_cpu" {"#));

    // Without the rename, the old address would be destroyed: refused, located.
    let err = safety::guard(ws.path(), &before.scope, &output::Produced::unsettled(before.files.clone()), &before.emitted, &[]).unwrap_err();
    let Error::Unsafe(refusal) = &err else { panic!("{err}") };
    let line = read(&ws, ALARMS).lines().position(|l| l.contains("\"rds_cpu\"")).unwrap() + 1;
    assert!(
        err.to_string().contains(&format!("{ALARMS}:{line}: `aws_cloudwatch_metric_alarm.rds_cpu` is declared there but no longer generated")),
        "{err}"
    );
    assert_eq!(refusal.problems.len(), 1, "{err}");

    // With the rename in the table: a `moved` block in the module, and nothing refused.
    let rename = Move {
        within: Within::Module("alarms"),
        from: Address::resource("aws_cloudwatch_metric_alarm", "rds_cpu"),
        to: Address::resource("aws_cloudwatch_metric_alarm", "db_cpu"),
        date: "2026-12-05",
        reason: "alarm names follow the metric's subject",
    };
    let after = rendered(vec![rename]);
    safety::guard(ws.path(), &after.scope, &output::Produced::unsettled(after.files.clone()), &after.emitted, &[]).unwrap();
    let moved = &after.files["modules/alarms/moved.tf"];
    assert!(
        moved.ends_with(
            "moved {\n  # 2026-12-05: alarm names follow the metric's subject\n  from = aws_cloudwatch_metric_alarm.rds_cpu\n  to   = aws_cloudwatch_metric_alarm.db_cpu\n}\n"
        ),
        "{moved}"
    );
    assert_eq!(after.files.keys().filter(|p| p.as_str().ends_with("/moved.tf")).count(), 1, "only the module that was renamed gets one");
}

#[test]
fn a_rename_table_entry_naming_nothing_generated_is_a_generator_bug() {
    let checked = common::checked(&common::base_config());
    let envs = select(&checked.model, &[], true).unwrap();
    let wrong = Move {
        within: Within::Module("alarms"),
        from: Address::resource("aws_cloudwatch_metric_alarm", "db_cpu"),
        to: Address::resource("aws_cloudwatch_metric_alarm", "cpu"),
        date: "2026-12-05",
        reason: "typo in the table",
    };
    let err = render_with(&checked.model, &envs, true, vec![wrong], &[], &mut Timings::default()).unwrap_err();
    assert!(matches!(err, Error::Bug(_)), "{err}");
    assert!(err.to_string().contains("modules/alarms declares no aws_cloudwatch_metric_alarm.cpu"), "{err}");
}

#[test]
fn a_removal_is_refused_with_its_location_and_nothing_is_written() {
    let ws = committed("removal");
    let legacy = "resource \"aws_cloudwatch_metric_alarm\" \"legacy\" {\n  alarm_name = \"legacy\"\n}\n";
    // Right after the header, so the line the refusal names does not move as the module grows.
    let alarms = edit(&ws, ALARMS, |t| t.replacen("\n\n", &format!("\n\n{legacy}\n"), 1));
    let tfvars = "out/environments/virginia/test/networking/terraform.tfvars";
    let stale = edit(&ws, tfvars, |t| t.replace("10.0.0.0/16", "10.9.0.0/16"));

    let refused = cli(ws.path(), &["generate", "--all"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    insta::assert_snapshot!("removal_refused", stderr(&refused));
    assert_eq!(read(&ws, ALARMS), alarms, "nothing written");
    assert_eq!(read(&ws, tfvars), stale, "nothing written, not even unrelated files");

    // --check reports the same refusal.
    let check = cli(ws.path(), &["generate", "--all", "--check"]);
    assert_eq!(check.status.code(), Some(2));
    assert_eq!(stderr(&check), stderr(&refused));

    // Allowed by name: written, the resource gone.
    let allowed = cli(ws.path(), &["generate", "--all", "--allow-removal", "modules/alarms:aws_cloudwatch_metric_alarm.legacy"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert!(!read(&ws, ALARMS).contains("legacy"));
    assert!(stdout(&allowed).contains(&format!("updated  {ALARMS}")), "{}", stdout(&allowed));

    // An allowance that allows nothing is a usage error (a typo must not pass silently).
    let unused = cli(ws.path(), &["generate", "--all", "--allow-removal", "modules/alarms:aws_cloudwatch_metric_alarm.legacy"]);
    assert_eq!(unused.status.code(), Some(2));
    assert!(stderr(&unused).contains("allows nothing"), "{}", stderr(&unused));
}

#[test]
fn a_stateful_removal_cannot_be_allowed_with_the_flag() {
    let ws = committed("stateful");
    let storage = edit(&ws, "modules/storage/main.tf", |t| t + "\nresource \"aws_s3_bucket\" \"exports\" {\n  bucket = \"exports\"\n}\n");
    // A module call relabelled by hand: the old label's module holds the database.
    let core = "out/environments/virginia/test/core/main.tf";
    let root = edit(&ws, core, |t| t.replace("module \"rds\" {", "module \"database\" {"));

    let refused = cli(
        ws.path(),
        &["generate", "--all", "--allow-removal", "modules/storage:aws_s3_bucket.exports", "--allow-removal", "out/environments/virginia/test/core:module.database"],
    );
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("modules/storage/main.tf:"), "{err}");
    assert!(err.contains("`aws_s3_bucket.exports` is declared there but no longer generated, and it holds data (aws_s3_bucket): `--allow-removal` cannot remove it"), "{err}");
    assert!(err.contains("`module.database` is declared there but no longer generated, and it holds data (aws_db_instance in modules/rds"), "{err}");
    assert_eq!(read(&ws, "modules/storage/main.tf"), storage, "nothing written");
    assert_eq!(read(&ws, core), root, "nothing written");
}

#[test]
fn an_environment_removed_from_the_config_is_refused_unless_allowed() {
    let ws = committed("environment");
    let config = common::base_config();
    let without_demo = &config[..config.find("\n    demo:").expect("the base config has virginia/demo") + 1];
    ws.write("service-tiers.yaml", without_demo);

    let refused = cli(ws.path(), &["generate", "--all"]);
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(err.contains("out/environments/virginia/demo: environment `virginia/demo` is no longer in the config; deleting its roots (core, monitoring, networking)"), "{err}");
    assert!(err.contains("pass `--allow-removal virginia/demo`"), "{err}");
    assert!(ws.path().join("out/environments/virginia/demo/core/main.tf").is_file(), "nothing removed");

    let allowed = cli(ws.path(), &["generate", "--all", "--allow-removal", "virginia/demo"]);
    assert!(allowed.status.success(), "{}", stderr(&allowed));
    assert!(!ws.path().join("out/environments/virginia/demo").exists());
}

#[test]
fn test_rename_renames_the_resource_and_emits_its_moved_block() {
    let ws = committed("test-rename");
    let out = cli(ws.path(), &["generate", "--all", "--test-rename", "modules/alarms:aws_cloudwatch_metric_alarm.db_cpu=aws_cloudwatch_metric_alarm.rds_cpu"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(&ws, ALARMS).contains(r#"resource "aws_cloudwatch_metric_alarm" "rds_cpu" {"#));
    assert!(read(&ws, "modules/alarms/moved.tf").contains("  from = aws_cloudwatch_metric_alarm.db_cpu\n  to   = aws_cloudwatch_metric_alarm.rds_cpu\n"));
}

#[test]
fn a_module_call_renamed_in_a_layer_gets_a_moved_block_in_every_root_of_the_layer() {
    // The committed core roots still call the database module `database`.
    let ws = TempDir::new("layer-rename");
    let before = rendered(moves::table());
    output::write(ws.path(), &before.files, &before.scope).unwrap();
    let cores = ["out/environments/virginia/test/core/main.tf", "out/environments/virginia/demo/core/main.tf"];
    for core in cores {
        edit(&ws, core, |t| t.replace("module \"rds\" {", "module \"database\" {"));
    }
    let err = safety::guard(ws.path(), &before.scope, &output::Produced::unsettled(before.files.clone()), &before.emitted, &[]).unwrap_err();
    assert!(err.to_string().contains("`module.database` is declared there but no longer generated, and it holds data"), "{err}");

    let rename = Move {
        within: Within::Layer(supabase_aws_gen::plan::naming::Layer::Core),
        from: Address::module("database"),
        to: Address::module("rds"),
        date: "2026-12-05",
        reason: "module calls are named after their module",
    };
    let after = rendered(vec![rename]);
    safety::guard(ws.path(), &after.scope, &output::Produced::unsettled(after.files.clone()), &after.emitted, &[]).unwrap();
    for core in cores {
        let moved = &after.files[core.replace("main.tf", "moved.tf").as_str()];
        assert!(moved.contains("  from = module.database\n  to   = module.rds\n"), "{moved}");
    }
}
