//! Deterministic names: every AWS name and ARN the layers share, derived in one place.
//!
//! Because nothing is random, the applications layer knows role ARNs, secret names and the
//! bucket at generate time, and Helm values can be committed for review.

use crate::resolve::model::{EnvId, Environment};

/// Longest name prefix we allow: ALB names are capped at 32 characters, and IAM role names
/// (64) must fit the prefix plus the longest purpose suffix.
pub const MAX_PREFIX: usize = 32;

/// Terraform layers, in apply order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Layer {
    Networking,
}

impl Layer {
    pub const ALL: [Self; 1] = [Self::Networking];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Networking => "networking",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Names {
    /// `<project>-<region alias>-<environment>`: unique per account, prefix of every name.
    pub prefix: String,
    pub cluster: String,
}

impl Names {
    pub fn new(project: &str, id: &EnvId) -> Self {
        let prefix = format!("{project}-{}-{}", id.region, id.name);
        Self { cluster: prefix.clone(), prefix }
    }

    pub fn for_env(env: &Environment) -> Self {
        Self::new(&env.project, &env.id)
    }
}

/// Output directory of a layer root, relative to the output tree.
pub fn root_dir(id: &EnvId, layer: Layer) -> String {
    format!("out/environments/{}/{}/{}", id.region, id.name, layer.as_str())
}

/// The state object key of a layer: one per region, environment and layer.
pub fn state_key(id: &EnvId, layer: Layer) -> String {
    format!("{}/{}/{}/terraform.tfstate", id.region, id.name, layer.as_str())
}
