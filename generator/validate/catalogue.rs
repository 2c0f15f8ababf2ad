//! A dated, offline catalogue of AWS names: regions, their availability zones, RDS for
//! PostgreSQL instance classes and the EC2 instance types EKS nodes may use.
//!
//! A name that is not here is an error at its key (with a did-you-mean), so a typo such as
//! `eu-west-1d` or `db.t4g.mirco` fails in `validate`, not an hour into `terraform apply`.
//! Like the version calendar, the tables are dated: update them and [`CATALOGUE_AS_OF`] when AWS
//! adds a region, zone or instance family.
//!
//! Sources (checked on [`CATALOGUE_AS_OF`]):
//! - regions: the AWS General Reference, "AWS Regions" (commercial partition `aws` only: the
//!   generator writes `arn:aws:` ARNs, so GovCloud and China regions are not offered);
//! - zones: "Availability Zones" in the same reference and `aws ec2 describe-availability-zones`
//!   per region (zone names as AWS publishes them, e.g. eu-west-1 has a, b, c; ap-northeast-1
//!   has a, c, d);
//! - RDS classes: "Supported DB engines for DB instance classes" in the Amazon RDS User Guide,
//!   PostgreSQL column;
//! - EC2 types: the Amazon EC2 "Instance types" specifications (general purpose, compute and
//!   memory optimized families that Amazon EKS optimized AMIs support).

use crate::diagnostics::did_you_mean;

/// When the tables below were last checked against AWS.
pub const CATALOGUE_AS_OF: &str = "2026-11-26";

/// Region code and the letters of its availability zones.
const REGIONS: &[(&str, &str)] = &[
    ("af-south-1", "abc"),
    ("ap-east-1", "abc"),
    ("ap-east-2", "abc"),
    ("ap-northeast-1", "acd"),
    ("ap-northeast-2", "abcd"),
    ("ap-northeast-3", "abc"),
    ("ap-south-1", "abc"),
    ("ap-south-2", "abc"),
    ("ap-southeast-1", "abc"),
    ("ap-southeast-2", "abc"),
    ("ap-southeast-3", "abc"),
    ("ap-southeast-4", "abc"),
    ("ap-southeast-5", "abc"),
    ("ap-southeast-7", "abc"),
    ("ca-central-1", "abd"),
    ("ca-west-1", "abc"),
    ("eu-central-1", "abc"),
    ("eu-central-2", "abc"),
    ("eu-north-1", "abc"),
    ("eu-south-1", "abc"),
    ("eu-south-2", "abc"),
    ("eu-west-1", "abc"),
    ("eu-west-2", "abc"),
    ("eu-west-3", "abc"),
    ("il-central-1", "abc"),
    ("me-central-1", "abc"),
    ("me-south-1", "abc"),
    ("mx-central-1", "abc"),
    ("sa-east-1", "abc"),
    ("us-east-1", "abcdef"),
    ("us-east-2", "abc"),
    ("us-west-1", "abc"),
    ("us-west-2", "abcd"),
];

