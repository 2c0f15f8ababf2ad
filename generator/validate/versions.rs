//! Support calendars: an outdated version is a warning naming the date it lost support.
//!
//! The tables are dated; update them (and `resolve/defaults.rs`) when AWS publishes new dates.
//! Sources: the Amazon EKS Kubernetes release calendar and the Amazon RDS for PostgreSQL release
//! calendar, plus AWS's notice retiring older minor versions on 2026-05-31.

use std::fmt;

use super::{Check, p};
use crate::plan::core::addon_versions;
use crate::resolve::model::{Settings, SupportType};

/// A configured version whose standard support ends within this many days gets a warning.
pub const STANDARD_SUPPORT_NOTICE_DAYS: i64 = 90;

/// When these tables were last checked against AWS.
pub const TABLES_AS_OF: Date = Date::new(2026, 11, 26);

/// (minor version, end of standard support, end of extended support)
const EKS: &[(u32, Date, Date)] = &[
    (28, Date::new(2024, 11, 26), Date::new(2025, 11, 26)),
    (29, Date::new(2025, 3, 23), Date::new(2026, 3, 23)),
    (30, Date::new(2025, 7, 23), Date::new(2026, 7, 23)),
    (31, Date::new(2025, 11, 26), Date::new(2026, 11, 26)),
    (32, Date::new(2026, 3, 23), Date::new(2027, 3, 23)),
    (33, Date::new(2026, 7, 29), Date::new(2027, 7, 29)),
    (34, Date::new(2026, 12, 2), Date::new(2027, 12, 2)),
    (35, Date::new(2027, 3, 27), Date::new(2028, 3, 27)),
];

/// (major version, RDS end of standard support)
const POSTGRES_MAJOR: &[(u32, Date)] = &[
    (12, Date::new(2025, 2, 28)),
    (13, Date::new(2026, 2, 28)),
    (14, Date::new(2027, 2, 28)),
    (15, Date::new(2028, 2, 29)),
    (16, Date::new(2029, 2, 28)),
    (17, Date::new(2030, 2, 28)),
    (18, Date::new(2031, 2, 28)),
];

/// (major, highest retired minor, date): minors at or below it left standard support by then.
const POSTGRES_MINOR_RETIRED: &[(u32, u32, Date)] = &[
    (14, 17, Date::new(2026, 5, 31)),
    (15, 12, Date::new(2026, 5, 31)),
    (16, 8, Date::new(2026, 5, 31)),
    (17, 4, Date::new(2026, 5, 31)),
];

pub(crate) fn check(settings: &Settings, today: Date, check: &mut Check<'_>) {
    check_eks(&settings.eks.version, settings.eks.support_type, today, check);
    check_node_ami_release(settings, check);
    check_postgres(&settings.rds.engine_version, today, check);
}

