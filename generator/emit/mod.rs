//! Stage 5, emit: the plan as file contents, keyed by path. No filesystem access here, so the
//! same function serves `generate`, `--check` and the tests.

mod align;
mod applications;
pub mod config_schema;
mod diagram;
mod docs;
pub mod hcl;
pub mod header;
mod printer;
mod terraform;
pub mod workflow;

/// Where the Supabase chart lives in the output tree (`apply --with-applications` installs it).
pub use applications::CHART_DIR;

use std::collections::BTreeMap;

use camino::{Utf8Path, Utf8PathBuf};

use crate::Error;
use crate::plan::Plan;

/// Output files: path relative to the output tree -> contents. Sorted, so output order can
/// never depend on the order things were planned in.
pub type Files = BTreeMap<FilePath, String>;

/// A path in the output tree, ordered by its text. camino orders paths component by component,
/// which costs a component iterator per comparison: with thousands of files in sorted maps
/// and looked up while walking the tree, that was a fifth of a run's instructions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilePath(Utf8PathBuf);

impl Ord for FilePath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_str().cmp(other.0.as_str())
    }
}

impl PartialOrd for FilePath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Lookups by `&str` (`files.get(path.as_str())`): consistent with `Ord`, both compare the text.
impl std::borrow::Borrow<str> for FilePath {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl std::ops::Deref for FilePath {
    type Target = Utf8Path;
    fn deref(&self) -> &Utf8Path {
        &self.0
    }
}

impl AsRef<Utf8Path> for FilePath {
    fn as_ref(&self) -> &Utf8Path {
        &self.0
    }
}

impl std::fmt::Display for FilePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<String> for FilePath {
    fn from(path: String) -> Self {
        Self(path.into())
    }
}

impl From<&str> for FilePath {
    fn from(path: &str) -> Self {
        Self(path.into())
    }
}

impl From<FilePath> for Utf8PathBuf {
    fn from(path: FilePath) -> Self {
        path.0
    }
}

/// The files every environment shares: the chart and the config schema.
fn shared() -> Files {
    let mut files = Files::new();
    applications::chart(&mut files);
    files.insert("schema/service-tiers.schema.json".into(), header::json(config_schema::schema()));
    files
}

/// The files every environment shares, rendered on a thread of their own from the start of a run: they
/// do not depend on the config, so they need not wait for it to be read and planned (a third of
/// a one-environment run's work, done while the config loads).
#[derive(Debug)]
pub struct Shared(Option<std::thread::JoinHandle<Files>>);

impl Shared {
    /// Starts rendering (inline later, if no thread can be had).
    #[must_use]
    pub fn start() -> Self {
        Self(std::thread::Builder::new().name("shared".into()).spawn(shared).ok())
    }

    /// The rendered files.
    ///
    /// # Errors
    /// [`Error::Bug`] when rendering panicked.
    pub fn files(self) -> Result<Files, Error> {
        match self.0 {
            Some(thread) => thread.join().map_err(|_| Error::Bug("rendering the chart and config schema panicked".into())),
            None => Ok(shared()),
        }
    }
}

/// Renders every module and root of the plan, and the chart and config schema when the plan has
/// environments.
///
/// # Errors
/// [`Error::Bug`] when two environments disagree on a shared module, or a template fails.
pub fn emit(plan: &Plan) -> Result<Files, Error> {
    let shared = (!plan.applications.is_empty()).then(Shared::start);
    let mut files = emit_parts(plan)?;
    if let Some(shared) = shared {
        files.extend(shared.files()?);
    }
    Ok(files)
}

/// As [`emit`], without the chart and the config schema (the same for every environment: see
/// [`Shared`]).
///
/// # Errors
/// As [`emit`].
pub fn emit_parts(plan: &Plan) -> Result<Files, Error> {
    for (i, module) in plan.modules.iter().enumerate() {
        if plan.modules[..i].iter().any(|m| m.name == module.name) {
            return Err(Error::Bug(format!("module {} differs between environments", module.name)));
        }
    }
    // Independent pieces of work, rendered on every core: the output does not depend on the
    // order (each piece writes its own paths into a sorted map).
    let modules = plan.modules.len();
    let roots = plan.roots.len();
    let homes = plan.state_homes.len();
    let envs = plan.applications.len();
    let items = modules + roots + homes + envs;
    let render = |item: usize, files: &mut Files, memo: &mut terraform::Memo| -> Result<(), String> {
        if item < modules {
            return terraform::module(&plan.modules[item], files);
        }
        let item = item - modules;
        if item < roots {
            return terraform::root(&plan.roots[item], files, memo);
        }
        let item = item - roots;
        if item < homes {
            let home = &plan.state_homes[item];
            files.insert(format!("{}/README.md", home.dir()).into(), docs::bootstrap_readme(home)?);
            return Ok(());
        }
        let item = item - homes;
        if item < envs {
            let (apps, env, estimate) = (&plan.applications[item], &plan.environments[item], &plan.costs[item]);
            applications::environment(apps, files)?;
            let dir = crate::plan::naming::env_dir(&env.id);
            let names = &apps.names;
            files.insert(format!("{dir}/cost.md").into(), header::markdown(&crate::cost::markdown(estimate)));
            files.insert(format!("{dir}/architecture.drawio").into(), header::xml(&diagram::drawio(env, names)));
            files.insert(format!("{dir}/README.md").into(), docs::environment_readme(env, names, estimate, &diagram::mermaid(env, names))?);
        }
        Ok(())
    };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, 8).min(items);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || -> Result<Files, String> {
        let (mut files, mut memo) = (Files::new(), terraform::Memo::default());
        loop {
            let item = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if item >= items {
                return Ok(files);
            }
            render(item, &mut files, &mut memo)?;
        }
    };
    let parts: Vec<Result<Files, String>> = if workers <= 1 {
        vec![work()]
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("an emit worker panicked".into()))).collect()
        })
    };
    let mut files = Files::new();
    for part in parts {
        for (path, contents) in part.map_err(Error::Bug)? {
            if files.insert(path.clone(), contents).is_some() {
                return Err(Error::Bug(format!("{path} is emitted twice")));
            }
        }
    }
    Ok(files)
}
