//! PostgREST's runtime contract with the database (PostgREST/postgrest@v14.5), and the two
//! bootstrap guarantees it depends on: `service_role` bypasses row-level security, and DDL makes
//! the database tell PostgREST to reload its schema cache. On an RDS-like cluster after our
//! bootstrap, on every PostgreSQL major we deploy (`common::pg`).
//!
//! PostgREST logs in as `authenticator` (PGRST_DB_URI in the chart, TLS verified against the CA),
//! reads its in-database configuration and the settings of the roles it may switch to
//! (src/PostgREST/Config/Database.hs), LISTENs on channel `pgrst` (src/PostgREST/Listener.hs,
//! default db-channel in src/PostgREST/Config.hs) and, per request, in one transaction sets the
//! search path, the target role's settings, `role`, `request.jwt.claims`, `request.method`,
//! `request.path`, `request.headers`, `request.cookies` and app settings with `set_config(...,
//! true)` before running the query (src/PostgREST/Query/PreQuery.hs, txVarQuery). The statements
//! below are ours; they perform the same operations.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::pg::{
    self, API_ROLES, Cluster, DATABASE, MASTER, PGRST_EVENT_TRIGGERS, Passwords,
};

/// psql over TCP with TLS verified against the cluster's CA, as PostgREST connects.
fn tls_sql(db: &Cluster, user: &str, password: &str, sql: &str) -> String {
    let out = Command::new(&db.install.psql)
        .env("PGPASSWORD", password)
        .env("PGCONNECT_TIMEOUT", "10")
        .stdin(Stdio::null())
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .arg(format!(
            "host=localhost port={} dbname={DATABASE} user={user} sslmode=verify-full sslrootcert={}",
            db.port(),
            db.ca_file().display()
        ))
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "psql over TLS as {user} failed on\n{sql}\n{}",
        common::stderr(&out)
    );
    common::stdout(&out).trim_end().to_string()
}

/// One PostgREST request as `role` with JWT claims `claims`: txVarQuery's settings, then `query`.
fn request(role: &str, claims: &str, query: &str) -> String {
    // The role settings PostgREST read at start-up are applied before the role switch.
    let timeout = match role {
        "anon" => "3s",
        "authenticated" => "8s",
        _ => "0",
    };
    format!(
        "BEGIN ISOLATION LEVEL READ COMMITTED;
         SELECT set_config('search_path', '\"public\", \"public\", \"extensions\"', true),
                set_config('statement_timeout', '{timeout}', true),
                set_config('role', '{role}', true),
                set_config('request.jwt.claims', '{claims}', true),
                set_config('request.method', 'GET', true),
                set_config('request.path', '/notes', true),
                set_config('request.headers', '{{\"accept\":\"application/json\"}}', true),
                set_config('request.cookies', '{{}}', true),
                set_config('app.settings.jwt_exp', '3600', true);
         {query}
         COMMIT;"
    )
}

