//! Edge Functions from `functions/<name>/` next to the config: packaged into each environment's
//! Helm values when the functions component is on, and refused with a clear error (exit 2,
//! nothing written) when a name, layout, encoding or size would not work in the cluster.

mod common;

use common::{TempDir, cli, stderr};

/// The base config with the functions component on in its tier.
fn workspace(name: &str) -> TempDir {
    let dir = TempDir::new(name);
    let base = common::base_config();
    let at = base.find("      components:\n").expect("the base tier has components");
    let config = format!("{}      components:\n        functions: {{ enabled: true }}\n{}", &base[..at], &base[at + "      components:\n".len()..]);
    dir.write("service-tiers.yaml", &config);
    dir
}

fn values(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path().join("out/environments/virginia/demo/applications/supabase.values.yaml")).unwrap()
}

#[test]
fn functions_are_packaged_into_the_values_and_follow_their_sources() {
    let ws = workspace("functions-ok");
    ws.write("functions/hello/index.ts", "Deno.serve(() => new Response('hi'));\n");
    ws.write("functions/_shared/cors.ts", "export const cors = {};\n");
    ws.write("functions/hello/.DS_Store", "ignored");
    let run = cli(ws.path(), &["generate", "--all"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = values(&ws);
    assert!(text.contains("hello/index.ts: |\n      Deno.serve(() => new Response('hi'));"), "{text}");
    assert!(text.contains("_shared/cors.ts: |"), "shared code is packaged too");
    assert!(!text.contains("DS_Store"), "hidden files are not packaged");

    // An edited function makes the committed output stale, and generate brings it up to date.
    ws.write("functions/hello/index.ts", "Deno.serve(() => new Response('changed'));\n");
    let check = cli(ws.path(), &["generate", "--all", "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let said = format!("{}{}", common::stdout(&check), stderr(&check));
    assert!(said.contains("applications/supabase.values.yaml"), "{said}");
    let again = cli(ws.path(), &["generate", "--all"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(values(&ws).contains("Response('changed')"));
}

#[test]
fn unusable_functions_are_refused_with_every_problem_and_nothing_is_written() {
    let ws = workspace("functions-bad");
    ws.write("functions/Hello/index.ts", "x\n");
    ws.write("functions/no-entry/main.ts", "x\n");
    ws.write("functions/nested/index.ts", "x\n");
    ws.write("functions/nested/lib/util.ts", "x\n");
    ws.write("functions/loose.ts", "x\n");
    std::fs::create_dir_all(ws.path().join("functions/binary")).unwrap();
    std::fs::write(ws.path().join("functions/binary/index.ts"), b"ok\xff\n").unwrap();
    let run = cli(ws.path(), &["generate", "--all"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    let err = stderr(&run);
    for expected in [
        "functions/Hello: `Hello` cannot be a function name",
        "functions/no-entry has no index.ts",
        "functions/nested/lib is a directory",
        "functions/loose.ts is not a directory",
        "functions/binary/index.ts: byte 2 is not UTF-8",
        "nothing was written",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    assert!(!ws.path().join("out").exists(), "something was written");
}

#[test]
fn functions_too_large_for_a_config_map_are_refused() {
    let ws = workspace("functions-large");
    ws.write("functions/big/index.ts", &"// padding\n".repeat(60_000));
    let run = cli(ws.path(), &["generate", "--all"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("exceed 512 KiB together"), "{}", stderr(&run));
}
