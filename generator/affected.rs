//! `affected --since <ref>`: which layer roots and modules a change touches, so a pipeline plans
//! only those.
//!
//! The generated files are the truth: the changed paths come from git (the ref against the
//! working tree, staged and unstaged, plus untracked files), and only paths of generated roots,
//! modules and the chart count, never the config itself. A changed module affects every root that
//! instantiates it, read from the plan (the module calls each root makes), not from the files.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Output};

use camino::{Utf8Path, Utf8PathBuf};

use crate::Error;
use crate::emit::CHART_DIR;
use crate::resolve::Model;

/// An environment's layers, in apply order: the applications (Helm) go in after core and before
/// monitoring, whose alarms watch the load balancer the applications create.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Networking,
    Core,
    Applications,
    Monitoring,
}

impl Layer {
    const ALL: [Self; 4] = [Self::Networking, Self::Core, Self::Applications, Self::Monitoring];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Networking => "networking",
            Self::Core => "core",
            Self::Applications => "applications",
            Self::Monitoring => "monitoring",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == name)
    }

    /// Whether `plan --layer` runs terraform for it (the applications layer is Helm values).
    pub fn is_terraform(self) -> bool {
        self != Self::Applications
    }
}

/// Something a change affects, ordered as it is applied: state bootstrap roots first, then the
/// environments' layers, then (for reference) the modules.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    /// A state bootstrap root, by its directory name under `out/bootstrap/`.
    Bootstrap(String),
    /// An environment (`<region>/<env>`) and one of its layers.
    Layer { env: String, layer: Layer },
    /// A module under `modules/`.
    Module(String),
}

impl Unit {
    fn dir(&self) -> String {
        match self {
            Self::Bootstrap(name) => format!("out/bootstrap/{name}"),
            Self::Layer { env, layer } => format!("out/environments/{env}/{}", layer.as_str()),
            Self::Module(name) => format!("modules/{name}"),
        }
    }
}

/// The affected units, in apply order, each with whether its files are gone from the working tree.
#[derive(Debug, Default)]
pub struct Affected {
    pub units: Vec<(Unit, bool)>,
    /// What the user should know (stale output, layers that cannot be planned); for stderr.
    pub notes: Vec<String>,
    /// One entry per plannable layer, for `--format json`.
    matrix: Vec<serde_json::Value>,
}

/// Compares the output tree `root` with `since` and lists what the difference affects.
///
/// # Errors
/// [`Error::Usage`] when `root` is not in a git work tree or git does not know `since` (git's own
/// message, with a fix); [`Error::Io`] when git cannot be run or the tree read.
pub fn affected(model: &Model, root: &Utf8Path, since: &str) -> Result<Affected, Error> {
    let changed = changed_files(root, since)?;
    let mut result = classify(model, root, &changed);
    if let Some(note) = stale_note(model, root)? {
        result.notes.insert(0, note);
    }
    Ok(result)
}

/// Paths (relative to `root`) that differ between `since` and the working tree: committed since,
/// staged, unstaged, and untracked (not ignored) files.
///
/// # Errors
/// As [`affected`].
pub fn changed_files(root: &Utf8Path, since: &str) -> Result<Vec<Utf8PathBuf>, Error> {
    if !root.is_dir() {
        return Err(Error::Usage {
            message: format!("the output tree `{root}` does not exist"),
            help: "run `affected` in the repository that holds the generated files, or pass --out (or --config) pointing there".into(),
        });
    }
    let inside = git(root, &["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return Err(Error::Usage {
            message: format!("`{root}` is not inside a git work tree ({})", first_line(&inside.stderr, "git rev-parse failed")),
            help: "`affected` compares the generated files with a git revision: run it in a clone of the repository that holds them (or pass --out pointing into one)".into(),
        });
    }
    if since.is_empty() || since.starts_with('-') {
        return Err(Error::Usage {
            message: format!("`--since {since}` is not a git revision"),
            help: "name a commit, branch or tag, e.g. `--since origin/main` or `--since HEAD~1`".into(),
        });
    }
    let diff = git(root, &["-c", "core.quotePath=false", "diff", "--name-only", "--no-renames", "--no-ext-diff", "-z", "--relative", since, "--"])?;
    if !diff.status.success() {
        return Err(Error::Usage {
            message: format!("git cannot compare with `{since}`: {}", first_line(&diff.stderr, "git diff failed")),
            help: "name a commit, branch or tag this clone has (`git branch -a`, `git log --oneline -5`); in CI, fetch the base branch's history first (actions/checkout with `fetch-depth: 0`)".into(),
        });
    }
    let untracked = git(root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    if !untracked.status.success() {
        return Err(Error::Bug(format!("git ls-files failed: {}", first_line(&untracked.stderr, "no message"))));
    }
    let mut paths: BTreeSet<Utf8PathBuf> = BTreeSet::new();
    for out in [&diff.stdout, &untracked.stdout] {
        paths.extend(out.split(|b| *b == 0).filter(|p| !p.is_empty()).map(|p| Utf8PathBuf::from(String::from_utf8_lossy(p).into_owned())));
    }
    Ok(paths.into_iter().collect())
}

fn git(root: &Utf8Path, args: &[&str]) -> Result<Output, Error> {
    Command::new("git")
        .args(args)
        .current_dir(root)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .output()
        .map_err(|source| Error::Io { action: "run git (is it installed?) in", path: root.to_owned(), source })
}

