//! Runtime contract of postgres-meta, Studio's database backend, run for real: the npm package
//! `@supabase/postgres-meta` at the version the chart deploys (tools/postgres-meta, installed by
//! scripts/install-postgres-meta.sh), started against an RDS-like cluster after our bootstrap with
//! the connection settings templates/meta/deployment.yaml gives it, and driven over HTTP the way
//! Studio drives it, on PostgreSQL 15 and 17.
//!
//! Facts this encodes (read at the pinned tags; nothing is copied from them):
//! - postgres-meta reads PG_META_HOST, PG_META_PORT, PG_META_DB_HOST, PG_META_DB_PORT,
//!   PG_META_DB_NAME, PG_META_DB_USER, PG_META_DB_PASSWORD, PG_META_DB_SSL_MODE (put into the
//!   default connection string as `sslmode`) and CRYPTO_KEY, and opens a second (admin) listener on
//!   PG_META_PORT + 1 (supabase/postgres-meta@v0.95.2:src/server/constants.ts, src/server/server.ts).
//!   sslmode=verify-full becomes `ssl.rejectUnauthorized = true` (src/lib/db.ts); the CA comes from
//!   NODE_EXTRA_CA_CERTS (the chart mounts the RDS bundle there).
//! - A request carrying `x-connection-encrypted` (a crypto-js AES passphrase encryption of a
//!   connection string under CRYPTO_KEY) runs on that connection instead of the default one
//!   (src/server/routes/index.ts). Self-hosted Studio sends every SQL it runs this way, with
//!   `postgresql://<POSTGRES_USER_READ_WRITE, default supabase_admin>:<POSTGRES_PASSWORD>@host:port/db`
//!   (supabase/supabase apps/studio/lib/api/self-hosted/query.ts, util.ts `getConnectionString`,
//!   constants.ts). That string has no sslmode, so node-postgres falls back to PGSSLMODE, which the
//!   chart sets on the meta pod.
//! - Routes and the SQL they run: POST /tables (CREATE TABLE), PATCH /tables/:id (ENABLE ROW LEVEL
//!   SECURITY), POST /policies (CREATE POLICY: needs ownership of the table), PATCH
//!   /publications/:id with `tables` (ALTER PUBLICATION ... DROP/ADD TABLE: needs ownership of the
//!   publication, and of each table added), POST /triggers (CREATE TRIGGER: needs TRIGGER on the
//!   table), POST /query (any SQL) (src/lib/PostgresMeta{Tables,Policies,Publications,Triggers}.ts,
//!   src/server/routes/query.ts). Errors come back as HTTP 400 with `{"error": ...}`.
//!
//! - Studio runs its read-only queries (the read-only tools of its MCP server) the same way as
//!   POSTGRES_USER_READ_ONLY, default supabase_read_only_user, with the same POSTGRES_PASSWORD
//!   (supabase/supabase#39041 added it; apps/studio/lib/api/self-hosted/util.ts; a stock stack
//!   fails with "password authentication failed for user supabase_read_only_user",
//!   supabase/supabase#39961). In February 2026, a week before the pinned Studio
//!   2026.02.16-sha-26c615c, constants.ts defaulted POSTGRES_USER_READ_WRITE to supabase_admin
//!   (supabase/cli#4828 cites it at supabase/supabase@18cc6f8f); later releases default it to
//!   postgres (supabase/supabase#47022), so the chart sets both users explicitly.
//!
//! supabase_admin is not a superuser on RDS; the bootstrap makes these work with the least it
//! needs (files/bootstrap.sql sections 2 and 9): membership in supabase_auth_admin and
//! supabase_storage_admin (the owners of auth.users and storage.objects) and ownership of the
//! publication supabase_realtime. Section 9b creates supabase_read_only_user: supabase_admin's
//! password, read-only transactions, SELECT on Studio's and the services' tables.

use crate::common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::pg::{self, Cluster};
use serde_json::{Value, json};

/// The key Studio's PG_META_CRYPTO_KEY and postgres-meta's CRYPTO_KEY share (the chart feeds both
/// from one secret).
const CRYPTO_KEY: &str = "contract-test-crypto-key-0123456789";

