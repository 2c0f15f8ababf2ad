//! Text the CLI prints for `list` and `explain` (built here so tests can snapshot it).

mod explain;
mod list;

pub use explain::explain;
pub use list::list;
