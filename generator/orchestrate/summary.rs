//! What a saved plan would do (counted from `terraform show -json`), and the table printed at
//! the end of every run, whatever happened.

use std::fmt::Write;

/// Resources a plan adds, changes and destroys; a replacement counts as one add and one destroy,
/// as Terraform's own `Plan:` line counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Counts {
    /// Reads `resource_changes[].change.actions` of `terraform show -json <planfile>`.
    ///
    /// # Errors
    /// Output that is not a JSON plan (a message naming what is missing).
    pub fn of_plan_json(json: &[u8]) -> Result<Self, String> {
        let plan: serde_json::Value = serde_json::from_slice(json).map_err(|e| format!("`terraform show -json` did not print JSON: {e}"))?;
        let mut counts = Self::default();
        let Some(changes) = plan.get("resource_changes") else { return Ok(counts) };
        let changes = changes.as_array().ok_or("`resource_changes` is not a list")?;
        for change in changes {
            let actions = change
                .pointer("/change/actions")
                .and_then(|a| a.as_array())
                .ok_or("a resource change without `change.actions`")?;
            for action in actions {
                match action.as_str() {
                    Some("create") => counts.add += 1,
                    Some("update") => counts.change += 1,
                    Some("delete") => counts.destroy += 1,
                    _ => {}
                }
            }
        }
        Ok(counts)
    }
}

/// One line of the summary.
#[derive(Clone, Debug)]
pub struct Row {
    pub env: String,
    pub layer: &'static str,
    pub counts: Option<Counts>,
    pub seconds: Option<f64>,
    pub result: String,
}

/// The summary table of `plan`/`apply`: layer | add | change | destroy | seconds | result.
pub fn table(env: &str, rows: &[Row]) -> String {
    let mut text = format!("\nSummary for {env}\n");
    let num = |n: Option<usize>| n.map_or_else(|| "-".to_string(), |n| n.to_string());
    let _ = writeln!(text, "{:<13} {:>5} {:>7} {:>8} {:>8}  result", "layer", "add", "change", "destroy", "seconds");
    for row in rows {
        let _ = writeln!(
            text,
            "{:<13} {:>5} {:>7} {:>8} {:>8}  {}",
            row.layer,
            num(row.counts.map(|c| c.add)),
            num(row.counts.map(|c| c.change)),
            num(row.counts.map(|c| c.destroy)),
            row.seconds.map_or_else(|| "-".to_string(), |s| format!("{s:.1}")),
            row.result
        );
    }
    text
}

/// The table of `drift`: env | layer | drift | seconds.
pub fn drift_table(rows: &[Row]) -> String {
    let width = rows.iter().map(|r| r.env.len()).max().unwrap_or(3).max(3);
    let mut text = String::from("\nDrift\n");
    let _ = writeln!(text, "{:<width$} {:<13} {:<6} {:>8}", "env", "layer", "drift", "seconds");
    for row in rows {
        let seconds = row.seconds.map_or_else(|| "-".to_string(), |s| format!("{s:.1}"));
        let _ = writeln!(text, "{:<width$} {:<13} {:<6} {:>8}", row.env, row.layer, row.result, seconds);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_replacement_counts_as_one_add_and_one_destroy() {
        let json = br#"{"resource_changes": [
            {"change": {"actions": ["create"]}},
            {"change": {"actions": ["update"]}},
            {"change": {"actions": ["delete", "create"]}},
            {"change": {"actions": ["create", "delete"]}},
            {"change": {"actions": ["no-op"]}},
            {"change": {"actions": ["read"]}},
            {"change": {"actions": ["delete"]}}
        ]}"#;
        assert_eq!(Counts::of_plan_json(json).unwrap(), Counts { add: 3, change: 1, destroy: 3 });
        assert_eq!(Counts::of_plan_json(b"{}").unwrap(), Counts::default());
        assert!(Counts::of_plan_json(b"not json").is_err());
    }
}