fn meta_package() -> PathBuf {
    common::repo()
        .join(".cache/postgres-meta/node_modules/@supabase/postgres-meta")
        .into_std_path_buf()
}

/// node and the installed package, or a loud skip (a failure under REQUIRE_TOOLS).
fn tools_present() -> bool {
    if !common::tool("node") {
        return false;
    }
    let server = meta_package().join("dist/server/server.js");
    if !server.is_file() {
        common::missing(
            "@supabase/postgres-meta",
            "installed in .cache/postgres-meta (run scripts/install-postgres-meta.sh)",
        );
        return false;
    }
    true
}

/// A port p such that p and p + 1 (postgres-meta's admin listener) are both free.
fn free_port_pair() -> u16 {
    for _ in 0..50 {
        let first = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = first.local_addr().unwrap().port();
        if port < u16::MAX && TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two consecutive free ports on 127.0.0.1");
}

/// The running server; killed on drop, also when the test panics.
struct Meta {
    child: Child,
    port: u16,
    log: PathBuf,
    /// Scrubbed from the log before it is shown.
    secret: String,
    _dir: common::TempDir,
}

impl Meta {
    /// Starts postgres-meta with the environment templates/meta/deployment.yaml gives it: the
    /// default connection is supabase_admin over TLS with sslmode verify-full, the server's CA
    /// trusted through NODE_EXTRA_CA_CERTS (the RDS bundle's place in the chart).
    fn start(db: &Cluster, admin_password: &str) -> Meta {
        let dir = common::TempDir::new("meta");
        let log = dir.path().join("meta.log").into_std_path_buf();
        let out = std::fs::File::create(&log).unwrap();
        let port = free_port_pair();
        let child = Command::new("node")
            .arg(meta_package().join("dist/server/server.js"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PG_META_HOST", "127.0.0.1")
            .env("PG_META_PORT", port.to_string())
            .env("PG_META_DB_HOST", "localhost")
            .env("PG_META_DB_PORT", db.port().to_string())
            .env("PG_META_DB_NAME", pg::DATABASE)
            .env("PG_META_DB_USER", "supabase_admin")
            .env("PG_META_DB_PASSWORD", admin_password)
            .env("PG_META_DB_SSL_MODE", "verify-full")
            .env("PGSSLMODE", "verify-full")
            .env("NODE_EXTRA_CA_CERTS", db.ca_file())
            .env("CRYPTO_KEY", CRYPTO_KEY)
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("start node");
        let mut meta = Meta {
            child,
            port,
            log,
            secret: admin_password.to_string(),
            _dir: dir,
        };
        meta.wait_ready();
        meta
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .replace(&self.secret, "***")
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "postgres-meta exited ({status}) before it was ready:\n{}",
                    self.log()
                );
            }
            if let Ok((200, _)) = http(self.port, "GET", "/health", &[], None) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres-meta not ready after 60 s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// A request as Studio sends it (`x-connection-encrypted` when `conn` is given); asserts
    /// `expected` status and returns the JSON body.
    fn call(
        &self,
        conn: Option<&str>,
        method: &str,
        path: &str,
        body: Option<Value>,
        expected: u16,
    ) -> Value {
        let headers: Vec<(&str, &str)> = conn
            .map(|c| ("x-connection-encrypted", c))
            .into_iter()
            .collect();
        let (status, text) = http(self.port, method, path, &headers, body.as_ref())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\n{}", self.log()));
        assert_eq!(
            status,
            expected,
            "{method} {path} {}: HTTP {status} {}",
            body.map(|b| b.to_string()).unwrap_or_default(),
            text.replace(&self.secret, "***")
        );
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
    }

    /// POST /query as Studio's SQL editor; the rows.
    fn query(&self, conn: Option<&str>, sql: &str) -> Vec<Value> {
        match self.call(conn, "POST", "/query", Some(json!({ "query": sql })), 200) {
            Value::Array(rows) => rows,
            other => panic!("POST /query {sql}: expected rows, got {other}"),
        }
    }
}

impl Drop for Meta {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request with `Connection: close`; (status, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(90)))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nAccept: application/json\r\n"
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if body.is_some() {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            payload.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(&payload);
    stream.write_all(request.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("malformed response: {text:?}")))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {head:?}")))?;
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:")
            && l.to_ascii_lowercase().contains("chunked")
    });
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// What Studio puts in `x-connection-encrypted`: crypto-js AES (passphrase mode) of the connection
/// string under the shared key, computed with the crypto-js that postgres-meta itself decrypts
/// with. The connection string travels in the environment, never on a command line.
fn studio_connection(db: &Cluster, user: &str, password: &str) -> String {
    let crypto_js = meta_package().join("../../crypto-js");
    let out = Command::new("node")
        .args([
            "-e",
            "process.stdout.write(require(process.argv[1]).AES.encrypt(process.env.CONN, process.env.KEY).toString())",
        ])
        .arg(crypto_js.canonicalize().unwrap_or(crypto_js))
        .env("CONN", format!("postgresql://{user}:{password}@localhost:{}/{}", db.port(), pg::DATABASE))
        .env("KEY", CRYPTO_KEY)
        .stdin(Stdio::null())
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "crypto-js encryption failed: {}",
        common::stderr(&out)
    );
    common::stdout(&out)
}

