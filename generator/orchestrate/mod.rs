//! After the output stage: `plan`, `apply` and `drift` run the stock terraform (and, asked for,
//! helm) over one environment's committed roots in dependency order. Nothing here generates or
//! edits a file: the committed output must already be current, or nothing runs.
//!
//! Exit codes (`main` passes them through; 2 and 3 come from [`Error`] as for every command):
//! 0 nothing pending, 1 committed output stale, 4 a tool failed, is missing or too old,
//! 5 changes pending (`plan`) or drift found (`drift`), 6 not approved at the prompt (`apply`).

mod helm;
mod out;
mod process;
mod summary;
mod version;

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use camino::{Utf8Path, Utf8PathBuf};

use crate::emit::Files;
use crate::plan::naming::{self, Layer};
use crate::resolve::{Model, Resolved};
use crate::{Error, output};
use process::{Failure, Tool, args};
use summary::{Counts, Row};

/// `generate --check` found differences, or the committed output is stale.
pub const EXIT_STALE: u8 = 1;
/// terraform or helm failed, is missing, or is older than required.
pub const EXIT_TOOL: u8 = 4;
/// `plan`: changes pending; `drift`: drift found.
pub const EXIT_PENDING: u8 = 5;
/// `apply`: the user did not approve at the prompt.
pub const EXIT_DECLINED: u8 = 6;

/// One step of an environment's deployment, in the order they run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Terraform(Layer),
    /// The Helm releases of `out/environments/<r>/<e>/applications/`; before monitoring, which
    /// looks up the load balancer the controller creates for the Supabase Ingress.
    Applications,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Terraform(layer) => layer.as_str(),
            Self::Applications => "applications",
        }
    }

    /// Every step in run order.
    pub const ORDER: [Self; 4] = [
        Self::Terraform(Layer::Networking),
        Self::Terraform(Layer::Core),
        Self::Applications,
        Self::Terraform(Layer::Monitoring),
    ];
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Apply { auto_approve: bool },
}

/// A `plan` or `apply` of one environment.
pub struct Request<'a> {
    pub model: &'a Model,
    pub env: &'a Resolved,
    /// The output tree (`--out`, else the config's directory).
    pub root: &'a Utf8Path,
    pub mode: Mode,
    /// `--layer`: only this step.
    pub only: Option<Step>,
    pub with_applications: bool,
    /// The `generate` command that brings the committed output up to date.
    pub fix: String,
}

impl Request<'_> {
    fn steps(&self) -> Vec<Step> {
        match self.only {
            Some(step) => vec![step],
            None => Step::ORDER.into_iter().filter(|s| *s != Step::Applications || self.with_applications).collect(),
        }
    }

    fn verb(&self) -> &'static str {
        match self.mode {
            Mode::Plan => "plan",
            Mode::Apply { .. } => "apply",
        }
    }
}

