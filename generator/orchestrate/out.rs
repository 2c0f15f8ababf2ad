//! Our own output: progress and the summary on stdout, interleaved with the tools' output,
//! problems and the approval question on stderr. Never panics on a closed pipe (the run keeps
//! its exit code, as `main` does for the generator's own output).

use std::io::Write;

pub fn say(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

pub fn warn(text: &str) {
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush());
}

/// Before a child writes to the same streams: what we printed comes first.
pub fn flush() {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}