/// The services' own tables, created as the services' roles (after the bootstrap, as at run
/// time), shaped like the real ones where Studio's actions touch them:
/// - auth.users, owned by supabase_auth_admin (GoTrue's migrations run as it;
///   supabase/auth@v2.186.0:migrations/00_init_auth_schema.up.sql creates `users` with uuid `id`,
///   `email`, `raw_user_meta_data`, `created_at`);
/// - storage.objects, owned by supabase_storage_admin with row-level security enabled
///   (supabase/storage@v1.44.2:migrations/tenant/0002-storage-schema.sql).
fn simulate_services(db: &Cluster, pw: &pg::Passwords) {
    db.sql_as(
        "supabase_auth_admin",
        Some(pw.get("supabase_auth_admin")),
        "CREATE TABLE auth.users (
           instance_id uuid, id uuid NOT NULL PRIMARY KEY, aud varchar(255), role varchar(255),
           email varchar(255) UNIQUE, raw_app_meta_data jsonb, raw_user_meta_data jsonb,
           created_at timestamptz DEFAULT now());
         INSERT INTO auth.users (id, email, raw_user_meta_data) VALUES
           ('00000000-0000-0000-0000-0000000000a1', 'ada@example.com', '{\"name\": \"Ada\"}'),
           ('00000000-0000-0000-0000-0000000000b2', 'bob@example.com', '{}');",
    );
    db.sql_as(
        "supabase_storage_admin",
        Some(pw.get("supabase_storage_admin")),
        "CREATE TABLE storage.buckets (id text PRIMARY KEY, name text NOT NULL, owner uuid, public boolean DEFAULT false);
         CREATE TABLE storage.objects (
           id uuid PRIMARY KEY DEFAULT gen_random_uuid(), bucket_id text REFERENCES storage.buckets (id),
           name text, owner uuid, metadata jsonb, created_at timestamptz DEFAULT now());
         ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
         ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;",
    );
}

