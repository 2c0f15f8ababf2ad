//! The committed output must be what the generator produces now: plain `cargo test` catches
//! drift, not only CI's `generate --all --check`.

mod common;

use supabase_aws_gen::{check_config, output, render, select, timings::Timings};

#[test]
fn committed_output_is_current() {
    let repo = common::repo();
    // From the file, as `generate` reads it: with functions/ (and environments/) beside it.
    let checked = check_config(&repo.join("service-tiers.yaml"), common::TODAY, &mut Timings::default()).expect("the repository config is valid");
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
