//! Support calendars: an outdated version is a warning naming the date it lost support.
//!
//! The tables are dated; update them (and `resolve/defaults.rs`) when AWS publishes new dates.
//! Sources: the Amazon EKS Kubernetes release calendar and the Amazon RDS for PostgreSQL release
//! calendar, plus AWS's notice retiring older minor versions on 2026-05-31.

use std::fmt;

use super::{Check, p};
use crate::resolve::model::Settings;

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
    check_eks(&settings.eks.version, today, check);
    check_postgres(&settings.rds.engine_version, today, check);
}

fn check_eks(version: &str, today: Date, check: &mut Check<'_>) {
    let path = p("eks.version");
    let Some(minor) = version.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok()) else {
        check.error(path, "invalid-version", format!("`{version}` is not a Kubernetes minor version"), "write it as a quoted string such as \"1.35\"".into());
        return;
    };
    let newest = EKS.last().map_or(0, |e| e.0);
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
            format!("EKS {version} left standard support on {standard}; extended support (extra hourly charge) ends {extended}"),
            format!("upgrade to \"1.{newest}\""),
        ),
        Some(_) => {}
        None if minor > newest => check.warning(
            path,
            "version-unknown",
            format!("EKS {version} is newer than the support table (as of {TABLES_AS_OF})"),
            "check that EKS offers it in this region, then add it to validate/versions.rs".into(),
        ),
        None => check.warning(
            path,
            "version-unsupported",
            format!("EKS {version} is past end of support"),
            format!("upgrade to \"1.{newest}\""),
        ),
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
        None if major > newest => check.warning(
            path.clone(),
            "version-unknown",
            format!("PostgreSQL {major} is newer than the support table (as of {TABLES_AS_OF})"),
            "check that RDS offers it, then add it to validate/versions.rs".into(),
        ),
        None => check.warning(
            path.clone(),
            "version-unsupported",
            format!("RDS no longer supports PostgreSQL {major}"),
            format!("upgrade to \"{newest}\""),
        ),
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

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut it = text.split('-').map(str::parse::<u32>);
        let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d)), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return None;
        };
        ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some(Self::new(y, m, d))
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