/// The settings `Meta::start` and `studio_connection` use are the chart's: the env vars of
/// templates/meta/deployment.yaml and templates/studio/deployment.yaml, and sslmode verify-full in
/// every environment's values.
#[test]
fn the_test_uses_the_connection_settings_the_chart_gives() {
    let chart = common::repo().join("helm-charts/supabase-custom");
    let meta = common::read(&chart.join("templates/meta/deployment.yaml"));
    for name in [
        "PG_META_HOST",
        "PG_META_PORT",
        "PG_META_DB_HOST",
        "PG_META_DB_PORT",
        "PG_META_DB_NAME",
        "PG_META_DB_PASSWORD",
        "PG_META_DB_SSL_MODE",
        "PGSSLMODE",
        "NODE_EXTRA_CA_CERTS",
        "\"CRYPTO_KEY\"",
    ] {
        assert!(
            meta.contains(name),
            "templates/meta/deployment.yaml does not set {name}"
        );
    }
    let compact = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(compact(&meta).contains("- name: PG_META_DB_USER value: supabase_admin"));
    let studio = compact(&common::read(
        &chart.join("templates/studio/deployment.yaml"),
    ));
    for setting in [
        "- name: POSTGRES_USER_READ_WRITE value: supabase_admin",
        "- name: POSTGRES_USER_READ_ONLY value: supabase_read_only_user",
    ] {
        assert!(
            studio.contains(setting),
            "templates/studio/deployment.yaml lacks `{setting}`"
        );
    }
    // Studio's password is the supabase-admin secret, the same as postgres-meta's.
    assert!(studio.contains("(list \"POSTGRES_PASSWORD\" $dbPasswords \"supabase-admin\")"));
    assert!(
        compact(&meta).contains("(list \"PG_META_DB_PASSWORD\" $dbPasswords \"supabase-admin\")")
    );

    let values: Vec<_> = std::fs::read_dir(common::repo().join("out/environments"))
        .unwrap()
        .flatten()
        .flat_map(|region| std::fs::read_dir(region.path()).unwrap().flatten())
        .map(|env| env.path().join("applications/supabase.values.yaml"))
        .filter(|path| path.is_file())
        .collect();
    assert!(
        !values.is_empty(),
        "no rendered environments in out/environments"
    );
    for path in values {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("sslMode: verify-full"),
            "{} does not use sslmode verify-full",
            path.display()
        );
    }
}