/// Runs `plan` or `apply` over the selected steps; returns the exit code.
///
/// # Errors
/// [`Error::Usage`] (exit 2) for an apply that cannot ask for approval or lacks an input;
/// [`Error::Io`]/[`Error::Bug`] (exit 3) when the output tree cannot be read.
pub fn run(req: &Request) -> Result<u8, Error> {
    let steps = req.steps();
    let env = req.env.env.id.to_string();
    if let Mode::Apply { auto_approve: false } = req.mode
        && !std::io::stdin().is_terminal()
    {
        return Err(Error::Usage {
            message: format!("apply of {env} needs approval, and stdin is not a terminal to ask at"),
            help: format!("review the changes with `plan {env}`, then pass --auto-approve (as a CI job would), or run apply in a terminal"),
        });
    }
    let helm_plan = if steps.contains(&Step::Applications) { Some(helm::Releases::of(req)?) } else { None };
    let Some(files) = current(req.model, &[req.env], req.root, &req.fix, req.verb())? else {
        return Ok(EXIT_STALE);
    };
    let terraform = Tool::terraform();
    // Helm only where it runs: `plan` lists the releases without it.
    let helm_runs = helm_plan.as_ref().filter(|_| req.mode != Mode::Plan);
    let ready = match (helm_runs, steps.iter().any(|s| matches!(s, Step::Terraform(_)))) {
        (Some(releases), true) => terraform_ready(&terraform).and_then(|()| releases.ready()),
        (Some(releases), false) => releases.ready(),
        (None, true) => terraform_ready(&terraform),
        (None, false) => Ok(()),
    };
    if let Err(Failure(message)) = ready {
        out::warn(&format!("error: {message}\n"));
        return Ok(EXIT_TOOL);
    }
    let plans = PlanDir::new()?;
    let mut rows: Vec<Row> = Vec::new();
    // Steps whose plan has pending changes (or is itself provisional): later readers wait on them.
    let mut pending: BTreeSet<Step> = BTreeSet::new();
    let mut code = 0;
    for (i, &step) in steps.iter().enumerate() {
        let waits_on: Vec<Step> = reads(&files, req.env, step).into_iter().filter(|s| pending.contains(s)).collect();
        let provisional = (req.mode == Mode::Plan && !waits_on.is_empty()).then(|| {
            let names: Vec<String> = waits_on.iter().map(|s| format!("{}'s", s.as_str())).collect();
            format!("PROVISIONAL: depends on {} pending changes; re-planned at apply", names.join(" and "))
        });
        out::say(&format!("\n== {env} {}: {}{}\n", step.as_str(), req.verb(), provisional.as_ref().map(|p| format!(" ({p})")).unwrap_or_default()));
        let start = Instant::now();
        let outcome = match step {
            Step::Terraform(layer) => terraform_step(&terraform, req, layer, &plans),
            Step::Applications => helm_plan.as_ref().expect("built when selected").run(req),
        };
        let seconds = Some(start.elapsed().as_secs_f64());
        let mut result = outcome.result.clone();
        if let Some(p) = &provisional {
            result = format!("{result} ({p})");
        }
        rows.push(Row { env: env.clone(), layer: step.as_str(), counts: outcome.counts, seconds, result });
        match outcome.status {
            Status::Clean => {}
            Status::Pending => {
                pending.insert(step);
                code = EXIT_PENDING;
            }
            Status::Stop(stop) => {
                if let Some(hint) = (!waits_on.is_empty()).then(|| hint_after_failure(&env, step, &waits_on)) {
                    out::warn(&hint);
                }
                code = stop;
                for later in &steps[i + 1..] {
                    rows.push(Row { env: env.clone(), layer: later.as_str(), counts: None, seconds: None, result: "not run".into() });
                }
                break;
            }
        }
        if provisional.is_some() {
            pending.insert(step);
        }
    }
    drop(plans);
    out::say(&summary::table(&env, &rows));
    Ok(code)
}

fn hint_after_failure(env: &str, step: Step, waits_on: &[Step]) -> String {
    let names: Vec<&str> = waits_on.iter().map(|s| s.as_str()).collect();
    format!(
        "note: {} reads the outputs of {}, which have pending changes: its plan can fail until they are applied \
         (`apply {env} --layer {}`), then plan again\n",
        step.as_str(),
        names.join(" and "),
        names[0]
    )
}

/// How a step ended, for the exit code and whether to go on.
pub(crate) enum Status {
    /// Nothing to do, or done.
    Clean,
    /// `plan`: changes pending (the run goes on).
    Pending,
    /// Stop here with this exit code.
    Stop(u8),
}

pub(crate) struct Outcome {
    pub counts: Option<Counts>,
    pub result: String,
    pub status: Status,
}

impl Outcome {
    fn failed(message: &str) -> Self {
        out::warn(&format!("error: {message}\n"));
        Self { counts: None, result: "failed".into(), status: Status::Stop(EXIT_TOOL) }
    }
}

