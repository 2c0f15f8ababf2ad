//! Running the stock tools (terraform, helm) as child processes: their output streams through
//! unchanged, they never read our stdin (`TF_INPUT=0`), and a tool that cannot be started is a
//! clear message, never a panic.

use std::ffi::OsString;
use std::process::{Command, Stdio};

use super::out;

/// A tool picked by an environment variable (tests point it at a fake), else found on PATH.
#[derive(Clone, Debug)]
pub struct Tool {
    pub name: &'static str,
    pub program: OsString,
    pub env_var: &'static str,
}

/// Why a tool run did not produce an exit code we can read: the message says what to do.
#[derive(Debug)]
pub struct Failure(pub String);

impl Tool {
    pub fn terraform() -> Self {
        Self::from_env("terraform", "SUPABASE_AWS_GEN_TERRAFORM")
    }

    pub fn helm() -> Self {
        Self::from_env("helm", "SUPABASE_AWS_GEN_HELM")
    }

    fn from_env(name: &'static str, env_var: &'static str) -> Self {
        let program = std::env::var_os(env_var).filter(|p| !p.is_empty()).unwrap_or_else(|| name.into());
        Self { name, program, env_var }
    }

    fn command(&self, args: &[OsString]) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(args).env("TF_IN_AUTOMATION", "1").env("TF_INPUT", "0").stdin(Stdio::null());
        cmd
    }

    fn spawn_failure(&self, err: &std::io::Error) -> Failure {
        let program = self.program.to_string_lossy();
        if err.kind() == std::io::ErrorKind::NotFound {
            Failure(format!(
                "{} not found (`{program}`); install it, or set {} to its path",
                self.name, self.env_var
            ))
        } else {
            Failure(format!("cannot run {} (`{program}`): {err}", self.name))
        }
    }

    /// Runs with stdout and stderr streaming through; returns the exit code.
    pub fn status(&self, args: &[OsString]) -> Result<i32, Failure> {
        out::flush();
        let status = self.command(args).status().map_err(|e| self.spawn_failure(&e))?;
        status.code().ok_or_else(|| Failure(format!("{} was stopped by a signal ({status})", self.name)))
    }

    /// Runs with stdout captured (never printed: `show -json` holds values) and stderr streaming.
    pub fn capture(&self, args: &[OsString]) -> Result<(i32, Vec<u8>), Failure> {
        out::flush();
        let output = self.command(args).stderr(Stdio::inherit()).output().map_err(|e| self.spawn_failure(&e))?;
        let code = output.status.code().ok_or_else(|| Failure(format!("{} was stopped by a signal ({})", self.name, output.status)))?;
        Ok((code, output.stdout))
    }
}

/// Builds an argument list from string-like parts.
pub fn args<I, S>(parts: I) -> Vec<OsString>
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    parts.into_iter().map(Into::into).collect()
}