#[test]
fn postgrest_logs_in_and_serves_requests_as_the_jwt_role() {
    pg::for_each(|db| {
        let set = db.bootstrap();
        let pw = set.get("authenticator");

        // A table as a user creates it in Studio (supabase_admin): RLS on, one policy for
        // authenticated users' own rows, none for anon; service_role has no policy either.
        db.sql_as(
            "supabase_admin",
            Some(set.get("supabase_admin")),
            "CREATE TABLE public.notes (id int PRIMARY KEY, owner text, body text);
             ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
             CREATE POLICY own_notes ON public.notes FOR SELECT TO authenticated
               USING (owner = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');
             INSERT INTO public.notes VALUES (1, 'alice', 'a'), (2, 'bob', 'b'), (3, 'carol', 'c');",
        );

        // Start-up: in-database configuration and the settings of the roles it may become.
        tls_sql(
            db,
            "authenticator",
            pw,
            "SELECT count(*) FROM pg_catalog.pg_db_role_setting
             WHERE setrole = current_user::regrole::oid
               AND setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_catalog))",
        );
        let settings = tls_sql(
            db,
            "authenticator",
            pw,
            "SELECT r.rolname || ':' || c
             FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid, unnest(r.rolconfig) AS c
             JOIN pg_settings s ON s.name = split_part(c, '=', 1)
             WHERE m.member = current_user::regrole::oid
               AND (s.context = 'user' OR has_parameter_privilege(current_user::regrole::oid, s.name, 'set'))
             ORDER BY 1",
        );
        assert_eq!(
            settings, "anon:statement_timeout=3s\nauthenticated:statement_timeout=8s",
            "the role settings PostgREST reads"
        );
        // The schema cache: the exposed schemas (PGRST_DB_SCHEMAS) and the table above.
        let schemas = tls_sql(
            db,
            "authenticator",
            pw,
            "SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
             WHERE nspname IN ('public', 'storage', 'graphql_public')",
        );
        assert_eq!(schemas, "graphql_public,public,storage");

        // Per request, for each role a JWT may name.
        for role in API_ROLES {
            let out = tls_sql(
                db,
                "authenticator",
                pw,
                &request(
                    role,
                    &format!(r#"{{"role":"{role}","sub":"alice"}}"#),
                    "SELECT 'as=' || current_user, 'schemas=' || current_setting('search_path');
                     SELECT 'usage=' || bool_and(has_schema_privilege(s, 'USAGE'))
                     FROM unnest(ARRAY['public', 'storage', 'graphql_public', 'extensions']) AS s;
                     SELECT 'rows=' || coalesce(string_agg(id::text, ',' ORDER BY id), '') FROM public.notes;",
                ),
            );
            assert!(
                out.lines().any(|l| l.starts_with(&format!("as={role}|"))),
                "{out}"
            );
            assert!(
                out.lines().any(|l| l == "usage=true"),
                "{role} cannot use the exposed schemas:\n{out}"
            );
            let rows = out.lines().find(|l| l.starts_with("rows=")).unwrap_or("");
            let expected = match role {
                // No policy: nothing visible.
                "anon" => "rows=",
                "authenticated" => "rows=1",
                // Item 6: service_role bypasses RLS without any policy.
                _ => "rows=1,2,3",
            };
            assert_eq!(rows, expected, "rows visible to {role}:\n{out}");
        }
    });
}

