//! The tier's cost band against the estimate of each environment: outside it is a warning that
//! names the costliest items, so the band or the sizing gets corrected.

use super::{Check, p};
use crate::cost::{Pricing, estimate};
use crate::resolve::model::Environment;

pub(crate) fn check(env: &Environment, pricing: &Pricing, check: &mut Check<'_>) {
    // A region AWS does not have is already an error; an estimate of $0 there would only add noise.
    if super::catalogue::unknown_region(&env.identity.aws_region).is_some() {
        return;
    }
    let e = estimate(env, pricing);
    if !e.unpriced.is_empty() {
        check.warning(
            p("tier"),
            "unpriced",
            format!("no price for {} in {}: the cost estimate counts them as $0", e.unpriced.join(", "), e.region),
            format!("add them under pricing.regions.{} in the config", e.region),
        );
    }
    if !e.within_band() {
        let largest: Vec<String> = e.largest(3).iter().map(|i| format!("{} ${:.0}", i.item, i.monthly)).collect();
        check.warning(
            p("monthly_cost_usd"),
            "cost-outside-band",
            format!(
                "{} is estimated at ${:.0}/month, outside its tier's band ${}-{}; largest items: {}",
                env.id,
                e.total,
                e.band.min,
                e.band.max,
                largest.join(", ")
            ),
            "resize the tier or correct its monthly_cost_usd band (see `cargo run -- cost`)".into(),
        );
    }
}
