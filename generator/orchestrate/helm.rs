//! The applications step: the Helm releases of the generated runbook (its step 3 and 4), from
//! the same model data (`plan::applications`: releases, charts, repositories, pinned versions),
//! installed with the stock helm into the environment's cluster only (`--kube-context` is the
//! cluster's name, the alias the runbook's `aws eks update-kubeconfig` gives it).
//! Helm has no plan: `plan` lists what `apply` would run.

use std::ffi::OsString;

use super::process::{Failure, Tool, args};
use super::{Mode, Outcome, Request, Status, approved, out, version};
use crate::Error;
use crate::emit::CHART_DIR;
use crate::plan::applications::{self, RELEASE};
use crate::plan::naming::Names;

/// The runbook's "Helm 3".
const HELM_VERSION: &str = ">= 3.0.0, < 4.0.0";

/// The RDS CA bundle the Supabase release verifies the database with (the runbook downloads it;
/// it is never committed).
const CA_BUNDLE_VAR: &str = "SUPABASE_AWS_GEN_RDS_CA_BUNDLE";

pub(crate) struct Releases {
    helm: Tool,
    /// Release name and the `helm` arguments installing it, in install order.
    commands: Vec<(String, Vec<OsString>)>,
}

impl Releases {
    /// # Errors
    /// [`Error::Usage`] when an apply lacks the RDS CA bundle.
    pub fn of(req: &Request) -> Result<Self, Error> {
        let env = &req.env.env;
        let apps = applications::plan(env, Names::for_env(env));
        let dir = req.root.join(apps.dir());
        let context = apps.names.cluster.clone();
        let mut commands = Vec::new();
        for addon in &apps.addons {
            let mut a = args(["upgrade", "--install", addon.release, addon.chart, "--repo", addon.repo_url, "--version", addon.version]);
            a.extend(args(["--namespace", addon.namespace, "--create-namespace", "--kube-context", &context, "--wait", "-f"]));
            a.push(dir.join(format!("{}.values.yaml", addon.release)).into_std_path_buf().into());
            commands.push((addon.release.to_string(), a));
        }
        let bundle = match (req.mode, std::env::var_os(CA_BUNDLE_VAR)) {
            (Mode::Apply { .. }, Some(path)) if std::path::Path::new(&path).is_file() => path,
            (Mode::Apply { .. }, _) => {
                return Err(Error::Usage {
                    message: format!("applying the applications of {} needs the RDS CA bundle, and {CA_BUNDLE_VAR} names no file", env.id),
                    help: format!(
                        "download it (curl -fsS --proto '=https' -o global-bundle.pem https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) and set {CA_BUNDLE_VAR}=global-bundle.pem"
                    ),
                });
            }
            (Mode::Plan, _) => format!("${CA_BUNDLE_VAR}").into(),
        };
        let mut a = args(["upgrade", "--install", RELEASE]);
        a.push(req.root.join(CHART_DIR).into_std_path_buf().into());
        a.extend(args(["--namespace", applications::namespace(), "--create-namespace", "--kube-context", &context, "-f"]));
        a.push(dir.join("supabase.values.yaml").into_std_path_buf().into());
        let mut set_file = OsString::from("database.caBundle=");
        set_file.push(bundle);
        a.extend([OsString::from("--set-file"), set_file]);
        a.extend(args(["--wait", "--timeout", "15m"]));
        commands.push((RELEASE.to_string(), a));
        Ok(Self { helm: Tool::helm(), commands })
    }

    /// `helm version --short` must be a Helm 3.
    pub fn ready(&self) -> Result<(), Failure> {
        let (code, stdout) = self.helm.capture(&args(["version", "--short"]))?;
        let text = String::from_utf8_lossy(&stdout).trim().to_string();
        if code != 0 {
            return Err(Failure(format!("`helm version --short` failed (exit {code}); the applications need Helm {HELM_VERSION}")));
        }
        let parsed = version::Version::parse(&text).ok_or_else(|| Failure(format!("cannot read the helm version `{text}`")))?;
        match version::satisfies(parsed, HELM_VERSION) {
            Ok(true) => Ok(()),
            Ok(false) => Err(Failure(format!("helm {text} does not meet `{HELM_VERSION}`; install Helm 3 (or set {} to one)", self.helm.env_var))),
            Err(m) => Err(Failure(format!("generator bug (please report it): {m}"))),
        }
    }

    fn listing(&self) -> String {
        let mut text = String::new();
        for (_, a) in &self.commands {
            let line: Vec<String> = a.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            text.push_str(&format!("  helm {}\n", line.join(" ")));
        }
        text
    }

    pub fn run(&self, req: &Request) -> Outcome {
        let env = req.env.env.id.to_string();
        let n = self.commands.len();
        let Mode::Apply { auto_approve } = req.mode else {
            out::say(&format!("helm has no plan; apply would run, in this order:\n{}", self.listing()));
            return Outcome { counts: None, result: format!("not planned (helm has no plan; apply upgrades {n} releases)"), status: Status::Clean };
        };
        if !auto_approve {
            out::say(&format!("to run, in this order:\n{}", self.listing()));
            if !approved(&format!("Apply these changes to {env} applications? [y/N] ")) {
                out::warn(&format!("not approved: {env} applications and the layers after it were not applied\n"));
                return Outcome { counts: None, result: "not approved".into(), status: Status::Stop(super::EXIT_DECLINED) };
            }
        }
        for (release, a) in &self.commands {
            out::say(&format!("-- helm upgrade --install {release}\n"));
            match self.helm.status(a) {
                Ok(0) => {}
                Ok(code) => return Outcome::failed(&format!("helm upgrade --install {release} ({env}) failed (exit {code})")),
                Err(Failure(m)) => return Outcome::failed(&m),
            }
        }
        Outcome { counts: None, result: format!("applied ({n} releases)"), status: Status::Clean }
    }
}
