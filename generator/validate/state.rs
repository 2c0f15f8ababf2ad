//! Checks across environments on where Terraform state lives: each account and region gets one
//! bootstrap root creating one state bucket, and S3 bucket names are global.

use std::collections::HashMap;

use super::p;
use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::plan::bootstrap::home_of;
use crate::plan::roots::state_region;
use crate::resolve::decode::Locate;
use crate::resolve::{Model, Resolved};

pub fn check_state_buckets(model: &Model, out: &mut Vec<Diagnostic>) {
    let envs = &model.environments;
    // Report each conflict once, at the later environment, against the first one it meets. The
    // only candidates are the first environment of each other bucket in the same home and the
    // first of each other home using the same bucket: indexed, so thousands of environments
    // cost a lookup each instead of a scan of all before them.
    let mut buckets_of_home: HashMap<Home<'_>, Vec<(&str, usize)>> = HashMap::new();
    let mut homes_of_bucket: HashMap<&str, Vec<(Home<'_>, usize)>> = HashMap::new();
    for (i, a) in envs.iter().enumerate() {
        let home = home_of(&a.env);
        let bucket = a.env.identity.state.bucket.as_str();
        let same_home = buckets_of_home.get(&home).and_then(|list| list.iter().find(|(b, _)| *b != bucket)).map(|(_, j)| *j);
        let same_bucket = homes_of_bucket.get(bucket).and_then(|list| list.iter().find(|(h, _)| *h != home)).map(|(_, j)| *j);
        if let Some(j) = same_home.into_iter().chain(same_bucket).min()
            && let Some((message, help)) = conflict(a, &envs[j])
        {
            let yaml = KeyPath::root().key("environments").key(&a.env.id.region).key(&a.env.id.name);
            let (key, pos) = model.locator(&a.layered, yaml).locate(&p("state.bucket"));
            out.push(Diagnostic::error("state-bucket-conflict", message).at(key, pos).help(help));
        }
        let list = buckets_of_home.entry(home.clone()).or_default();
        if !list.iter().any(|(b, _)| *b == bucket) {
            list.push((bucket, i));
        }
        let list = homes_of_bucket.entry(bucket).or_default();
        if !list.iter().any(|(h, _)| *h == home) {
            list.push((home, i));
        }
    }
}

/// See [`home_of`].
type Home<'a> = (&'a str, String);

fn conflict(a: &Resolved, b: &Resolved) -> Option<(String, String)> {
    let (ia, ib) = (&a.env.identity, &b.env.identity);
    let (ra, rb) = (state_region(&a.env), state_region(&b.env));
    let home = |id: &crate::resolve::model::Identity, region: &str| format!("account {} in {region}", id.account_id);
    if ia.account_id == ib.account_id && ra == rb && ia.state.bucket != ib.state.bucket {
        Some((
            format!(
                "{} keeps its state in `{}` but {} ({}) in `{}`: each account and region has one state bucket, created by its bootstrap root",
                a.env.id, ia.state.bucket, b.env.id, home(ib, &rb), ib.state.bucket
            ),
            format!("use state.bucket `{}` here too (each environment has its own keys in it), or another state.region", ib.state.bucket),
        ))
    } else if ia.state.bucket == ib.state.bucket && (ia.account_id != ib.account_id || ra != rb) {
        Some((
            format!(
                "`{}` is already the state bucket of {} ({}); S3 bucket names are global, so {} ({}) needs its own",
                ia.state.bucket, b.env.id, home(ib, &rb), a.env.id, home(ia, &ra)
            ),
            format!("name it after its account and region, e.g. `{}-{}`", ia.state.bucket, ra),
        ))
    } else {
        None
    }
}
