//! Stage 6, write or check: compare emitted files with the output tree.
//!
//! Only files carrying the generated header are ever considered ours: anything else under the
//! output tree is left alone, and a generated path that is occupied by a hand-written file stops
//! the run before anything is written.

mod check;
mod scan;
mod write;

pub use check::{CheckReport, check};
pub use write::{Outcome, write};

use camino::Utf8PathBuf;

/// The directories (relative to the output tree) whose generated files this run owns: files
/// with our header in them that the run does not produce are orphans.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub dirs: Vec<Utf8PathBuf>,
}
