//! supabase-aws-gen: one `service-tiers.yaml` in, reviewable Terraform (and later Helm values)
//! out, for running Supabase on AWS.
//!
//! The pipeline, one folder per stage:
//! `load` (YAML -> values + positions) -> `resolve` (defaults -> tier -> region -> environment,
//! typed, with provenance) -> `validate` (every problem at once) -> `plan` (Terraform IR) ->
//! `emit` (IR -> file contents, no I/O) -> `output` (write, or check against disk).
//! This library does not parse command lines; `main.rs` does, and calls the functions below.

pub mod affected;
pub mod cost;
pub mod diagnostics;
pub mod emit;
pub mod load;
pub mod orchestrate;
pub mod output;
pub mod plan;
pub mod report;
pub mod resolve;
pub mod safety;
pub mod terraform;
pub mod timings;
pub mod validate;

use camino::{Utf8Path, Utf8PathBuf};

use diagnostics::{Diagnostic, Report, suggestion};
use emit::Files;
use output::Scope;
use resolve::model::Environment;
use resolve::{Model, Resolved};
use timings::Timings;
use validate::Date;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config is wrong: the report lists every problem with its position.
    #[error("{} in {}; nothing was written", plural(.0.errors(), "error"), .0.files())]
    Invalid(Report),
    /// The command line names something that does not exist.
    #[error("{message}")]
    Usage { message: String, help: String },
    #[error("cannot {action} {path}: {source}")]
    Io { action: &'static str, path: Utf8PathBuf, source: std::io::Error },
    /// Generated paths are occupied by files the generator did not write.
    #[error("refusing to overwrite {} not written by the generator: {}", plural(.0.len(), "file"), list(.0))]
    Refused(Vec<Utf8PathBuf>),
    /// The new output lacks addresses the committed output declares (a destroy at the next
    /// apply): the message lists each with its file, line and what to do.
    #[error("{0}")]
    Unsafe(safety::Refusal),
    /// A defect in the generator itself, never in the user's input.
    #[error("generator bug (please report it): {0}")]
    Bug(String),
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn list(paths: &[Utf8PathBuf]) -> String {
    paths.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
}

/// A validated config and its warnings.
#[derive(Debug)]
pub struct Checked {
    pub model: Model,
    pub warnings: Report,
}

/// Loads, resolves and validates the config file, recording stage timings.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Invalid`] listing every problem.
pub fn check_config(path: &Utf8Path, today: Date, timings: &mut Timings) -> Result<Checked, Error> {
    let loaded = timings.stage("load", || load::load_file(path))?;
    check_loaded(loaded, today, timings)
}

/// As [`check_config`], for config text already in memory (`name` labels diagnostics).
///
/// # Errors
/// [`Error::Invalid`] listing every problem.
pub fn check_text(name: &str, text: String, today: Date) -> Result<Checked, Error> {
    check_loaded(load::parse(name, text)?, today, &mut Timings::default())
}

fn check_loaded(loaded: load::Loaded, today: Date, timings: &mut Timings) -> Result<Checked, Error> {
    // Semantic checks run on whatever decoded, so a bad CIDR is reported with the type errors.
    let (model, mut diagnostics): (_, Vec<Diagnostic>) = match timings.stage("resolve", || resolve::resolve_partial(loaded)) {
        Ok(resolved) => resolved,
        Err((loaded, problems)) => return Err(Error::Invalid(Report::of(loaded.sources, problems))),
    };
    diagnostics.extend(timings.stage("validate", || validate::validate(&model, today)));
    let report = Report::of(model.loaded.sources.clone(), diagnostics);
    if report.errors() > 0 {
        return Err(Error::Invalid(report));
    }
    Ok(Checked { model, warnings: report })
}

/// The environments named on the command line (`region/env`), or all of them.
///
/// # Errors
/// [`Error::Usage`] for a name that does not exist, with the closest match.
pub fn select<'a>(model: &'a Model, targets: &[String], all: bool) -> Result<Vec<&'a Resolved>, Error> {
    if all {
        return Ok(model.environments.iter().collect());
    }
    if targets.is_empty() {
        return Err(Error::Usage {
            message: "no environment given".into(),
            help: format!("name one or more, e.g. `generate {}`, or pass --all", first_id(model)),
        });
    }
    let ids: Vec<String> = model.environments.iter().map(|r| r.env.id.to_string()).collect();
    targets
        .iter()
        .map(|target| {
            model.environments.iter().find(|r| r.env.id.to_string() == *target).ok_or_else(|| Error::Usage {
                message: format!("unknown environment `{target}`"),
                help: format!("{}environments are: {}", suggestion(target, ids.iter().map(String::as_str)), ids.join(", ")),
            })
        })
        .collect()
}

