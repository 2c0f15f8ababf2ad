//! Optional per-stage wall-clock timings (`SUPABASE_AWS_GEN_TIMINGS=1`), for the benchmark's
//! "where the time goes" table. Off by default; never part of any output file.

use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Timings {
    on: bool,
    stages: Vec<(&'static str, Duration)>,
}

impl Timings {
    pub fn new(on: bool) -> Self {
        Self { on, stages: Vec::new() }
    }

    /// Runs `f`, recording its duration under `name` when timings are on.
    pub fn stage<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        if !self.on {
            return f();
        }
        let start = Instant::now();
        let out = f();
        // A stage run once per chunk of environments is reported once, in total.
        match self.stages.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += start.elapsed(),
            None => self.stages.push((name, start.elapsed())),
        }
        out
    }

    pub fn report(&self) -> Option<String> {
        if !self.on {
            return None;
        }
        let total: Duration = self.stages.iter().map(|(_, d)| *d).sum();
        let mut out = String::from("stage      ms     share\n");
        for (name, d) in &self.stages {
            let share = if total.is_zero() { 0.0 } else { d.as_secs_f64() / total.as_secs_f64() * 100.0 };
            out.push_str(&format!("{name:<9} {:7.2}  {share:5.1}%\n", d.as_secs_f64() * 1000.0));
        }
        out.push_str(&format!("total     {:7.2}\n", total.as_secs_f64() * 1000.0));
        Some(out)
    }
}
