//! One fixture directory = one case = one snapshot holding every file it generates.

mod common;

use common::{generate_all, read, repo};

fn snapshot_case(name: &str) {
    let config = read(&repo().join(format!("tests/fixtures/valid/{name}/service-tiers.yaml")));
    let files = generate_all(&config);
    let mut all = String::new();
    for (path, contents) in &files {
        all.push_str(&format!("===== {path} =====\n{contents}"));
    }
    insta::assert_snapshot!(name, all);
}

#[test]
fn two_zones() {
    snapshot_case("two-zones");
}

#[test]
fn overrides() {
    snapshot_case("overrides");
}