fn first_id(model: &Model) -> String {
    model.environments.first().map_or_else(|| "ireland/development".into(), |r| r.env.id.to_string())
}

/// What a set of environments generates, and the directories it owns.
///
/// # Errors
/// [`Error::Bug`] when the generator produces inconsistent output.
pub fn render(model: &Model, envs: &[&Resolved], all: bool) -> Result<(Files, Scope), Error> {
    render_timed(model, envs, all, &mut Timings::default())
}

/// As [`render`], recording stage timings.
///
/// # Errors
/// As [`render`].
pub fn render_timed(model: &Model, envs: &[&Resolved], all: bool, timings: &mut Timings) -> Result<(Files, Scope), Error> {
    render_with(model, envs, all, plan::moves::table(), &[], timings).map(|r| (r.files, r.scope))
}

/// What [`render_with`] produces: the files, the directories the run owns, and the Terraform
/// addresses the files declare (for [`safety::guard`]).
#[derive(Debug)]
pub struct Rendered {
    pub files: Files,
    pub scope: Scope,
    pub emitted: safety::Emitted,
}

/// As [`render_timed`], with the rename table given (tests inject renames) and resources renamed
/// for tests only (`generate --test-rename`: module, from, to).
///
/// # Errors
/// As [`render`]; [`Error::Usage`] for a test rename that names nothing generated.
pub fn render_with(
    model: &Model,
    envs: &[&Resolved],
    all: bool,
    mut moves: Vec<plan::moves::Move>,
    test_renames: &[(String, plan::moves::Address, plan::moves::Address)],
    timings: &mut Timings,
) -> Result<Rendered, Error> {
    let environments: Vec<&Environment> = envs.iter().map(|r| &r.env).collect();
    let plan = plan_with(model, &environments, &mut moves, test_renames, timings)?;
    let emitted = safety::Emitted::of(&plan, &moves);
    let mut files = timings.stage("emit", || emit::emit(&plan))?;
    if all {
        files.extend(workflow(model, envs)?);
    }
    Ok(Rendered { files, scope: scope(all, &plan, &environments, Vec::new()), emitted })
}

/// Environments planned, rendered and compared at a time by [`render_settled`]: large enough
/// that the per-chunk fixed cost (shared modules are skipped, roots are not) stays small, small
/// enough that a chunk's plan and files are a few MiB.
const CHUNK: usize = 64;

/// What [`render_settled`] produces: the output compared with the tree, the directories the run
/// owns, and the Terraform addresses the output declares (for [`safety::guard`]).
#[derive(Debug)]
pub struct Settled {
    pub produced: output::Produced,
    pub scope: Scope,
    pub emitted: safety::Emitted,
}

