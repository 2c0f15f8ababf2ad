//! EKS managed add-on versions, pinned per Kubernetes minor: a version bump (of Kubernetes or of
//! a row here) is a reviewable diff of `core/terraform.tfvars`, never whatever AWS marks default
//! on the day of an apply (no `data.aws_eks_addon_version` lookup).
//!
//! Update a row with `aws eks describe-addon-versions --kubernetes-version 1.N --addon-name NAME
//! --query 'addons[].addonVersions[].addonVersion'` (newest first; pick one whose
//! `compatibilities` list `1.N`), then bump [`TABLES_AS_OF`]. Add a row before a config may use a
//! new minor: `validate` rejects an `eks.version` without one.
//!
//! Sources, as read on [`TABLES_AS_OF`]: kube-proxy and coredns from the Amazon EKS User Guide
//! tables ("Manage kube-proxy in Amazon EKS clusters", "Manage CoreDNS for DNS in Amazon EKS
//! clusters", https://docs.aws.amazon.com/eks/latest/userguide/managing-kube-proxy.html and
//! managing-coredns.html). vpc-cni, aws-ebs-csi-driver and amazon-cloudwatch-observability are
//! Kubernetes-version independent builds; their User Guide tables did not list 1.34/1.35 when
//! read, so these are the newest builds seen deployed on those minors (verify with the command
//! above before relying on them in a new region).

use crate::validate::Date;

/// When the rows were last checked.
pub const TABLES_AS_OF: Date = Date::new(2026, 12, 5);

/// EKS add-on names, in the column order of [`TABLE`].
pub const ADDONS: [&str; 5] = ["vpc-cni", "kube-proxy", "coredns", "aws-ebs-csi-driver", "amazon-cloudwatch-observability"];

/// (Kubernetes minor, versions in [`ADDONS`] order)
const TABLE: &[(&str, [&str; 5])] = &[
    ("1.33", ["v1.21.1-eksbuild.7", "v1.33.10-eksbuild.2", "v1.13.2-eksbuild.4", "v1.57.1-eksbuild.1", "v4.7.0-eksbuild.1"]),
    ("1.34", ["v1.21.1-eksbuild.7", "v1.34.6-eksbuild.2", "v1.13.2-eksbuild.4", "v1.57.1-eksbuild.1", "v4.7.0-eksbuild.1"]),
    ("1.35", ["v1.21.1-eksbuild.7", "v1.35.3-eksbuild.2", "v1.13.2-eksbuild.4", "v1.57.1-eksbuild.1", "v4.7.0-eksbuild.1"]),
];

/// The pinned add-on versions for a Kubernetes minor (`"1.35"`), as (add-on name, version).
pub fn for_version(version: &str) -> Option<Vec<(&'static str, &'static str)>> {
    TABLE.iter().find(|(minor, _)| *minor == version).map(|(_, versions)| ADDONS.into_iter().zip(*versions).collect())
}

/// The minors with a row, oldest first, for messages.
pub fn minors() -> Vec<&'static str> {
    TABLE.iter().map(|(minor, _)| *minor).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_pins_every_addon_to_a_build_of_its_own_minor() {
        for (minor, _) in TABLE {
            let row = for_version(minor).expect("a listed minor has a row");
            assert_eq!(row.iter().map(|(name, _)| *name).collect::<Vec<_>>(), ADDONS);
            for (name, version) in &row {
                assert!(version.starts_with('v') && version.contains("-eksbuild."), "{minor} {name}: `{version}` is not an EKS add-on build");
            }
            // kube-proxy must match the cluster's minor (Kubernetes version skew policy).
            let kube_proxy = row.iter().find(|(name, _)| *name == "kube-proxy").unwrap().1;
            assert!(kube_proxy.starts_with(&format!("v{minor}.")), "{minor}: kube-proxy {kube_proxy} is for another minor");
        }
    }

    #[test]
    fn lookup_by_minor() {
        let row = for_version("1.34").unwrap();
        assert!(row.contains(&("kube-proxy", "v1.34.6-eksbuild.2")));
        assert!(row.contains(&("coredns", "v1.13.2-eksbuild.4")));
        assert_eq!(for_version("1.30"), None, "no row: validate rejects the version instead of emitting a guess");
        assert_eq!(for_version("1.3"), None);
    }

    #[test]
    fn the_default_version_has_a_row() {
        assert!(for_version(crate::resolve::defaults::EKS_VERSION).is_some());
    }
}