fn first_line(stderr: &[u8], fallback: &str) -> String {
    let text = String::from_utf8_lossy(stderr);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or(fallback);
    line.strip_prefix("fatal: ").unwrap_or(line).to_string()
}

/// What changed paths affect: a layer for each changed file of a root, a module and every root
/// calling it for each changed file of a module, every applications layer for a change to the chart.
pub fn classify(model: &Model, root: &Utf8Path, changed: &[Utf8PathBuf]) -> Affected {
    let plan = crate::plan::plan(model.environments.iter().map(|r| &r.env), &model.pricing);
    // Which roots instantiate each module, from the plan's module calls.
    let mut users: BTreeMap<&str, Vec<Unit>> = BTreeMap::new();
    for r in &plan.roots {
        if let Some(unit) = unit_of(&Utf8Path::new(&r.dir).join("main.tf")) {
            for call in &r.calls {
                users.entry(call.module).or_default().push(unit.clone());
            }
        }
    }
    let env_ids: Vec<String> = model.environments.iter().map(|r| r.env.id.to_string()).collect();
    let mut units: BTreeSet<Unit> = BTreeSet::new();
    for path in changed {
        if path.starts_with(CHART_DIR) {
            units.extend(env_ids.iter().map(|env| Unit::Layer { env: env.clone(), layer: Layer::Applications }));
            continue;
        }
        let Some(unit) = unit_of(path) else { continue };
        if let Unit::Module(name) = &unit {
            units.extend(users.get(name.as_str()).into_iter().flatten().cloned());
        }
        units.insert(unit);
    }

    let position = |env: &str| env_ids.iter().position(|e| e == env).unwrap_or(usize::MAX);
    let mut ordered: Vec<Unit> = units.into_iter().collect();
    ordered.sort_by(|a, b| match (a, b) {
        (Unit::Layer { env: ea, layer: la }, Unit::Layer { env: eb, layer: lb }) => (position(ea), ea, la).cmp(&(position(eb), eb, lb)),
        _ => a.cmp(b),
    });

    let mut affected = Affected::default();
    for unit in ordered {
        let removed = !holds_files(&root.join(unit.dir()));
        if let (Unit::Layer { env, layer }, false) = (&unit, removed) {
            match model.environments.iter().find(|r| r.env.id.to_string() == *env) {
                Some(_) if !layer.is_terraform() => {}
                Some(r) => affected.matrix.push(serde_json::json!({
                    "environment": env,
                    "layer": layer.as_str(),
                    "account": r.env.identity.account_id,
                    "region": r.env.identity.aws_region,
                })),
                None => affected.notes.push(format!(
                    "{env} {} has generated files but is not in the config: it is left out of the plan matrix (remove it with `generate --all`, or add the environment back)",
                    layer.as_str()
                )),
            }
        }
        affected.units.push((unit, removed));
    }
    affected
}

/// The unit a path belongs to, if it is part of a generated root or module.
fn unit_of(path: &Utf8Path) -> Option<Unit> {
    let parts: Vec<&str> = path.components().map(|c| c.as_str()).collect();
    match parts.as_slice() {
        ["modules", name, _, ..] => Some(Unit::Module((*name).to_string())),
        ["out", "bootstrap", name, _, ..] => Some(Unit::Bootstrap((*name).to_string())),
        ["out", "environments", region, env, layer, _, ..] => Layer::parse(layer).map(|layer| Unit::Layer { env: format!("{region}/{env}"), layer }),
        // An environment's README, cost estimate and diagram are documents, not a root.
        _ => None,
    }
}

/// Whether a directory holds a file of its own (`.terraform/` and other hidden entries do not
/// count: a removed root's directory may still have terraform's cache).
fn holds_files(dir: &Utf8Path) -> bool {
    dir.read_dir_utf8()
        .map(|entries| entries.flatten().any(|e| !e.file_name().starts_with('.') && e.file_type().is_ok_and(|t| t.is_file())))
        .unwrap_or(false)
}

/// A note when the output tree is not what the config generates: `affected` then reports what
/// the committed files say, which is not what the config says.
fn stale_note(model: &Model, root: &Utf8Path) -> Result<Option<String>, Error> {
    let envs: Vec<_> = model.environments.iter().collect();
    let (files, scope) = crate::render(model, &envs, true)?;
    let report = crate::output::check(root, &files, &scope)?;
    if report.is_clean() {
        return Ok(None);
    }
    let count = report.stale.len() + report.missing.len() + report.orphaned.len() + report.foreign.len();
    Ok(Some(format!(
        "the generated files are not current with the config ({}): this lists what the files on disk change, not what the config would; run `supabase-aws-gen generate --all --check` to see the differences",
        if count == 1 { "1 file differs".to_string() } else { format!("{count} files differ") }
    )))
}

impl Affected {
    /// One line per unit: `<region>/<env> <layer>`, `out/bootstrap/<dir>` or `modules/<name>`,
    /// followed by ` removed` when its files are gone.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for (unit, removed) in &self.units {
            let name = match unit {
                Unit::Layer { env, layer } => format!("{env} {}", layer.as_str()),
                other => other.dir(),
            };
            text.push_str(&name);
            if *removed {
                text.push_str(" removed");
            }
            text.push('\n');
        }
        text
    }

    /// A GitHub Actions matrix, `{"include":[{"environment","layer","account","region"},...]}`, of
    /// the affected Terraform layers that exist (one line; `include` is empty when none).
    pub fn json(&self) -> String {
        let mut text = serde_json::json!({ "include": self.matrix }).to_string();
        text.push('\n');
        text
    }
}
