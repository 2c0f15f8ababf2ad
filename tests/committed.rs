//! The committed output must be what the generator produces now: plain `cargo test` catches
//! drift, not only CI's `generate --all --check`.

mod common;

use supabase_aws_gen::{output, render, select};

#[test]
fn committed_output_is_current() {
    let repo = common::repo();
    let config = common::read(&repo.join("service-tiers.yaml"));
    let checked = common::checked(&config);
    let envs = select(&checked.model, &[], true).unwrap();
    let (files, scope) = render(&checked.model, &envs, true).unwrap();
    let report = output::check(&repo, &files, &scope).unwrap();
    assert!(report.is_clean(), "committed output is stale; run `cargo run -- generate --all`:\n{report}");
}

#[test]
fn the_repository_config_has_no_warnings() {
    let config = common::read(&common::repo().join("service-tiers.yaml"));
    let checked = common::checked(&config);
    assert!(checked.warnings.items.is_empty(), "{}", checked.warnings.render(false));
}