/// init, plan to a saved plan file, count it; for apply: show it, ask, apply exactly that file.
fn terraform_step(tf: &Tool, req: &Request, layer: Layer, plans: &PlanDir) -> Outcome {
    let env = req.env.env.id.to_string();
    let dir = req.root.join(naming::root_dir(&req.env.env.id, layer));
    let chdir = OsString::from(format!("-chdir={dir}"));
    let run = |rest: Vec<OsString>| tf.status(&[vec![chdir.clone()], rest].concat());
    match run(args(["init", "-input=false"])) {
        Ok(0) => {}
        Ok(n) => return Outcome::failed(&format!("terraform init of {env} {} failed (exit {n})", layer.as_str())),
        Err(Failure(m)) => return Outcome::failed(&m),
    }
    let planfile = plans.file(layer.as_str());
    let mut plan_args = args(["plan", "-input=false", "-detailed-exitcode"]);
    plan_args.push(OsString::from(format!("-out={}", planfile.display())));
    let changes = match run(plan_args) {
        Ok(0) => false,
        Ok(2) => true,
        Ok(n) => return Outcome::failed(&format!("terraform plan of {env} {} failed (exit {n})", layer.as_str())),
        Err(Failure(m)) => return Outcome::failed(&m),
    };
    plans.protect(&planfile);
    if !changes {
        return Outcome { counts: Some(Counts::default()), result: "no changes".into(), status: Status::Clean };
    }
    let counts = match tf.capture(&[vec![chdir.clone()], args(["show", "-json"]), vec![planfile.clone().into()]].concat()) {
        Ok((0, json)) => match Counts::of_plan_json(&json) {
            Ok(counts) => counts,
            Err(m) => return Outcome::failed(&format!("cannot read the plan of {env} {}: {m}", layer.as_str())),
        },
        Ok((n, _)) => return Outcome::failed(&format!("terraform show -json of {env} {} failed (exit {n})", layer.as_str())),
        Err(Failure(m)) => return Outcome::failed(&m),
    };
    let Mode::Apply { auto_approve } = req.mode else {
        return Outcome { counts: Some(counts), result: "changes".into(), status: Status::Pending };
    };
    if !auto_approve {
        // The saved plan itself, right before the question: what is approved is what is applied.
        match run(vec!["show".into(), planfile.clone().into()]) {
            Ok(0) => {}
            Ok(n) => return Outcome::failed(&format!("terraform show of {env} {} failed (exit {n})", layer.as_str())),
            Err(Failure(m)) => return Outcome::failed(&m),
        }
        if !approved(&format!("Apply these changes to {env} {}? [y/N] ", layer.as_str())) {
            out::warn(&format!("not approved: {env} {} and the layers after it were not applied\n", layer.as_str()));
            return Outcome { counts: Some(counts), result: "not approved".into(), status: Status::Stop(EXIT_DECLINED) };
        }
    }
    match run(vec!["apply".into(), "-input=false".into(), planfile.into()]) {
        Ok(0) => Outcome { counts: Some(counts), result: "applied".into(), status: Status::Clean },
        Ok(n) => Outcome { counts: Some(counts), ..Outcome::failed(&format!("terraform apply of {env} {} failed (exit {n})", layer.as_str())) },
        Err(Failure(m)) => Outcome { counts: Some(counts), ..Outcome::failed(&m) },
    }
}

/// Asks on stderr, reads one line from the terminal; only `y`/`yes` approves.
fn approved(question: &str) -> bool {
    out::warn(question);
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// `drift`: a plan of every layer of each environment, refreshed against the real objects;
/// drift = the objects no longer match the committed roots. Returns the exit code. Unlike apply
/// it goes on after a failure (a scheduled job wants every root's answer).
///
/// Not `plan -refresh-only -detailed-exitcode`: tried against the emulator, it exits 2 on every
/// run of a layer with a database (RDS's `latest_restorable_time` moves every few minutes), on
/// attributes the roots deliberately leave alone (`ignore_changes`), and even where Terraform
/// prints "No changes" (the refreshed state differs only in form); a scheduled job would alert
/// every time. A normal plan compares what the code manages with what is there, honouring
/// `ignore_changes`: exit 2 is drift, or a committed change not yet applied (`plan` tells which).
///
/// # Errors
/// As [`run`].
pub fn drift(model: &Model, envs: &[&Resolved], root: &Utf8Path, fix: &str) -> Result<u8, Error> {
    let Some(_) = current(model, envs, root, fix, "check drift")? else {
        return Ok(EXIT_STALE);
    };
    let tf = Tool::terraform();
    if let Err(Failure(message)) = terraform_ready(&tf) {
        out::warn(&format!("error: {message}\n"));
        return Ok(EXIT_TOOL);
    }
    let (mut rows, mut failed, mut drifted) = (Vec::new(), false, false);
    for resolved in envs {
        let env = resolved.env.id.to_string();
        for layer in Layer::ALL {
            out::say(&format!("\n== {env} {}: drift plan\n", layer.as_str()));
            let chdir = OsString::from(format!("-chdir={}", root.join(naming::root_dir(&resolved.env.id, layer))));
            let start = Instant::now();
            let result = match tf.status(&[vec![chdir.clone()], args(["init", "-input=false"])].concat()) {
                Ok(0) => tf.status(&[vec![chdir], args(["plan", "-input=false", "-detailed-exitcode"])].concat()),
                other => other,
            };
            let result = match result {
                Ok(0) => "no".to_string(),
                Ok(2) => {
                    drifted = true;
                    "yes".to_string()
                }
                Ok(n) => {
                    failed = true;
                    out::warn(&format!("error: terraform failed on {env} {} (exit {n})\n", layer.as_str()));
                    "error".to_string()
                }
                Err(Failure(m)) => {
                    failed = true;
                    out::warn(&format!("error: {m}\n"));
                    "error".to_string()
                }
            };
            rows.push(Row { env: env.clone(), layer: layer.as_str(), counts: None, seconds: Some(start.elapsed().as_secs_f64()), result });
        }
    }
    out::say(&summary::drift_table(&rows));
    Ok(if failed {
        EXIT_TOOL
    } else if drifted {
        EXIT_PENDING
    } else {
        0
    })
}

/// Renders the environments in memory and compares with the tree, as `generate --check` does.
/// `None` (after saying what is stale and how to fix it) when anything differs.
fn current(model: &Model, envs: &[&Resolved], root: &Utf8Path, fix: &str, verb: &str) -> Result<Option<Files>, Error> {
    let (files, scope) = crate::render(model, envs, false)?;
    let report = output::check(root, &files, &scope)?;
    if report.is_clean() {
        return Ok(Some(files));
    }
    let mut text = format!("error: refusing to {verb}: the committed output under {root} is not what the config generates\n");
    for (label, paths) in [
        ("stale", report.stale.iter().map(|(p, _)| p).collect::<Vec<_>>()),
        ("missing", report.missing.iter().map(|(p, _)| p).collect()),
        ("orphaned", report.orphaned.iter().collect()),
        ("not generated", report.foreign.iter().collect()),
        ("leftover temporary file", report.leftovers.iter().collect()),
    ] {
        for path in paths {
            text.push_str(&format!("  {label}: {path}\n"));
        }
    }
    text.push_str(&format!("help: run `{fix}`, review and commit the result, then run this again (`generate --check` shows the diffs)\n"));
    out::warn(&text);
    Ok(None)
}

/// `terraform version -json` must meet the generated `required_version`.
fn terraform_ready(tf: &Tool) -> Result<(), Failure> {
    let required = crate::terraform::TERRAFORM_VERSION;
    let (code, stdout) = tf.capture(&args(["version", "-json"]))?;
    if code != 0 {
        return Err(Failure(format!("`terraform version -json` failed (exit {code}); the generated roots need Terraform {required}")));
    }
    let reported = serde_json::from_slice::<serde_json::Value>(&stdout)
        .ok()
        .and_then(|v| v.get("terraform_version").and_then(|v| v.as_str()).map(str::to_string))
        .ok_or_else(|| Failure(format!("`terraform version -json` did not report a version; the generated roots need Terraform {required}")))?;
    let parsed = version::Version::parse(&reported).ok_or_else(|| Failure(format!("cannot read the terraform version `{reported}`")))?;
    match version::satisfies(parsed, required) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure(format!(
            "terraform {reported} does not meet the generated roots' required_version `{required}`; install a matching Terraform (or set {} to one)",
            tf.env_var
        ))),
        Err(m) => Err(Failure(format!("generator bug (please report it): {m}"))),
    }
}