const BURST: &[&str] = &["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge"];
const TO_24: &[&str] = &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"];
const TO_32: &[&str] = &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge"];
const TO_48: &[&str] = &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge"];
const GRAVITON: &[&str] = &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"];
const GRAVITON_EC2: &[&str] = &["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "metal"];
const GRAVITON4_EC2: &[&str] = &["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"];
const C5: &[&str] = &["large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge", "metal"];

/// RDS for PostgreSQL: class family (without `db.`) and its sizes.
const RDS_CLASSES: &[(&str, &[&str])] = &[
    ("t3", &["micro", "small", "medium", "large", "xlarge", "2xlarge"]),
    ("t4g", &["micro", "small", "medium", "large", "xlarge", "2xlarge"]),
    ("m5", TO_24),
    ("m5d", TO_24),
    ("m6g", GRAVITON),
    ("m6gd", GRAVITON),
    ("m6i", TO_32),
    ("m6id", TO_32),
    ("m7g", GRAVITON),
    ("m7i", TO_48),
    ("m8g", TO_48),
    ("r5", TO_24),
    ("r5b", TO_24),
    ("r5d", TO_24),
    ("r6g", GRAVITON),
    ("r6gd", GRAVITON),
    ("r6i", TO_32),
    ("r6id", TO_32),
    ("r7g", GRAVITON),
    ("r7i", TO_48),
    ("r8g", TO_48),
    ("x2g", GRAVITON),
];

/// EC2 instance families for EKS nodes and their sizes.
const EC2_TYPES: &[(&str, &[&str])] = &[
    ("t3", BURST),
    ("t3a", BURST),
    ("t4g", BURST),
    ("m5", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"]),
    ("m5a", TO_24),
    ("m6a", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"]),
    ("m6g", GRAVITON_EC2),
    ("m6i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"]),
    ("m7a", &["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal-48xl"]),
    ("m7g", GRAVITON_EC2),
    ("m7i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"]),
    ("m7i-flex", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"]),
    ("m8g", GRAVITON4_EC2),
    ("c5", C5),
    ("c6a", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"]),
    ("c6g", GRAVITON_EC2),
    ("c6i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"]),
    ("c7a", &["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal-48xl"]),
    ("c7g", GRAVITON_EC2),
    ("c7i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"]),
    ("c8g", GRAVITON4_EC2),
    ("r5", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"]),
    ("r6a", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"]),
    ("r6g", GRAVITON_EC2),
    ("r6i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "metal"]),
    ("r7a", &["medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge", "48xlarge", "metal-48xl"]),
    ("r7g", GRAVITON_EC2),
    ("r7i", &["large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "48xlarge", "metal-24xl", "metal-48xl"]),
    ("r8g", GRAVITON4_EC2),
];

/// Region codes, sorted.
pub fn regions() -> impl Iterator<Item = &'static str> {
    REGIONS.iter().map(|r| r.0)
}

pub fn is_region(code: &str) -> bool {
    REGIONS.iter().any(|r| r.0 == code)
}

/// The zone names of a catalogued region (`eu-west-1a`, ...), empty for an unknown region.
pub fn zones(region: &str) -> Vec<String> {
    REGIONS.iter().find(|r| r.0 == region).map(|r| r.1.chars().map(|c| format!("{region}{c}")).collect()).unwrap_or_default()
}

/// Why a name is not in the catalogue, and the fix: `None` when it is.
pub fn unknown_region(code: &str) -> Option<(String, String)> {
    if is_region(code) {
        return None;
    }
    let help = match did_you_mean(code, regions()) {
        Some(guess) => format!("did you mean `{guess}`?"),
        None => format!("use one of: {}", regions().collect::<Vec<_>>().join(", ")),
    };
    Some((format!("`{code}` is not an AWS region (catalogue as of {CATALOGUE_AS_OF})"), help))
}

/// `None` when `zone` is a zone of `region` (an unknown region is reported by itself).
pub fn unknown_zone(zone: &str, region: &str) -> Option<(String, String)> {
    let zones = zones(region);
    if zones.is_empty() || zones.iter().any(|z| z == zone) {
        return None;
    }
    let hint = match did_you_mean(zone, zones.iter().map(String::as_str)) {
        Some(guess) if !zone.starts_with(region) => format!("did you mean `{guess}`? "),
        _ => String::new(),
    };
    Some((format!("`{zone}` is not an availability zone of {region}"), format!("{hint}the zones of {region} are: {}", zones.join(", "))))
}

fn lookup(name: &str, prefix: &str, table: &'static [(&'static str, &'static [&'static str])]) -> Result<(), Vec<String>> {
    let all = || table.iter().flat_map(|(family, sizes)| sizes.iter().map(move |s| format!("{prefix}{family}.{s}")));
    let known = name
        .strip_prefix(prefix)
        .and_then(|rest| rest.split_once('.'))
        .and_then(|(family, size)| table.iter().find(|(f, _)| *f == family).map(|(_, sizes)| sizes.contains(&size)));
    if known == Some(true) { Ok(()) } else { Err(all().collect()) }
}

/// The help for a name missing from `table`: a close match, or the families and sizes.
fn name_help(name: &str, prefix: &str, table: &'static [(&'static str, &'static [&'static str])], all: &[String]) -> String {
    if let Some(guess) = did_you_mean(name, all.iter().map(String::as_str)) {
        return format!("did you mean `{guess}`?");
    }
    let family = name.strip_prefix(prefix).and_then(|rest| rest.split_once('.')).map(|(f, _)| f);
    match family.and_then(|f| table.iter().find(|(known, _)| *known == f)) {
        Some((f, sizes)) => format!("{prefix}{f} comes in: {}", sizes.join(", ")),
        None => format!(
            "use a known family ({}) with one of its sizes, e.g. {prefix}{}.large",
            table.iter().map(|(f, _)| format!("{prefix}{f}")).collect::<Vec<_>>().join(", "),
            table.get(1).map_or("", |f| f.0)
        ),
    }
}

/// `None` when `class` is an RDS for PostgreSQL instance class in the catalogue.
pub fn unknown_rds_class(class: &str) -> Option<(String, String)> {
    let all = lookup(class, "db.", RDS_CLASSES).err()?;
    Some((
        format!("`{class}` is not an RDS for PostgreSQL instance class (catalogue as of {CATALOGUE_AS_OF})"),
        name_help(class, "db.", RDS_CLASSES, &all),
    ))
}

/// `None` when `instance_type` is an EC2 instance type in the catalogue.
pub fn unknown_instance_type(instance_type: &str) -> Option<(String, String)> {
    let all = lookup(instance_type, "", EC2_TYPES).err()?;
    Some((
        format!("`{instance_type}` is not an EC2 instance type for EKS nodes (catalogue as of {CATALOGUE_AS_OF})"),
        name_help(instance_type, "", EC2_TYPES, &all),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_zones() {
        assert!(unknown_region("eu-west-1").is_none());
        let (_, help) = unknown_region("eu-wset-1").unwrap();
        assert_eq!(help, "did you mean `eu-west-1`?");
        assert!(unknown_region("eu-fake-9").is_some());
        assert_eq!(zones("eu-west-1"), ["eu-west-1a", "eu-west-1b", "eu-west-1c"]);
        assert!(unknown_zone("eu-west-1c", "eu-west-1").is_none());
        for bad in ["eu-west-1d", "eu-west-1g", "eu-west-1z", "ap-northeast-1b"] {
            let region = &bad[..bad.len() - 1];
            assert!(unknown_zone(bad, region).is_some(), "{bad}");
        }
    }

    #[test]
    fn instance_names() {
        assert!(unknown_rds_class("db.t4g.micro").is_none());
        assert!(unknown_rds_class("db.r6g.2xlarge").is_none());
        assert!(unknown_rds_class("db.x2g.large").is_none());
        assert!(unknown_rds_class("db.fake.huge").is_some());
        assert_eq!(unknown_rds_class("db.t4g.mirco").unwrap().1, "did you mean `db.t4g.micro`?");
        assert!(unknown_instance_type("t3.medium").is_none());
        assert!(unknown_instance_type("m6i.2xlarge").is_none());
        assert!(unknown_instance_type("t9.gigantic").is_some());
        assert_eq!(unknown_instance_type("t3.meduim").unwrap().1, "did you mean `t3.medium`?");
    }
}
