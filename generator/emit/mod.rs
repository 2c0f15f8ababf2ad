//! Stage 5, emit: the plan as file contents, keyed by path. No filesystem access here, so the
//! same function serves `generate`, `--check` and the tests.

mod align;
mod applications;
pub mod config_schema;
mod diagram;
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
    for (i, module) in plan.modules.iter().enumerate() {
        if plan.modules[..i].iter().any(|m| m.name == module.name) {
            return Err(Error::Bug(format!("module {} differs between environments", module.name)));
        }
        terraform::module(module, &mut files).map_err(Error::Bug)?;
    }
    let mut memo = terraform::Memo::default();
    for root in &plan.roots {
        terraform::root(root, &mut files, &mut memo).map_err(Error::Bug)?;
    }
    for home in &plan.state_homes {
        files.insert(format!("{}/README.md", home.dir()).into(), docs::bootstrap_readme(home).map_err(Error::Bug)?);
    }
    for apps in &plan.applications {
        applications::environment(apps, &mut files).map_err(Error::Bug)?;
    }
    for ((env, estimate), apps) in plan.environments.iter().zip(&plan.costs).zip(&plan.applications) {
        let dir = crate::plan::naming::env_dir(&env.id);
        let names = &apps.names;
        files.insert(format!("{dir}/cost.md").into(), header::markdown(&crate::cost::markdown(estimate)));
        files.insert(format!("{dir}/architecture.drawio").into(), header::xml(&diagram::drawio(env, names)));
        files.insert(format!("{dir}/README.md").into(), docs::environment_readme(env, names, estimate, &diagram::mermaid(env, names)).map_err(Error::Bug)?);
    }
    if !plan.applications.is_empty() {
        applications::chart(&mut files);
        files.insert("schema/service-tiers.schema.json".into(), header::json(&config_schema::schema()));
    }
    Ok(files)
}