fn check_eks(version: &str, support: SupportType, today: Date, check: &mut Check<'_>) {
    let path = p("eks.version");
    let Some(minor) = version.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok()) else {
        check.error(path, "invalid-version", format!("`{version}` is not a Kubernetes minor version"), "write it as a quoted string such as \"1.35\"".into());
        return;
    };
    let newest = EKS.last().map_or(0, |e| e.0);
    if addon_versions::for_version(version).is_none() && EKS.iter().any(|e| e.0 == minor) {
        let minors = addon_versions::minors();
        check.error(
            path.clone(),
            "no-addon-versions",
            format!(
                "no pinned EKS add-on versions for Kubernetes {version}: the table has {} (as of {})",
                minors.join(", "),
                addon_versions::TABLES_AS_OF
            ),
            format!(
                "use one of {}, or add a row for {version} to generator/plan/core/addon_versions.rs (`aws eks describe-addon-versions --kubernetes-version {version}`)",
                minors.join(", ")
            ),
        );
    }
    match EKS.iter().find(|e| e.0 == minor) {
        Some((_, standard, extended)) if today > *extended => check.warning(
            path,
            "version-unsupported",
            format!("EKS {version} left extended support on {extended}; AWS upgrades such clusters automatically"),
            format!("upgrade to \"1.{newest}\""),
        ),
        Some((_, standard, extended)) if today > *standard => check.warning(
            path,
            "version-extended-support",
            match support {
                SupportType::Extended => format!("EKS {version} left standard support on {standard}; extended support (extra hourly charge) ends {extended}"),
                SupportType::Standard => format!(
                    "EKS {version} left standard support on {standard}; with eks.support_type STANDARD, EKS upgrades the control plane to 1.{} by itself (nodes and add-ons stay behind)",
                    minor + 1
                ),
            },
            format!("upgrade one minor at a time, to \"1.{}\" first (runbook: \"Upgrade Kubernetes\")", minor + 1),
        ),
        Some((_, standard, _)) if standard.days() - today.days() <= STANDARD_SUPPORT_NOTICE_DAYS => check.warning(
            path,
            "version-standard-support-ending",
            format!(
                "EKS {version} leaves standard support on {standard}, in {} days; then {}",
                standard.days() - today.days(),
                match support {
                    SupportType::Standard => format!("EKS upgrades the control plane to 1.{} by itself (eks.support_type STANDARD)", minor + 1),
                    SupportType::Extended => "extended support bills an extra hourly charge (eks.support_type EXTENDED)".to_string(),
                }
            ),
            format!("upgrade to \"1.{}\" before then, one minor at a time (runbook: \"Upgrade Kubernetes\")", minor + 1),
        ),
        Some(_) => {}
        None => {
            let oldest = EKS.iter().find(|e| e.2 >= today).map_or(newest, |e| e.0);
            out_of_calendar("EKS", version, minor > newest, &format!("1.{oldest}"), &format!("1.{newest}"), path, check);
        }
    }
}

/// A pinned AMI release must belong to the cluster's minor, or EKS refuses the node group.
fn check_node_ami_release(settings: &Settings, check: &mut Check<'_>) {
    let eks = &settings.eks;
    let Some(release) = &eks.node_ami_release else { return };
    let prefix = format!("{}.", eks.version);
    let well_formed = release.strip_prefix(&prefix).and_then(|rest| rest.split_once('-')).is_some_and(|(patch, date)| {
        !patch.is_empty() && patch.bytes().all(|b| b.is_ascii_digit()) && date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit())
    });
    if !well_formed {
        check.error(
            p("eks.node_ami_release"),
            "invalid-version",
            format!("`{release}` is not an EKS optimized AMI release of Kubernetes {}", eks.version),
            format!("write a release of the cluster's version such as \"{}.0-20260120\" (see `aws ssm get-parameter --name /aws/service/eks/optimized-ami/{}/amazon-linux-2023/x86_64/standard/recommended/release_version`), or null for the latest", eks.version, eks.version),
        );
    }
}

fn check_postgres(version: &str, today: Date, check: &mut Check<'_>) {
    let path = p("rds.engine_version");
    let mut parts = version.split('.');
    let major = parts.next().and_then(|m| m.parse::<u32>().ok());
    let minor = parts.next().map(str::parse::<u32>);
    let (Some(major), None | Some(Ok(_)), None) = (major, &minor, parts.next()) else {
        check.error(path, "invalid-version", format!("`{version}` is not a PostgreSQL version"), "write a major (\"17\") or major.minor (\"17.7\") as a quoted string".into());
        return;
    };
    let newest = POSTGRES_MAJOR.last().map_or(0, |e| e.0);
    match POSTGRES_MAJOR.iter().find(|e| e.0 == major) {
        Some((_, end)) if today > *end => check.warning(
            path.clone(),
            "version-extended-support",
            format!("RDS for PostgreSQL {major} left standard support on {end}; RDS enrols it in paid Extended Support"),
            format!("plan a major upgrade to \"{newest}\""),
        ),
        Some(_) => {}
        None => {
            let oldest = POSTGRES_MAJOR.iter().find(|e| e.1 >= today).map_or(newest, |e| e.0);
            out_of_calendar("RDS for PostgreSQL", version, major > newest, &oldest.to_string(), &newest.to_string(), path.clone(), check);
        }
    }
    if let Some(Ok(minor)) = minor {
        if let Some((_, highest, date)) = POSTGRES_MINOR_RETIRED.iter().find(|r| r.0 == major && minor <= r.1) {
            if today > *date {
                check.warning(
                    path,
                    "version-unsupported",
                    format!("RDS retired PostgreSQL {major}.{minor} (minors up to {major}.{highest}) on {date}: new instances cannot use it"),
                    format!("pin the major only (\"{major}\") so RDS applies supported minors, or a minor above {major}.{highest}"),
                );
            }
        }
    }
}