/// The steps whose outputs `step` reads, from the `terraform_remote_state` data sources of its
/// generated root (the files were just checked against the tree, so they are what terraform
/// reads); the applications need the cluster and roles of core.
fn reads(files: &Files, env: &Resolved, step: Step) -> Vec<Step> {
    let Step::Terraform(layer) = step else {
        return vec![Step::Terraform(Layer::Core)];
    };
    let dir = format!("{}/", naming::root_dir(&env.env.id, layer));
    let mut found = Vec::new();
    for (path, text) in files.iter().filter(|(path, _)| path.as_str().starts_with(&dir)) {
        if path.extension() != Some("tf") {
            continue;
        }
        let Ok(body) = hcl::parse(text) else { continue };
        for block in body.blocks() {
            let labels: Vec<&str> = block.labels().iter().map(|l| l.as_str()).collect();
            if block.identifier() == "data"
                && labels.first() == Some(&"terraform_remote_state")
                && let Some(read) = Layer::ALL.into_iter().find(|l| labels.get(1) == Some(&l.as_str()))
            {
                found.push(Step::Terraform(read));
            }
        }
    }
    found
}

/// A private directory for saved plans (they can hold secrets): 0700, files 0600, removed on drop.
struct PlanDir(PathBuf);

impl PlanDir {
    fn new() -> Result<Self, Error> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let mut last = None;
        for attempt in 0..100 {
            let path = std::env::temp_dir().join(format!("supabase-aws-gen-plans-{}-{nanos}-{attempt}", std::process::id()));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            match builder.create(&path) {
                Ok(()) => return Ok(Self(path)),
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => last = Some(err),
                Err(source) => return Err(Error::Io { action: "create the plan directory", path: lossy(&path), source }),
            }
        }
        let source = last.unwrap_or_else(|| std::io::Error::other("no free name"));
        Err(Error::Io { action: "create the plan directory in", path: lossy(&std::env::temp_dir()), source })
    }

    fn file(&self, layer: &str) -> PathBuf {
        self.0.join(format!("{layer}.tfplan"))
    }

    /// Terraform writes the plan with the umask's mode; only we may read it.
    fn protect(&self, file: &std::path::Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600));
        }
        let _ = (self, file);
    }
}

impl Drop for PlanDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lossy(path: &std::path::Path) -> Utf8PathBuf {
    Utf8PathBuf::from(path.to_string_lossy().into_owned())
}
