//! Checks on who the alarms page (`alerts`) and on the tier's alarm thresholds (`alarms`).

use super::network::is_domain;
use super::{Check, p};
use crate::resolve::model::{Environment, Settings};

/// The alarm thresholds of a tier or environment: percentages within 1-99, durations positive,
/// and minutes a whole number of the alarms' 5-minute periods.
pub(crate) fn check(s: &Settings, check: &mut Check<'_>) {
    let a = &s.alarms;
    let percents = [
        ("db_cpu_percent", a.db_cpu_percent),
        ("db_freeable_memory_percent", a.db_freeable_memory_percent),
        ("db_free_storage_percent", a.db_free_storage_percent),
        ("db_connections_percent", a.db_connections_percent),
        ("db_replication_slot_percent", a.db_replication_slot_percent),
        ("alb_5xx_percent", a.alb_5xx_percent),
    ];
    for (key, value) in percents {
        if !(1..=99).contains(&value) {
            check.error(
                p("alarms").key(key),
                "invalid-range",
                format!("alarms.{key} is {value}: an alarm at 0% or 100% or more never fires or never clears"),
                "use a percentage from 1 to 99".into(),
            );
        }
    }
    for (key, value) in [("db_latency_ms", a.db_latency_ms), ("alb_p99_response_ms", a.alb_p99_response_ms)] {
        if value == 0 {
            check.error(
                p("alarms").key(key),
                "invalid-range",
                format!("alarms.{key} is 0: the alarm would always fire"),
                "use milliseconds above 0, e.g. 20".into(),
            );
        }
    }
    let minutes = a.nodes_at_max_minutes;
    if minutes == 0 || minutes % 5 != 0 || minutes > 1440 {
        check.error(
            p("alarms.nodes_at_max_minutes"),
            "invalid-range",
            format!("alarms.nodes_at_max_minutes is {minutes}: the alarm counts 5-minute periods, at most one day"),
            "use a multiple of 5 from 5 to 1440, e.g. 30".into(),
        );
    }
}

/// The alarm topic's subscriptions: addresses and URLs well formed, and someone subscribed on
/// every tier that is not throwaway.
pub(crate) fn check_environment(env: &Environment, check: &mut Check<'_>) {
    let alerts = &env.identity.alerts;
    for (i, address) in alerts.email.iter().enumerate() {
        if !is_email(address) {
            check.error(p("alerts.email").index(i), "invalid-value", format!("`{address}` is not an email address"), "e.g. oncall@example.com".into());
        }
    }
    for (i, url) in alerts.https.iter().enumerate() {
        if let Err(why) = check_https(url) {
            check.error(
                p("alerts.https").index(i),
                "invalid-value",
                format!("`{url}` {why}"),
                "write the endpoint's full URL, e.g. https://events.example.com/integration/sns".into(),
            );
        }
    }
    if alerts.email.is_empty() && alerts.https.is_empty() && !env.settings.throwaway {
        check.warning(
            p("alerts"),
            "no-alert-subscription",
            "no alert subscription: the alarms change state but nobody is told when the database fills up or the API fails".into(),
            "add alerts: { email: [oncall@example.com] } (or https: [<incident tool's SNS URL>]) to the environment".into(),
        );
    }
}

fn is_email(address: &str) -> bool {
    address.split_once('@').is_some_and(|(user, domain)| !user.is_empty() && !user.contains(char::is_whitespace) && !domain.contains('@') && is_domain(domain))
}

/// An HTTPS endpoint SNS can deliver to: `https://host[:port][/path]`, no credentials, no spaces.
fn check_https(url: &str) -> Result<(), &'static str> {
    let rest = url.strip_prefix("https://").ok_or("is not an https:// URL (SNS would deliver alarms in clear text over http)")?;
    if url.contains(char::is_whitespace) {
        return Err("contains whitespace");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("carries credentials in the URL; SNS subscription URLs are visible to anyone who can read the topic");
    }
    let host = authority.split(':').next().unwrap_or_default();
    if !is_domain(host) {
        return Err("does not have a valid host name");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_urls() {
        assert!(is_email("oncall@example.com"));
        assert!(!is_email("oncall@localhost"));
        assert!(!is_email("@example.com"));
        assert!(!is_email("on call@example.com"));
        assert!(check_https("https://events.example.com/integration/sns?key=1").is_ok());
        assert!(check_https("https://events.example.com:8443").is_ok());
        assert!(check_https("http://events.example.com").is_err());
        assert!(check_https("https://user:pw@events.example.com").is_err());
        assert!(check_https("https://").is_err());
    }
}
