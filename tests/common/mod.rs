//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod chart;
pub mod keys;
pub mod pg;

use std::path::PathBuf;
use std::process::{Command, Output};

use camino::{Utf8Path, Utf8PathBuf};
use supabase_aws_gen::validate::Date;
use supabase_aws_gen::{Checked, check_text, render, select};

/// Support calendars are evaluated at this date so snapshots do not age.
pub const TODAY: Date = Date::new(2026, 11, 26);

pub fn repo() -> Utf8PathBuf {
    Utf8PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(path: &Utf8Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"))
}

pub fn base_config() -> String {
    read(&repo().join("tests/fixtures/base.yaml"))
}

/// Loads config text that must be valid.
pub fn checked(text: &str) -> Checked {
    match check_text("service-tiers.yaml", text.to_string(), TODAY) {
        Ok(checked) => checked,
        Err(supabase_aws_gen::Error::Invalid(report)) => {
            panic!("config invalid:\n{}", report.render(false))
        }
        Err(e) => panic!("{e}"),
    }
}

/// Every file `generate --all` produces for config text.
pub fn generate_all(text: &str) -> supabase_aws_gen::emit::Files {
    let checked = checked(text);
    let envs = select(&checked.model, &[], true).unwrap();
    render(&checked.model, &envs, true).unwrap().0
}

/// Runs the CLI binary with a pinned date and no colour.
pub fn cli(dir: &Utf8Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_supabase-aws-gen"))
        .args(args)
        .current_dir(dir)
        .env("SUPABASE_AWS_GEN_TODAY", "2026-11-26")
        .env("NO_COLOR", "1")
        .output()
        .expect("run supabase-aws-gen")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh temporary directory, removed on drop.
pub struct TempDir(pub Utf8PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let base = std::env::temp_dir().join(format!(
            "sag-test-{}-{name}-{}",
            std::process::id(),
            unique()
        ));
        std::fs::create_dir_all(&base).unwrap();
        Self(Utf8PathBuf::from_path_buf(PathBuf::from(base)).unwrap())
    }

    pub fn path(&self) -> &Utf8Path {
        &self.0
    }

    pub fn write(&self, rel: &str, contents: &str) {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// Whether a tool is on PATH (probed with `--version`, which every tool we use answers without
/// side effects). In CI (`REQUIRE_TOOLS=1`) a missing tool fails the test.
pub fn tool(name: &str) -> bool {
    let found = Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        missing(name, "on PATH");
    }
    found
}

/// Reports a missing tool (`searched`: where it was looked for): a failure in CI
/// (`REQUIRE_TOOLS=1`), otherwise a loud skip.
pub fn missing(what: &str, searched: &str) {
    assert!(
        std::env::var_os("REQUIRE_TOOLS").is_none(),
        "{what} is required (REQUIRE_TOOLS is set) but not {searched}"
    );
    eprintln!("SKIPPED: {what} is not {searched}; CI runs this with REQUIRE_TOOLS=1");
}
