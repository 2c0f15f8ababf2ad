//! Upgrades the committed output cannot take in one apply: EKS moves a cluster one Kubernetes
//! minor at a time and never back, so a config whose `eks.version` is more than one minor past
//! (or behind) what `out/environments/<region>/<env>/core/terraform.tfvars` holds is refused
//! before anything is written, at the `eks.version` key that set it.

use camino::Utf8Path;

use super::{Check, p};
use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::plan::naming::{Layer, root_dir};
use crate::resolve::{Model, Resolved};

/// Checks one environment's new Kubernetes version against its committed `terraform.tfvars`.
///
/// # Errors
/// A message (and the fix) when the step is more than one minor up, or any step down. A tfvars
/// without `cluster_version` (a layer generated before it existed) is not an error.
pub fn refuse_kubernetes_skip(committed_tfvars: &str, new_version: &str) -> Result<(), (String, String)> {
    let Some(committed) = committed_tfvars.lines().find_map(cluster_version) else {
        return Ok(());
    };
    let (Some(from), Some(to)) = (minor(&committed), minor(new_version)) else {
        return Ok(());
    };
    if to > from + 1 {
        return Err((
            format!("Kubernetes {committed} -> {new_version} skips a minor: EKS upgrades a cluster one minor at a time (the committed core/terraform.tfvars has {committed})"),
            format!(
                "go through 1.{} first: set eks.version to \"1.{}\", generate, apply core (runbook: \"Upgrade Kubernetes\"), commit, then continue",
                from + 1,
                from + 1
            ),
        ));
    }
    if to < from {
        return Err((
            format!("Kubernetes {committed} -> {new_version} is a downgrade: EKS cannot downgrade a cluster (the committed core/terraform.tfvars has {committed})"),
            format!("keep eks.version at \"{committed}\" or later"),
        ));
    }
    Ok(())
}

/// The value of a `cluster_version = "1.35"` line (aligned by `terraform fmt` or not).
fn cluster_version(line: &str) -> Option<String> {
    let rest = line.trim_start().strip_prefix("cluster_version")?;
    let value = rest.trim_start().strip_prefix('=')?.trim();
    Some(value.trim_matches('"').to_string())
}

fn minor(version: &str) -> Option<u32> {
    version.strip_prefix("1.")?.parse().ok()
}

/// Every refused upgrade among `envs`, comparing with the output tree under `root`. An
/// environment without committed output (a new one) has nothing to compare with.
pub fn check(model: &Model, envs: &[&Resolved], root: &Utf8Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for resolved in envs {
        let env = &resolved.env;
        let tfvars = root.join(root_dir(&env.id, Layer::Core)).join("terraform.tfvars");
        let Ok(committed) = std::fs::read_to_string(&tfvars) else { continue };
        if let Err((message, help)) = refuse_kubernetes_skip(&committed, &env.settings.eks.version) {
            let fallback = KeyPath::root().key("environments").key(&env.id.region).key(&env.id.name);
            let mut check = Check::new(model.locator(&resolved.layered, fallback), &mut out);
            check.error(p("eks.version"), "kubernetes-version-skip", format!("{}: {message}", env.id), help);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMITTED: &str = "name                = \"acme-test\"\ncluster_version     = \"1.33\"\nsupport_type = \"STANDARD\"\n";

    #[test]
    fn one_minor_up_or_none_is_allowed() {
        assert_eq!(refuse_kubernetes_skip(COMMITTED, "1.33"), Ok(()));
        assert_eq!(refuse_kubernetes_skip(COMMITTED, "1.34"), Ok(()));
    }

    #[test]
    fn a_skipped_minor_is_refused_with_the_next_step() {
        let (message, help) = refuse_kubernetes_skip(COMMITTED, "1.35").unwrap_err();
        assert!(message.contains("1.33 -> 1.35"), "{message}");
        assert!(help.starts_with("go through 1.34 first"), "{help}");
    }

    #[test]
    fn a_downgrade_is_refused() {
        let (message, _) = refuse_kubernetes_skip(COMMITTED, "1.32").unwrap_err();
        assert!(message.contains("downgrade"), "{message}");
    }

    #[test]
    fn no_committed_version_means_nothing_to_compare() {
        assert_eq!(refuse_kubernetes_skip("name = \"x\"\n", "1.35"), Ok(()));
        assert_eq!(refuse_kubernetes_skip("cluster_versions = \"1.20\"\n", "1.35"), Ok(()));
    }
}