/// A version outside the calendar is an error: newer ones do not exist yet (or the table needs a
/// row), older ones AWS no longer runs at all.
fn out_of_calendar(what: &str, version: &str, newer: bool, oldest: &str, newest: &str, path: crate::load::path::KeyPath, check: &mut Check<'_>) {
    let (code, message) = if newer {
        ("version-unknown", format!("{what} {version} is newer than any release in the support calendar (as of {TABLES_AS_OF})"))
    } else {
        ("version-unsupported", format!("{what} {version} is older than any release AWS still supports"))
    };
    let mut help = format!("use a supported version, from \"{oldest}\" to \"{newest}\"");
    if newer {
        help.push_str(&format!(" (if AWS has released {version} since {TABLES_AS_OF}, add it to generator/validate/versions.rs)"));
    }
    check.error(path, code, message, help);
}

/// A calendar date; enough for support calendars, no time zones involved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: u32,
    month: u32,
    day: u32,
}

impl Date {
    pub const fn new(year: u32, month: u32, day: u32) -> Self {
        Self { year, month, day }
    }

    /// Today's date in UTC, from the system clock.
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::from_days(i64::try_from(secs / 86_400).unwrap_or(0))
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let n = |v: i64| u32::try_from(v).unwrap_or(0);
        Self::new(n(year), n(month), n(day))
    }

    /// Days since 1970-01-01 (the inverse of `from_days`).
    pub fn days(self) -> i64 {
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut it = text.split('-').map(str::parse::<u32>);
        let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return None;
        };
        // A real day of that month: 2030-02-30 is rejected, not read as 2030-03-02.
        let date = Self::new(y, m, d);
        ((1..=12).contains(&m) && d >= 1 && Self::from_days(date.days()) == date).then_some(date)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_days() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_513).to_string(), "2026-03-01");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        for days in [0, 11_016, 20_513, 20_792, 21_000] {
            assert_eq!(Date::from_days(days).days(), days);
        }
    }

    #[test]
    fn every_supported_calendar_minor_from_the_default_back_has_addon_versions() {
        // The minors a config may still choose without a warning must also be plannable.
        for (minor, standard, _) in EKS {
            if *standard > TABLES_AS_OF {
                assert!(addon_versions::for_version(&format!("1.{minor}")).is_some(), "1.{minor} is in standard support but has no add-on row");
            }
        }
    }

    #[test]
    fn defaults_are_supported_on_the_table_date() {
        use crate::resolve::defaults::{EKS_VERSION, POSTGRES_VERSION};
        let eks_minor: u32 = EKS_VERSION.strip_prefix("1.").unwrap().parse().unwrap();
        let eks = EKS.iter().find(|e| e.0 == eks_minor).expect("default EKS version is in the table");
        assert!(eks.1 > TABLES_AS_OF, "default EKS version must be in standard support");
        let pg: u32 = POSTGRES_VERSION.parse().unwrap();
        let pg = POSTGRES_MAJOR.iter().find(|e| e.0 == pg).expect("default PostgreSQL major is in the table");
        assert!(pg.1 > TABLES_AS_OF);
    }
}