/// Opens a session as `authenticator` that LISTENs on pgrst, waits until it listens, runs `ddl` as
/// `user`, and returns the notifications the listener received.
fn notifications_after(db: &Cluster, set: &Passwords, user: &str, ddl: &str) -> Vec<String> {
    let mut listener = db
        .psql("authenticator", Some(set.get("authenticator")))
        .args(["-A", "-t"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run psql");
    let mut stdin = listener.stdin.take().unwrap();
    writeln!(stdin, "LISTEN pgrst;").unwrap();
    stdin.flush().unwrap();
    let since = Instant::now();
    while !db.truthy(
        "SELECT EXISTS (SELECT FROM pg_stat_activity
                        WHERE usename = 'authenticator' AND state = 'idle' AND query ILIKE 'LISTEN%')",
    ) {
        assert!(
            since.elapsed() < Duration::from_secs(20),
            "the listener never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    db.sql_as(user, Some(set.get(user)), ddl);

    writeln!(stdin, "SELECT 'listener done';").unwrap();
    drop(stdin);
    let out = listener.wait_with_output().expect("wait for psql");
    let stdout = common::stdout(&out);
    assert!(
        out.status.success() && stdout.contains("listener done"),
        "the listener failed:\n{stdout}\n{}",
        common::stderr(&out)
    );
    stdout
        .lines()
        .filter(|l| l.starts_with("Asynchronous notification"))
        .map(str::to_string)
        .collect()
}

#[test]
fn postgrest_is_told_to_reload_its_schema_cache_after_ddl() {
    pg::for_each(|db| {
        let set = db.bootstrap();
        let reload = r#"Asynchronous notification "pgrst" with payload "reload schema" received from server process"#;
        // One notification, a schema reload, after `sql` run as `role`.
        let reloads_once = |role: &str, sql: &str, what: &str| {
            let got = notifications_after(db, &set, role, sql);
            assert!(
                got.len() == 1 && got[0].starts_with(reload),
                "{what}: {got:?}"
            );
        };

        // A table created (Studio, as supabase_admin), in one statement or several in a
        // transaction: one notification each time.
        reloads_once(
            "supabase_admin",
            "CREATE TABLE public.todos (id int PRIMARY KEY)",
            "CREATE TABLE",
        );
        reloads_once(
            "supabase_admin",
            "BEGIN; ALTER TABLE public.todos ADD COLUMN title text;
             CREATE FUNCTION public.todo_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM public.todos';
             GRANT SELECT ON public.todos TO anon; COMMIT;",
            "ALTER, CREATE FUNCTION, GRANT",
        );
        // A service's migration (GoTrue, as supabase_auth_admin) is a schema change too, and the
        // event triggers do not get in its way.
        let got = notifications_after(
            db,
            &set,
            "supabase_auth_admin",
            "CREATE TABLE auth.audit (id int)",
        );
        assert!(got.len() == 1, "CREATE TABLE in auth: {got:?}");
        // Dropped objects (sql_drop).
        reloads_once(
            "supabase_admin",
            "DROP TABLE public.todos CASCADE",
            "DROP TABLE",
        );
        // Temporary objects are not part of any schema PostgREST serves.
        let got = notifications_after(
            db,
            &set,
            "supabase_admin",
            "CREATE TEMP TABLE scratch (x int); DROP TABLE scratch;",
        );
        assert!(got.is_empty(), "temporary table: {got:?}");

        // The triggers are in place, enabled, on the bootstrap's functions; a re-run keeps them.
        let triggers = "SELECT string_agg(format('%s %s %s %s', evtname, evtevent, evtenabled, evtfoid::regprocedure), E'\\n' ORDER BY evtname)
                        FROM pg_event_trigger";
        let before = db.sql(triggers);
        for (name, event) in PGRST_EVENT_TRIGGERS {
            assert!(
                before
                    .lines()
                    .any(|l| l == format!("{name} {event} O extensions.{name}()")),
                "{before}"
            );
        }
        let functions = "SELECT string_agg(p.oid || ' ' || md5(p.prosrc), ',' ORDER BY p.oid) FROM pg_proc p
                         WHERE p.pronamespace = 'extensions'::regnamespace AND p.proname LIKE 'pgrst%'";
        let bodies = db.sql(functions);
        db.run_bootstrap(&set);
        assert_eq!(db.sql(triggers), before);
        assert_eq!(
            db.sql(functions),
            bodies,
            "the re-run replaced the functions"
        );
    });
}

#[test]
fn bootstrap_fails_where_event_triggers_are_refused() {
    pg::for_each(|db| {
        // Vanilla PostgreSQL: only superusers create event triggers.
        let err = db.bootstrap_without(
            "event triggers",
            "the Job succeeded without the event triggers",
        );
        assert!(
            err.contains("may not create event trigger pgrst_reload_on_ddl_command_end")
                && err.contains("PostgREST would never see schema changes")
                && err.contains("HINT:  Run the Job as the RDS master user"),
            "{err}"
        );
        // Nothing was committed.
        assert!(!db.truthy("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticator')"));
    });
}

#[test]
fn bootstrap_fails_where_bypassrls_is_refused() {
    pg::for_each(|db| {
        // Vanilla PostgreSQL: 15 reserves BYPASSRLS to superusers, 16+ to roles that have it.
        let err = db.bootstrap_without("bypassrls", "the Job succeeded without BYPASSRLS");
        assert!(
            err.contains("ERROR:  bootstrap.sql: role service_role needs BYPASSRLS and the server refused it to postgres")
                && err.contains("HINT:  On RDS, run the Job as the master user."),
            "{err}"
        );
        assert!(!err.contains("WARNING"), "{err}");
        assert!(!db.truthy("SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role')"));

        // Following the hint (here as the cluster superuser) lets the Job through, and then
        // service_role bypasses RLS.
        db.sql(&format!(
            "CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS; GRANT service_role TO {MASTER} WITH ADMIN OPTION;"
        ));
        let set = Passwords::new("Hinted");
        db.run_bootstrap(&set);
        db.sql_as(
            "supabase_admin",
            Some(set.get("supabase_admin")),
            "CREATE TABLE public.secrets (id int); ALTER TABLE public.secrets ENABLE ROW LEVEL SECURITY;
             INSERT INTO public.secrets VALUES (1), (2);",
        );
        let out = db.sql_as(
            "authenticator",
            Some(set.get("authenticator")),
            &request(
                "service_role",
                r#"{"role":"service_role"}"#,
                "SELECT 'count=' || count(*) FROM public.secrets;",
            ),
        );
        assert!(out.lines().any(|l| l == "count=2"), "{out}");
    });
}
