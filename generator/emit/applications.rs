//! Helm values files, the runbook, and the chart's generated values schema.

use serde::Serialize;

use super::{Files, docs, header};
use crate::plan::applications::{Applications, values};

/// The chart the values are for; its templates are hand-written, its schema generated.
pub const CHART_DIR: &str = "helm-charts/supabase-custom";

pub fn environment(apps: &Applications, files: &mut Files) -> Result<(), String> {
    let dir = apps.dir();
    files.insert(format!("{dir}/supabase.values.yaml").into(), header::hcl(&yaml(&apps.values)?));
    for addon in &apps.addons {
        files.insert(format!("{dir}/{}.values.yaml", addon.release).into(), header::hcl(&yaml(&addon.values)?));
    }
    files.insert(format!("{dir}/README.md").into(), docs::runbook(apps)?);
    Ok(())
}

pub fn chart(files: &mut Files) {
    files.insert(format!("{CHART_DIR}/values.schema.json").into(), header::json(values::schema()));
}

/// YAML for Helm: block style, keys in declaration order, strings quoted only where needed.
fn yaml<T: Serialize>(value: &T) -> Result<String, String> {
    serde_saphyr::to_string(value).map_err(|e| format!("values do not serialize: {e}"))
}
