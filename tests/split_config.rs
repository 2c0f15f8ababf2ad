//! A config split into `service-tiers.yaml` plus `environments/<region>/<env>.yaml` files:
//! the same output as one file, diagnostics and `explain` naming the file and line (issue 15).

mod common;

use common::{TempDir, cli, stderr, stdout};

/// The base config with `virginia/demo` moved into its own file, text unchanged (dedented).
fn split_workspace(name: &str) -> TempDir {
    let base = common::base_config();
    let at = base.find("    demo:\n").expect("the base config has virginia/demo");
    let demo: String = base[at..].lines().skip(1).map(|l| format!("{}\n", l.strip_prefix("      ").unwrap_or(l))).collect();
    let dir = TempDir::new(name);
    dir.write("service-tiers.yaml", &base[..at]);
    dir.write("environments/virginia/demo.yaml", &demo);
    dir
}

fn tree(dir: &camino::Utf8Path) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    for sub in ["out", "modules"] {
        let mut stack = vec![dir.join(sub)];
        while let Some(d) = stack.pop() {
            for entry in d.read_dir_utf8().unwrap() {
                let path = entry.unwrap().path().to_owned();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    files.insert(path.strip_prefix(dir).unwrap().to_string(), std::fs::read_to_string(&path).unwrap());
                }
            }
        }
    }
    files
}

#[test]
fn a_split_config_generates_exactly_what_one_file_does() {
    let one = TempDir::new("split-one");
    one.write("service-tiers.yaml", &common::base_config());
    let split = split_workspace("split-many");
    for ws in [&one, &split] {
        let run = cli(ws.path(), &["generate", "--all"]);
        assert!(run.status.success(), "{}", stderr(&run));
    }
    let (a, b) = (tree(one.path()), tree(split.path()));
    assert!(b.keys().any(|k| k.starts_with("out/environments/virginia/demo/")), "the file's environment is generated");
    assert_eq!(a, b, "splitting the config changes nothing in the output");
    let list = cli(split.path(), &["list"]);
    assert!(stdout(&list).contains("virginia/demo") || stdout(&list).contains("demo"), "{}", stdout(&list));
}

#[test]
fn an_error_in_an_environment_file_names_that_file_and_line_and_writes_nothing() {
    let ws = split_workspace("split-error");
    let path = ws.path().join("environments/virginia/demo.yaml");
    let text = std::fs::read_to_string(&path).unwrap().replace("cidr: 10.1.0.0/16", "cidr: 10.1.0.0/33");
    std::fs::write(&path, text).unwrap();
    let run = cli(ws.path(), &["generate", "--all"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("environments/virginia/demo.yaml:8:3: environments.virginia.demo.vpc.cidr"), "{err}");
    assert!(err.contains("error in environments/virginia/demo.yaml; nothing was written"), "{err}");
    assert!(!ws.path().join("out").exists(), "nothing written");
}

#[test]
fn explain_points_into_the_environment_file() {
    let ws = split_workspace("split-explain");
    let run = cli(ws.path(), &["explain", "virginia/demo", "vpc.cidr"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(stdout(&run).contains("(environments/virginia/demo.yaml:8:3)"), "{}", stdout(&run));
    let tier = cli(ws.path(), &["explain", "virginia/test", "vpc.cidr"]);
    assert!(stdout(&tier).contains("(service-tiers.yaml:"), "{}", stdout(&tier));
}

#[test]
fn an_environment_defined_twice_is_refused_with_both_places() {
    let ws = split_workspace("split-twice");
    ws.write("environments/virginia/test.yaml", "tier: dev\n");
    let run = cli(ws.path(), &["validate"]);
    assert_eq!(run.status.code(), Some(2));
    let err = stderr(&run);
    assert!(err.contains("environments/virginia/test.yaml:1:1: environments.virginia.test: environment `virginia/test`"), "{err}");
    assert!(err.contains("is defined twice: in service-tiers.yaml (line 41) and in environments/virginia/test.yaml"), "{err}");
    assert!(err.contains("keep one: delete `test:` under `environments.virginia` in service-tiers.yaml"), "{err}");
}

#[test]
fn environment_files_are_checked_one_by_one() {
    let ws = split_workspace("split-bad-files");
    // A .yml is surely meant as an environment; a README is not one.
    ws.write("environments/virginia/qa.yml", "tier: dev\n");
    ws.write("environments/README.md", "# environments\n");
    ws.write("environments/virginia/notes.txt", "not yaml: [\n");
    // An unknown region, a YAML error and an oversized file: all reported in one run.
    ws.write("environments/atlantis/x.yaml", "tier: dev\n");
    ws.write("environments/virginia/broken.yaml", "tier: dev\n  vpc: [\n");
    ws.write("environments/virginia/huge.yaml", &"# padding\n".repeat(110_000));
    let run = cli(ws.path(), &["generate", "--all"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    assert!(err.contains("environments/virginia/qa.yml: environment files end in `.yaml`"), "{err}");
    assert!(err.contains("rename it to environments/virginia/qa.yaml"), "{err}");
    assert!(err.contains("environments/virginia/broken.yaml:"), "{err}");
    assert!(err.contains("environments/virginia/huge.yaml is 1100000 bytes; the limit is 1 MiB"), "{err}");
    assert!(!err.contains("notes.txt") && !err.contains("README"), "{err}");
    assert!(!ws.path().join("out").exists(), "nothing written");
    std::fs::remove_file(ws.path().join("environments/virginia/qa.yml")).unwrap();
    std::fs::remove_file(ws.path().join("environments/virginia/broken.yaml")).unwrap();
    std::fs::remove_file(ws.path().join("environments/virginia/huge.yaml")).unwrap();
    let run = cli(ws.path(), &["validate"]);
    assert!(stderr(&run).contains("environments/atlantis/x.yaml:1:1: environments.atlantis: environments are listed under unknown"), "{}", stderr(&run));
}