#[test]
fn studio_admin_actions_through_the_real_postgres_meta() {
    if !tools_present() {
        return;
    }
    pg::for_each(|db| {
        let pw = db.bootstrap();
        simulate_services(db, &pw);
        let admin_pw = pw.get("supabase_admin");
        let meta = Meta::start(db, admin_pw);
        // Studio's read-write connection: POSTGRES_USER_READ_WRITE (default supabase_admin, which
        // the chart keeps) with POSTGRES_PASSWORD (the supabase-admin secret).
        let studio = studio_connection(db, "supabase_admin", admin_pw);
        let rw = Some(studio.as_str());

        // The default connection (PG_META_DB_*, sslmode verify-full) and Studio's (PGSSLMODE) both
        // reach the database as supabase_admin over TLS. (The cluster refuses TCP without TLS.)
        for conn in [None, rw] {
            let rows = meta.query(
                conn,
                "SELECT current_user AS who, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls",
            );
            assert_eq!(
                rows,
                vec![json!({ "who": "supabase_admin", "tls": true })],
                "connection {conn:?}"
            );
        }

        // Table editor: create a table, give it columns, enable RLS.
        let table = meta.call(
            rw,
            "POST",
            "/tables",
            Some(json!({ "name": "notes", "schema": "public" })),
            200,
        );
        assert_eq!(
            (table["schema"].as_str(), table["name"].as_str()),
            (Some("public"), Some("notes"))
        );
        let table_id = table["id"].as_u64().expect("table id");
        meta.query(
            rw,
            "ALTER TABLE public.notes ADD COLUMN id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ADD COLUMN body text",
        );
        let table = meta.call(
            rw,
            "PATCH",
            &format!("/tables/{table_id}"),
            Some(json!({ "rls_enabled": true })),
            200,
        );
        assert_eq!(table["rls_enabled"], json!(true), "{table}");

        // Storage > Policies: a policy on storage.objects (owned by supabase_storage_admin).
        let policy = meta.call(
            rw,
            "POST",
            "/policies",
            Some(json!({
                "name": "avatars are readable by signed-in users",
                "schema": "storage",
                "table": "objects",
                "action": "PERMISSIVE",
                "command": "SELECT",
                "roles": ["authenticated"],
                "definition": "bucket_id = 'avatars'"
            })),
            200,
        );
        assert_eq!(
            (policy["schema"].as_str(), policy["table"].as_str()),
            (Some("storage"), Some("objects")),
            "{policy}"
        );
        assert!(db.truthy(
            "SELECT EXISTS (SELECT FROM pg_policies WHERE schemaname = 'storage' AND tablename = 'objects'
                            AND policyname = 'avatars are readable by signed-in users')"
        ));

        // Database > Publications: enable Realtime on the table.
        let publications = meta.call(rw, "GET", "/publications", None, 200);
        let realtime = publications
            .as_array()
            .and_then(|all| all.iter().find(|p| p["name"] == "supabase_realtime"))
            .unwrap_or_else(|| panic!("no supabase_realtime in {publications}"));
        let id = realtime["id"].as_u64().expect("publication id");
        let updated = meta.call(
            rw,
            "PATCH",
            &format!("/publications/{id}"),
            Some(json!({ "tables": ["public.notes"] })),
            200,
        );
        assert!(updated["tables"].to_string().contains("notes"), "{updated}");
        assert!(db.truthy(
            "SELECT EXISTS (SELECT FROM pg_publication_tables
                            WHERE pubname = 'supabase_realtime' AND schemaname = 'public' AND tablename = 'notes')"
        ));

        // Table editor / SQL editor on the auth schema: the rows of auth.users.
        let users = meta.query(
            rw,
            "SELECT email, raw_user_meta_data ->> 'name' AS name FROM auth.users ORDER BY email",
        );
        assert_eq!(
            users,
            vec![
                json!({ "email": "ada@example.com", "name": "Ada" }),
                json!({ "email": "bob@example.com", "name": null })
            ]
        );

        // The usual "profile per user" setup: a function in public and a trigger on auth.users.
        meta.query(
            rw,
            "CREATE TABLE public.profiles (id uuid PRIMARY KEY, email text);
             CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
             AS $$ BEGIN INSERT INTO public.profiles (id, email) VALUES (new.id, new.email); RETURN new; END $$;",
        );
        let trigger = meta.call(
            rw,
            "POST",
            "/triggers",
            Some(json!({
                "name": "on_auth_user_created",
                "schema": "auth",
                "table": "users",
                "function_schema": "public",
                "function_name": "handle_new_user",
                "activation": "AFTER",
                "events": ["INSERT"],
                "orientation": "ROW"
            })),
            200,
        );
        assert_eq!(
            (trigger["schema"].as_str(), trigger["table"].as_str()),
            (Some("auth"), Some("users")),
            "{trigger}"
        );
        // GoTrue (supabase_auth_admin) signs a user up: the trigger fires.
        db.sql_as(
            "supabase_auth_admin",
            Some(pw.get("supabase_auth_admin")),
            "INSERT INTO auth.users (id, email) VALUES ('00000000-0000-0000-0000-0000000000c3', 'cy@example.com')",
        );
        assert_eq!(
            meta.query(rw, "SELECT email FROM public.profiles"),
            vec![json!({ "email": "cy@example.com" })]
        );

        // SQL editor: a query that reads what the actions above made.
        let rows = meta.query(
            rw,
            "SELECT c.relrowsecurity AS rls, pg_get_userbyid(c.relowner) AS owner,
                    (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = 'auth.users'::regclass AND NOT t.tgisinternal) AS triggers
             FROM pg_class c WHERE c.oid = 'public.notes'::regclass",
        );
        assert_eq!(
            rows,
            vec![json!({ "rls": true, "owner": "supabase_admin", "triggers": 1 })]
        );

        // Studio's read-only connection (its MCP server's read-only tools): POSTGRES_USER_READ_ONLY,
        // which the chart sets to supabase_read_only_user, with the same POSTGRES_PASSWORD. It reads
        // Studio's tables and auth.users, and cannot write, not even in a read-write transaction.
        let studio_ro = studio_connection(db, "supabase_read_only_user", admin_pw);
        let ro = Some(studio_ro.as_str());
        assert_eq!(
            meta.query(ro, "SELECT current_user AS who, current_setting('transaction_read_only') AS ro, email FROM public.profiles"),
            vec![json!({ "who": "supabase_read_only_user", "ro": "on", "email": "cy@example.com" })]
        );
        assert_eq!(
            meta.query(ro, "SELECT count(*) AS users FROM auth.users"),
            vec![json!({ "users": 3 })]
        );
        let tables = meta.call(ro, "GET", "/tables?included_schemas=public", None, 200);
        assert!(tables.to_string().contains("\"notes\""), "{tables}");
        let refused = meta.call(
            ro,
            "POST",
            "/query",
            Some(json!({ "query": "INSERT INTO public.profiles (id) VALUES (gen_random_uuid())" })),
            400,
        );
        assert!(
            refused.to_string().contains("read-only transaction"),
            "{refused}"
        );
        let refused = meta.call(
            ro,
            "POST",
            "/query",
            Some(json!({ "query": "BEGIN READ WRITE; INSERT INTO public.profiles (id) VALUES (gen_random_uuid()); COMMIT" })),
            400,
        );
        assert!(
            refused
                .to_string()
                .contains("permission denied for table profiles"),
            "{refused}"
        );

        drop(meta);

        // The bootstrap Job runs again on every upgrade: it changes nothing Studio or the services
        // made (the publication keeps its table, the policy and the trigger stay).
        db.run_bootstrap(&pw);
        assert_eq!(
            db.sql(
                "SELECT pubowner::regrole || ':' || (SELECT string_agg(schemaname || '.' || tablename, ',')
                                                     FROM pg_publication_tables WHERE pubname = 'supabase_realtime')
                        || ':' || (SELECT count(*) FROM pg_policies WHERE schemaname = 'storage' AND tablename = 'objects')
                        || ':' || (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass AND NOT tgisinternal)
                 FROM pg_publication WHERE pubname = 'supabase_realtime'"
            ),
            "supabase_admin:public.notes:1:1"
        );
        // Studio's actions left the services' objects with their owners.
        assert_eq!(
            db.sql("SELECT string_agg(c.oid::regclass || '=' || pg_get_userbyid(c.relowner), ',' ORDER BY c.oid::regclass::text)
                    FROM pg_class c WHERE c.oid IN ('auth.users'::regclass, 'storage.objects'::regclass)"),
            "auth.users=supabase_auth_admin,storage.objects=supabase_storage_admin"
        );
    });
}

