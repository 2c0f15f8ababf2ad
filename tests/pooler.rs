//! The pooler's (Supavisor's) start-up scripts in the chart, run for real:
//! - `files/pooler-tenant.exs` with the Elixir runtime against stand-ins of the Supavisor
//!   functions it calls (tests/pooler/tenant_harness.exs, each stand-in citing
//!   supabase/supavisor@v2.7.4), so what it writes into the tenant is checked, and a call to
//!   anything Supavisor does not have fails;
//! - `files/pooler-upstream-ca.sh` against a real PostgreSQL with TLS (the RDS-like cluster of
//!   `common::pg`), with CA bundles that do and do not hold the database's CA.
//!
//! Elixir comes from Debian (package elixir; `.ci/run` installs it); psql and PostgreSQL as for
//! the contract tests. Missing tools skip loudly, and fail under `REQUIRE_TOOLS=1`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::pg;

const PASSWORD: &str = "Q7rk2ZfW9pLx4Nc8Vb1Hs6Tj3Ym5Ge0U";

/// Runs the tenant script through the harness with the pod's environment plus `extra`; the
/// `key=value` lines it prints. None without elixir.
fn run_tenant_script(dir: &Path, ca: &Path, extra: &[(&str, &str)]) -> Option<BTreeMap<String, String>> {
    if !common::tool("elixir") {
        return None;
    }
    let repo = common::repo();
    let mut cmd = Command::new("elixir");
    cmd.arg(repo.join("tests/pooler/tenant_harness.exs"))
        .current_dir(dir)
        .env("TENANT_SCRIPT", repo.join("helm-charts/supabase-custom/files/pooler-tenant.exs"))
        .env("POOLER_TENANT_ID", "supabase-ireland-staging")
        .env("POOLER_DB_HOST", "db.example.eu-west-1.rds.amazonaws.com")
        .env("POOLER_DB_PORT", "5432")
        .env("POOLER_DB_NAME", "postgres")
        .env("POOLER_ROLES", "supabase_admin,supabase_read_only_user")
        .env("POOLER_ROLE_PASSWORD", PASSWORD)
        .env("POOLER_POOL_SIZE", "10")
        .env("POOLER_MAX_CLIENTS", "200")
        .env("POOLER_ALLOW_LIST", "10.1.0.0/16")
        .env("POOLER_UPSTREAM_CA", ca);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run elixir");
    let stdout = common::stdout(&out);
    assert!(out.status.success(), "the harness failed:\n{stdout}\n{}", common::stderr(&out));
    // The script's own line (before the harness's report) names no secret.
    let own = stdout.lines().take_while(|l| !l.starts_with("result=")).collect::<Vec<_>>().join("\n");
    assert!(!own.contains(PASSWORD), "the tenant script printed the password:\n{own}");
    Some(
        stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

/// A throwaway self-signed CA certificate (PEM) in `dir`.
fn self_signed(dir: &Path, name: &str) -> std::path::PathBuf {
    let (key, cert) = (dir.join(format!("{name}.key")), dir.join(format!("{name}.pem")));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj"])
        .arg(format!("/CN={name}"))
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(out.status.success(), "openssl: {}", common::stderr(&out));
    cert
}

#[test]
fn the_tenant_lists_each_pooled_role_with_its_password_over_verified_tls() {
    let dir = common::TempDir::new("pooler-tenant");
    let ca = self_signed(dir.path().as_std_path(), "rds-root");
    let Some(seen) = run_tenant_script(dir.path().as_std_path(), &ca, &[]) else { return };
    assert_eq!(seen["result"], "ok", "{seen:#?}");
    // A new tenant is created, under the advisory lock, inside the transaction.
    let calls: Vec<&str> = seen.iter().filter(|(k, _)| k.starts_with("call.")).map(|(_, v)| v.as_str()).collect();
    let position = |what: &str| calls.iter().position(|c| c.starts_with(what)).unwrap_or_else(|| panic!("no {what} in {calls:?}"));
    assert!(position("begin") < position("query SELECT pg_advisory_xact_lock"), "{calls:?}");
    assert!(position("query SELECT pg_advisory_xact_lock") < position("get supabase-ireland-staging"), "{calls:?}");
    assert!(position("get ") < position("create") && position("create") < position("commit"), "{calls:?}");
    // RDS hides password hashes from every role (no auth_query): each role with its password.
    assert_eq!(seen["tenant.require_user"], "true");
    assert_eq!(seen["tenant.auth_query"], "nil");
    assert_eq!(seen["tenant.external_id"], "supabase-ireland-staging");
    assert_eq!(seen["tenant.db_host"], "db.example.eu-west-1.rds.amazonaws.com");
    assert_eq!(seen["tenant.db_port"], "5432");
    assert_eq!(seen["tenant.default_parameter_status"], r#"%{"server_version" => "17.6"}"#);
    assert_eq!(seen["tenant.allow_list"], r#"["10.1.0.0/16"]"#);
    // TLS to the database, the chain checked against the one CA given (as DER).
    assert_eq!(seen["tenant.upstream_ssl"], "true");
    assert_eq!(seen["tenant.upstream_verify"], "peer");
    let der = Command::new("openssl").args(["x509", "-outform", "DER", "-in"]).arg(&ca).output().unwrap().stdout;
    assert_eq!(seen["tenant.upstream_tls_ca"], format!("<{} bytes>", der.len()));
    for (i, role) in ["supabase_admin", "supabase_read_only_user"].iter().enumerate() {
        assert_eq!(seen[&format!("user.{i}.db_user")], *role);
        assert_eq!(seen[&format!("user.{i}.db_user_alias")], *role);
        assert_eq!(seen[&format!("user.{i}.db_password")], PASSWORD);
        assert_eq!(seen[&format!("user.{i}.mode_type")], "transaction");
        assert_eq!(seen[&format!("user.{i}.pool_size")], "10");
        assert_eq!(seen[&format!("user.{i}.max_clients")], "200");
    }
    assert!(!seen.contains_key("user.2.db_user"), "a role is listed twice: {seen:#?}");
}

#[test]
fn an_existing_tenant_is_updated_and_a_refused_one_fails_the_pod() {
    let dir = common::TempDir::new("pooler-tenant-update");
    let ca = self_signed(dir.path().as_std_path(), "rds-root");
    let Some(seen) = run_tenant_script(dir.path().as_std_path(), &ca, &[("STUB_EXISTING", "1")]) else { return };
    assert_eq!(seen["result"], "ok");
    assert!(seen.values().any(|v| v == "update") && !seen.values().any(|v| v == "create"), "{seen:#?}");

    let Some(seen) = run_tenant_script(dir.path().as_std_path(), &ca, &[("STUB_INVALID", "1")]) else { return };
    assert_eq!(seen["result"], "raised pooler tenant supabase-ireland-staging was not written: external_id has already been taken");
    assert!(seen.values().any(|v| v == "rollback"), "{seen:#?}");
    assert!(!seen["result"].contains(PASSWORD));
}

#[test]
fn a_bundle_of_several_certificates_is_refused_rather_than_half_used() {
    let dir = common::TempDir::new("pooler-tenant-bundle");
    let a = self_signed(dir.path().as_std_path(), "one");
    let b = self_signed(dir.path().as_std_path(), "two");
    let bundle = dir.path().as_std_path().join("bundle.pem");
    std::fs::write(&bundle, [std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap()].concat()).unwrap();
    let Some(seen) = run_tenant_script(dir.path().as_std_path(), &bundle, &[]) else { return };
    assert_eq!(seen["result"], "raised POOLER_UPSTREAM_CA must hold exactly one PEM certificate (invalid_certificate)");
    assert!(!seen.values().any(|v| v == "create" || v == "update"), "{seen:#?}");
}

// ------------------------------------------------------------------------------ upstream CA

/// Runs pooler-upstream-ca.sh as the init container does, logging in as `user`.
fn pick_ca(db: &pg::Cluster, bundle: &Path, out: &Path, user: &str, password: &str) -> std::process::Output {
    let script = common::repo().join("helm-charts/supabase-custom/files/pooler-upstream-ca.sh");
    Command::new("sh")
        .arg(script)
        .arg(bundle)
        .arg(out)
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", db.port().to_string())
        .env("PGDATABASE", pg::DATABASE)
        .env("PGUSER", user)
        .env("PGPASSWORD", password)
        .env_remove("PGSSLMODE")
        .env_remove("PGSSLROOTCERT")
        .output()
        .expect("run sh")
}

/// Supavisor trusts one certificate (supabase/supavisor@v2.7.4:lib/supavisor/helpers.ex
/// cert_to_bin) and checks the chain only: the script must find, in a bundle of many, the one the
/// database's certificate verifies against, and fail loudly when there is none.
#[test]
fn the_upstream_ca_is_the_one_bundle_certificate_the_database_verifies_against() {
    pg::for_each(|db| {
        let dir = common::TempDir::new("pooler-ca");
        let d = dir.path().as_std_path();
        db.sql(&format!("CREATE ROLE pooler_ca_check LOGIN PASSWORD '{PASSWORD}'"));
        let decoys: Vec<Vec<u8>> = ["decoy-a", "decoy-b"].iter().map(|n| std::fs::read(self_signed(d, n)).unwrap()).collect();
        let real = std::fs::read(db.ca_file()).unwrap();

        let bundle = d.join("bundle.pem");
        std::fs::write(&bundle, [decoys[0].clone(), real.clone(), decoys[1].clone()].concat()).unwrap();
        let out = d.join("upstream-ca.pem");
        let run = pick_ca(db, &bundle, &out, "pooler_ca_check", PASSWORD);
        assert!(run.status.success(), "{}", common::stderr(&run));
        assert_eq!(common::stdout(&run).trim(), "upstream CA: certificate 2 of the bundle verifies the database's chain");
        assert_eq!(std::fs::read(&out).unwrap(), real, "the picked file is not exactly the database's CA");

        // No certificate of the bundle fits: the pod fails with a reason, and writes nothing.
        let only_decoys = d.join("decoys.pem");
        std::fs::write(&only_decoys, decoys.concat()).unwrap();
        let none = d.join("none.pem");
        let run = pick_ca(db, &only_decoys, &none, "pooler_ca_check", PASSWORD);
        assert!(!run.status.success());
        let error = common::stderr(&run);
        assert!(error.contains("none of the 2 certificates") && error.contains("certificate verify failed"), "{error}");
        assert!(!none.exists());

        // A wrong password fails too, at the first certificate that gets past TLS, and says why.
        let real_first = d.join("real-first.pem");
        std::fs::write(&real_first, [real.clone(), decoys.concat()].concat()).unwrap();
        let run = pick_ca(db, &real_first, &none, "pooler_ca_check", "wrong-password-0000");
        assert!(!run.status.success());
        let error = common::stderr(&run);
        assert!(error.contains("with certificate 1 of") && error.contains("password authentication failed"), "{error}");
        assert!(!error.contains(PASSWORD) && !none.exists());
    });
}
