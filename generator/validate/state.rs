//! Checks across environments on where Terraform state lives: each account and region gets one
//! bootstrap root creating one state bucket, and S3 bucket names are global.

use super::p;
use crate::diagnostics::Diagnostic;
use crate::load::path::KeyPath;
use crate::plan::roots::state_region;
use crate::resolve::decode::Locate;
use crate::resolve::{Model, Resolved};

pub fn check_state_buckets(model: &Model, out: &mut Vec<Diagnostic>) {
    let envs = &model.environments;
    for (i, a) in envs.iter().enumerate() {
        // Report each conflict once, at the later environment, against the first one it meets.
        let conflict = envs[..i].iter().find_map(|b| conflict(a, b));
        if let Some((message, help)) = conflict {
            let yaml = KeyPath::root().key("environments").key(&a.env.id.region).key(&a.env.id.name);
            let (key, pos) = model.locator(&a.layered, yaml).locate(&p("state.bucket"));
            out.push(Diagnostic::error("state-bucket-conflict", message).at(key, pos).help(help));
        }
    }
}

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