/// Upgrades: an earlier bootstrap left supabase_realtime owned by the master, maybe with tables
/// in it. The bootstrap hands it to supabase_admin with its tables (never drops or recreates it);
/// where it cannot (a FOR ALL TABLES publication must belong to a superuser), the Job fails and
/// says what to do.
#[test]
fn an_existing_publication_is_handed_to_supabase_admin_with_its_tables() {
    pg::for_each(|db| {
        db.sql_as(
            pg::MASTER,
            None,
            "CREATE TABLE public.legacy (id int PRIMARY KEY);
             CREATE PUBLICATION supabase_realtime FOR TABLE public.legacy;",
        );
        let oid = db.sql("SELECT oid FROM pg_publication WHERE pubname = 'supabase_realtime'");
        db.bootstrap();
        assert_eq!(
            db.sql(
                "SELECT oid || ' ' || pubowner::regrole || ' ' || (SELECT string_agg(tablename, ',') FROM pg_publication_tables
                                                                     WHERE pubname = 'supabase_realtime')
                 FROM pg_publication WHERE pubname = 'supabase_realtime'"
            ),
            format!("{oid} supabase_admin legacy")
        );

        db.sql("DROP PUBLICATION supabase_realtime; CREATE PUBLICATION supabase_realtime FOR ALL TABLES;");
        let out = db.try_bootstrap(&pg::Passwords::new("Again"));
        let stderr = common::stderr(&out);
        assert!(
            !out.status.success(),
            "the bootstrap accepted a FOR ALL TABLES publication it cannot hand over"
        );
        assert!(
            stderr.contains("may not hand publication supabase_realtime")
                && stderr.contains("HINT"),
            "{stderr}"
        );
    });
}
