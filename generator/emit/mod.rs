//! Stage 5, emit: the plan as file contents, keyed by path. No filesystem access here, so the
//! same function serves `generate`, `--check` and the tests.

mod align;
mod docs;
pub mod hcl;
pub mod header;
mod terraform;

use std::collections::BTreeMap;

use camino::Utf8PathBuf;

use crate::Error;
use crate::plan::Plan;

/// Output files: path relative to the output tree -> contents. Sorted, so output order can
/// never depend on the order things were planned in.
pub type Files = BTreeMap<Utf8PathBuf, String>;

/// Renders every module and root of the plan.
///
/// # Errors
/// [`Error::Bug`] when two environments disagree on a shared module, or a template fails.
pub fn emit(plan: &Plan) -> Result<Files, Error> {
    let mut files = Files::new();
    let mut modules = Files::new();
    for module in &plan.modules {
        let mut rendered = Files::new();
        terraform::module(module, &mut rendered).map_err(Error::Bug)?;
        for (path, contents) in rendered {
            match modules.get(&path) {
                Some(existing) if *existing != contents => {
                    return Err(Error::Bug(format!("module file {path} differs between environments")));
                }
                _ => {
                    modules.insert(path, contents);
                }
            }
        }
    }
    files.extend(modules);
    for root in &plan.roots {
        terraform::root(root, &mut files).map_err(Error::Bug)?;
    }
    Ok(files)
}
