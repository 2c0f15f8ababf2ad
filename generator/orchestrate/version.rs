//! Version constraints like the generated `required_version` (`>= 1.11.0, < 2.0.0`), checked
//! against what `terraform version -json` reports, before anything runs.

use std::cmp::Ordering;

/// A release (`1.11.4`) or a pre-release (`1.12.0-beta1`, which sorts before `1.12.0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    numbers: [u64; 3],
    release: bool,
}

impl Version {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().trim_start_matches('v');
        let (core, pre) = match text.split_once(['-', '+']) {
            Some((core, rest)) => (core, !rest.is_empty() && text.as_bytes()[core.len()] == b'-'),
            None => (text, false),
        };
        let mut numbers = [0u64; 3];
        let parts: Vec<&str> = core.split('.').collect();
        if parts.is_empty() || parts.len() > 3 {
            return None;
        }
        for (slot, part) in numbers.iter_mut().zip(&parts) {
            *slot = part.parse().ok()?;
        }
        Some(Self { numbers, release: !pre })
    }
}

/// Whether `version` meets every comma-separated part of `constraint` (operators `>=`, `>`,
/// `<=`, `<`, `=`, `!=`, as Terraform writes them).
///
/// # Errors
/// A constraint this parser does not understand (a generator bug: the constraint is ours).
pub fn satisfies(version: Version, constraint: &str) -> Result<bool, String> {
    for part in constraint.split(',') {
        let part = part.trim();
        let (op, rest) = ["!=", ">=", "<=", ">", "<", "="]
            .iter()
            .find_map(|op| part.strip_prefix(op).map(|rest| (*op, rest)))
            .unwrap_or(("=", part));
        let bound = Version::parse(rest).ok_or_else(|| format!("cannot read the version constraint `{part}`"))?;
        let order = version.cmp(&bound);
        let ok = match op {
            ">=" => order != Ordering::Less,
            ">" => order == Ordering::Greater,
            "<=" => order != Ordering::Greater,
            "<" => order == Ordering::Less,
            "!=" => order != Ordering::Equal,
            _ => order == Ordering::Equal,
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_constraint_admits_1_11_and_later_1_x_only() {
        let c = crate::terraform::TERRAFORM_VERSION;
        let ok = |v: &str| satisfies(Version::parse(v).unwrap(), c).unwrap();
        assert!(ok("1.11.0") && ok("1.11.4") && ok("1.14.2"));
        assert!(!ok("1.10.5") && !ok("1.11.0-rc1") && !ok("2.0.0") && !ok("0.15.0"));
    }
}