/// `generate`'s pipeline: as [`render_with`], but a chunk of environments at a time, each
/// compared with the tree `produced` is for as soon as it is rendered, so that only the files
/// that differ are kept, or staged ([`output::Produced::writing`]). Memory follows the chunk, not
/// the number of environments. The caller holds the tree's lock; `shared` (started before the
/// config was read) renders what every environment shares.
///
/// # Errors
/// As [`render_with`].
pub fn render_settled(
    model: &Model,
    envs: &[&Resolved],
    all: bool,
    test_renames: &[(String, plan::moves::Address, plan::moves::Address)],
    mut produced: output::Produced,
    shared: emit::Shared,
    timings: &mut Timings,
) -> Result<Settled, Error> {
    let mut moves = plan::moves::table();
    // A test rename is added to the move table once, from one plan of every environment.
    let chunk = if test_renames.is_empty() { CHUNK } else { envs.len().max(1) };
    let chunks = chunks(envs, chunk);
    let mut emitted = safety::Emitted::default();
    let mut owned = Scope::default();
    let mut modules_done: Vec<(&'static str, Vec<terraform::Variable>)> = Vec::new();
    for part in &chunks {
        let environments: Vec<&Environment> = part.iter().map(|r| &r.env).collect();
        let mut plan = plan_with(model, &environments, &mut moves, test_renames, timings)?;
        emitted.merge(safety::Emitted::of(&plan, &moves));
        owned = scope(all, &plan, &environments, owned.dirs);
        // A module an earlier chunk rendered with the same variables is the same module; one
        // that differs is rendered again, and `settle` reports the clash.
        plan.modules.retain(|m| !modules_done.iter().any(|(name, vars)| *name == m.name && *vars == m.variables));
        modules_done.extend(plan.modules.iter().map(|m| (m.name, m.variables.clone())));
        let files = timings.stage("emit", || emit::emit_parts(&plan))?;
        drop(plan);
        timings.stage("compare", || produced.settle(files))?;
    }
    let shared = timings.stage("emit", || shared.files())?;
    if !envs.is_empty() {
        timings.stage("compare", || produced.settle(shared))?;
    }
    if all {
        produced.settle(workflow(model, envs)?)?;
    }
    Ok(Settled { produced, scope: owned, emitted })
}

/// What a `generate` of `config` into `root` that found the tree up to date depended on, for
/// its stamp ([`output::stamp`]): the config file, the directories read beside it, and every
/// directory of the output it compared or swept. `None` for a config that is not a regular file
/// (`/dev/stdin`): its content cannot be watched.
pub fn watched(config: &Utf8Path, root: &Utf8Path, scope: &Scope, produced: &output::Produced) -> Option<Vec<output::stamp::Watch>> {
    use output::stamp::{Watch, tree, two_levels};
    if !std::fs::metadata(config).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut watched = vec![Watch::File(config.to_owned())];
    for dir in load::beside(config) {
        two_levels(&dir, &mut watched);
    }
    for dir in &scope.dirs {
        tree(&root.join(dir), &mut watched);
    }
    watched.extend(produced.dirs.iter().map(|dir| Watch::Dir(root.join(dir))));
    Some(watched)
}

/// The directories a run owns (see [`Scope`]): with `all` the whole generated tree, else the
/// modules the plan uses and its environments' directories, added to `dirs` (earlier chunks').
fn scope(all: bool, plan: &plan::Plan, environments: &[&Environment], mut dirs: Vec<Utf8PathBuf>) -> Scope {
    if all {
        return Scope { dirs: vec!["modules".into(), "out".into(), "schema".into(), "helm-charts".into()] };
    }
    dirs.extend(plan.modules.iter().map(|m| Utf8PathBuf::from(format!("modules/{}", m.name))));
    dirs.extend(environments.iter().map(|e| Utf8PathBuf::from(plan::naming::env_dir(&e.id))));
    dirs.sort();
    dirs.dedup();
    Scope { dirs }
}

/// The plan of `environments`, with the rename table applied and the test renames added to it.
fn plan_with(
    model: &Model,
    environments: &[&Environment],
    moves: &mut Vec<plan::moves::Move>,
    test_renames: &[(String, plan::moves::Address, plan::moves::Address)],
    timings: &mut Timings,
) -> Result<plan::Plan, Error> {
    let mut plan = timings.stage("plan", || plan::plan(environments.iter().copied(), &model.pricing));
    for (module, from, to) in test_renames {
        let mv = plan::moves::rename_for_test(&mut plan, module, from, to)
            .map_err(|message| Error::Usage { message: format!("--test-rename: {message}"), help: "write `--test-rename modules/<module>:<type>.<old>=<type>.<new>` naming a generated resource".into() })?;
        moves.push(mv);
    }
    plan::moves::apply(&mut plan, moves).map_err(Error::Bug)?;
    Ok(plan)
}

/// The repository's CI workflow: it covers every environment, so only `--all` writes it.
fn workflow(model: &Model, envs: &[&Resolved]) -> Result<Files, Error> {
    let config = model.loaded.sources.first().and_then(|s| Utf8Path::new(&s.name).file_name()).unwrap_or("service-tiers.yaml");
    let text = emit::workflow::render(envs.iter().map(|r| &r.env), config).map_err(Error::Bug)?;
    Ok(Files::from([(emit::workflow::PATH.into(), text)]))
}

/// Environments in chunks of about `size`, each state home (account and state region) whole in
/// one chunk: its bootstrap root documents every environment it holds state for.
fn chunks<'a>(envs: &[&'a Resolved], size: usize) -> Vec<Vec<&'a Resolved>> {
    let mut homes: Vec<Vec<&Resolved>> = Vec::new();
    let mut index: std::collections::HashMap<(&str, String), usize> = std::collections::HashMap::new();
    for r in envs {
        let at = *index.entry(plan::bootstrap::home_of(&r.env)).or_insert_with(|| {
            homes.push(Vec::new());
            homes.len() - 1
        });
        homes[at].push(r);
    }
    let mut chunks: Vec<Vec<&Resolved>> = Vec::new();
    for home in homes {
        match chunks.last_mut() {
            Some(last) if last.len() + home.len() <= size => last.extend(home),
            _ => chunks.push(home),
        }
    }
    chunks
}

/// Refuses versions the committed output under `root` cannot reach in one apply (EKS: one
/// Kubernetes minor at a time, never back), located at the `eks.version` key that set them.
///
/// # Errors
/// [`Error::Invalid`] listing each refused environment.
pub fn refuse_unsafe_upgrades(model: &Model, envs: &[&Resolved], root: &Utf8Path) -> Result<(), Error> {
    let refused = validate::upgrade::check(model, envs, root);
    if refused.is_empty() { Ok(()) } else { Err(Error::Invalid(Report::of(model.loaded.sources.clone(), refused))) }
}
