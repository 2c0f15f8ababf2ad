//! GoTrue's runtime contract with the database (supabase/auth@v2.186.0), on an RDS-like cluster
//! after our bootstrap, on every PostgreSQL major we deploy (`common::pg`).
//!
//! GoTrue connects as `supabase_auth_admin` (DATABASE_URL; DB_NAMESPACE `auth`) and at start-up
//! runs its 67 migrations with pop (supabase/auth@v2.186.0:cmd/migrate_cmd.go; migration table
//! `schema_migrations`, unqualified, so it lands in the role's search_path `auth`). The privileged
//! kinds of statement in migrations/*.up.sql: tables, indexes and comments in `auth`; foreign keys
//! between them; generated columns (20210722035447, 20221215195800); enum types created in DO
//! blocks that ignore duplicate_object (20221003041349) and extended with ALTER TYPE ... ADD VALUE
//! (20240729123726); the SQL functions auth.uid(), auth.role(), auth.email(), auth.jwt() that
//! read the request's JWT settings (00_init_auth_schema, 20211124214934, 20220531120530);
//! catalog look-ups in information_schema and pg_indexes; row-level security on every table with
//! `GRANT SELECT ... TO postgres WITH GRANT OPTION` (20240612123726). Per request it reads and
//! writes its own tables, and for a Postgres hook runs `set local statement_timeout` and calls
//! the configured function (internal/hooks/hookspgfunc/hookspgfunc.go). The statements below are
//! ours; they perform the same kinds of operation.

use crate::common;

use crate::common::pg::{self, Cluster, MASTER, Passwords};

const ROLE: &str = "supabase_auth_admin";

fn auth(db: &Cluster, set: &Passwords, sql: &str) -> String {
    db.sql_as(ROLE, Some(set.get(ROLE)), sql)
}

fn migrate(db: &Cluster, set: &Passwords) {
    // pop's migration table, unqualified: it must land in auth.
    auth(
        db,
        set,
        "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(14) NOT NULL);
         CREATE UNIQUE INDEX IF NOT EXISTS schema_migrations_version_idx ON schema_migrations (version);",
    );
    // Each migration runs in its own transaction.
    let migrations = [
        "CREATE TABLE IF NOT EXISTS auth.users (
             instance_id uuid, id uuid NOT NULL PRIMARY KEY, aud varchar(255), role varchar(255),
             email varchar(255) UNIQUE, encrypted_password varchar(255),
             email_confirmed_at timestamptz, phone text UNIQUE, phone_confirmed_at timestamptz,
             raw_app_meta_data jsonb, raw_user_meta_data jsonb, last_sign_in_at timestamptz,
             created_at timestamptz, updated_at timestamptz);
         CREATE INDEX IF NOT EXISTS users_instance_id_email_idx ON auth.users USING btree (instance_id, email);
         COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';
         CREATE TABLE IF NOT EXISTS auth.audit_log_entries (instance_id uuid, id uuid PRIMARY KEY,
             payload json, created_at timestamptz);
         CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
             AS $f$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $f$;",
        "ALTER TABLE auth.users ADD COLUMN IF NOT EXISTS confirmed_at timestamptz
             GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED;",
        "DO $d$ BEGIN
           IF NOT EXISTS (SELECT FROM information_schema.columns
                          WHERE table_schema = 'auth' AND table_name = 'users' AND column_name = 'banned_until') THEN
             ALTER TABLE auth.users ADD COLUMN banned_until timestamptz;
           END IF;
         END $d$;",
        "CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE
             AS $f$ SELECT coalesce(nullif(current_setting('request.jwt.claim.sub', true), ''),
                                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'))::uuid $f$;
         CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE
             AS $f$ SELECT coalesce(nullif(current_setting('request.jwt.claim.role', true), ''),
                                    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role'))::text $f$;
         CREATE OR REPLACE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE
             AS $f$ SELECT coalesce(nullif(current_setting('request.jwt.claim', true), ''),
                                    nullif(current_setting('request.jwt.claims', true), ''))::jsonb $f$;
         COMMENT ON FUNCTION auth.uid() IS 'Deprecated. Use auth.jwt() -> ''sub'' instead.';",
        "CREATE TABLE IF NOT EXISTS auth.sessions (id uuid PRIMARY KEY, user_id uuid NOT NULL
             REFERENCES auth.users(id) ON DELETE CASCADE, created_at timestamptz, not_after timestamptz);
         CREATE TABLE IF NOT EXISTS auth.refresh_tokens (id bigserial PRIMARY KEY, token varchar(255) UNIQUE,
             user_id varchar(255), revoked bool, session_id uuid REFERENCES auth.sessions(id) ON DELETE CASCADE,
             parent varchar(255), created_at timestamptz, updated_at timestamptz);
         CREATE INDEX IF NOT EXISTS refresh_tokens_session_id_revoked_idx ON auth.refresh_tokens (session_id, revoked);
         CREATE TABLE IF NOT EXISTS auth.identities (provider_id text NOT NULL, user_id uuid NOT NULL
             REFERENCES auth.users(id) ON DELETE CASCADE, identity_data jsonb NOT NULL, provider text NOT NULL,
             email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
             id uuid DEFAULT gen_random_uuid() PRIMARY KEY, created_at timestamptz);",
        "DO $d$ BEGIN
           CREATE TYPE auth.factor_type AS ENUM ('totp', 'webauthn');
         EXCEPTION WHEN duplicate_object THEN NULL;
         END $d$;
         DO $d$ BEGIN
           CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
         EXCEPTION WHEN duplicate_object THEN NULL;
         END $d$;
         CREATE TABLE IF NOT EXISTS auth.mfa_factors (id uuid PRIMARY KEY, user_id uuid NOT NULL
             REFERENCES auth.users(id) ON DELETE CASCADE, factor_type auth.factor_type NOT NULL);",
        "ALTER TYPE auth.factor_type ADD VALUE IF NOT EXISTS 'phone';",
        "DO $d$ BEGIN
           IF EXISTS (SELECT FROM pg_indexes WHERE schemaname = 'auth' AND indexname = 'users_phone_key') THEN
             ALTER TABLE auth.users DROP CONSTRAINT users_phone_key;
           END IF;
         END $d$;
         DROP INDEX IF EXISTS auth.users_instance_id_idx;
         ALTER TABLE auth.refresh_tokens ALTER COLUMN user_id TYPE varchar(255);",
        "DO $d$ BEGIN
           ALTER TABLE auth.schema_migrations ENABLE ROW LEVEL SECURITY;
           ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
           ALTER TABLE auth.audit_log_entries ENABLE ROW LEVEL SECURITY;
           ALTER TABLE auth.sessions ENABLE ROW LEVEL SECURITY;
           ALTER TABLE auth.refresh_tokens ENABLE ROW LEVEL SECURITY;
           ALTER TABLE auth.identities ENABLE ROW LEVEL SECURITY;
           ALTER TABLE auth.mfa_factors ENABLE ROW LEVEL SECURITY;
           GRANT SELECT ON auth.schema_migrations, auth.users, auth.audit_log_entries, auth.sessions,
             auth.refresh_tokens, auth.identities, auth.mfa_factors TO postgres WITH GRANT OPTION;
         END $d$;",
    ];
    for (i, sql) in migrations.iter().enumerate() {
        auth(
            db,
            set,
            &format!(
                "BEGIN; {sql}
                 INSERT INTO schema_migrations (version) VALUES ('2026000000{i:04}'); COMMIT;"
            ),
        );
    }
}

const USER_ID: &str = "5d0c2b7e-9a41-4f3c-8e6d-1b2a3c4d5e6f";

#[test]
fn gotrue_migrates_and_serves_requests() {
    pg::for_each(|db| {
        let set = db.bootstrap();
        migrate(db, &set);

        // Everything landed in auth, owned by GoTrue's role.
        let owners = db.sql(
            "SELECT string_agg(DISTINCT relowner::regrole::text, ',') FROM pg_class
             WHERE relnamespace = 'auth'::regnamespace",
        );
        assert_eq!(owners, ROLE);
        assert!(db.truthy(
            "SELECT to_regclass('auth.schema_migrations') IS NOT NULL AND to_regclass('public.schema_migrations') IS NULL"
        ));

        // A sign-up, a sign-in and a token refresh.
        let out = auth(
            db,
            &set,
            &format!(
                "BEGIN;
                 INSERT INTO users (id, aud, role, email, encrypted_password, raw_app_meta_data, created_at, updated_at)
                   VALUES ('{USER_ID}', 'authenticated', 'authenticated', 'alice@example.com', 'x', '{{}}', now(), now());
                 INSERT INTO identities (provider_id, user_id, identity_data, provider)
                   VALUES ('{USER_ID}', '{USER_ID}', '{{\"email\": \"Alice@example.com\"}}', 'email');
                 INSERT INTO audit_log_entries (id, payload, created_at) VALUES (gen_random_uuid(), '{{}}', now());
                 COMMIT;
                 BEGIN;
                 SELECT id FROM users WHERE email = 'alice@example.com' FOR UPDATE;
                 UPDATE users SET last_sign_in_at = now() WHERE id = '{USER_ID}';
                 INSERT INTO sessions (id, user_id, created_at) VALUES (gen_random_uuid(), '{USER_ID}', now());
                 INSERT INTO refresh_tokens (token, user_id, revoked, session_id, created_at)
                   SELECT 'tok1', '{USER_ID}', false, id, now() FROM sessions WHERE user_id = '{USER_ID}';
                 UPDATE refresh_tokens SET revoked = true WHERE token = 'tok1';
                 SELECT 'email=' || email FROM identities WHERE user_id = '{USER_ID}';
                 COMMIT;"
            ),
        );
        assert!(out.lines().any(|l| l == "email=alice@example.com"), "{out}");

        // A Postgres hook (custom access token): the project's function in public, granted to
        // GoTrue's role, called with a statement timeout in a transaction.
        db.sql_as(
            "supabase_admin",
            Some(set.get("supabase_admin")),
            "CREATE FUNCTION public.custom_access_token_hook(event jsonb) RETURNS jsonb LANGUAGE sql STABLE
               AS $f$ SELECT jsonb_build_object('claims', event -> 'claims' || '{\"tier\": \"gold\"}') $f$;
             REVOKE EXECUTE ON FUNCTION public.custom_access_token_hook(jsonb) FROM PUBLIC, anon, authenticated;
             GRANT EXECUTE ON FUNCTION public.custom_access_token_hook(jsonb) TO supabase_auth_admin;",
        );
        let out = auth(
            db,
            &set,
            "BEGIN;
             SET LOCAL statement_timeout TO '2000';
             SELECT public.custom_access_token_hook('{\"claims\": {\"sub\": \"x\"}}') ->> 'claims';
             SET LOCAL statement_timeout TO DEFAULT;
             COMMIT;",
        );
        assert!(out.contains(r#""tier": "gold""#), "{out}");

        // The functions GoTrue created serve PostgREST's requests: a policy on auth.uid(),
        // evaluated as authenticated with the request's claims.
        db.sql_as(
            "supabase_admin",
            Some(set.get("supabase_admin")),
            "CREATE TABLE public.profiles (id uuid PRIMARY KEY, name text);
             ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
             CREATE POLICY own_profile ON public.profiles FOR SELECT TO authenticated USING (id = auth.uid());
             INSERT INTO public.profiles VALUES ('5d0c2b7e-9a41-4f3c-8e6d-1b2a3c4d5e6f', 'alice'),
                                                (gen_random_uuid(), 'bob');",
        );
        let out = db.sql_as(
            "authenticator",
            Some(set.get("authenticator")),
            &format!(
                "BEGIN;
                 SELECT set_config('role', 'authenticated', true),
                        set_config('request.jwt.claims', '{{\"sub\": \"{USER_ID}\", \"role\": \"authenticated\"}}', true);
                 SELECT 'uid=' || auth.uid(), 'role=' || auth.role(), 'jwt=' || (auth.jwt() ->> 'sub');
                 SELECT 'names=' || string_agg(name, ',') FROM public.profiles;
                 COMMIT;"
            ),
        );
        assert!(
            out.lines()
                .any(|l| l == format!("uid={USER_ID}|role=authenticated|jwt={USER_ID}")),
            "{out}"
        );
        assert!(out.lines().any(|l| l == "names=alice"), "{out}");

        // The master (Studio's user) reads auth.users through GoTrue's grant and passes it on.
        db.sql_as(
            MASTER,
            None,
            "SELECT count(*) FROM auth.users; GRANT SELECT ON auth.users TO supabase_admin;",
        );

        // An upgrade re-runs the bootstrap: GoTrue's objects, functions and grants are unchanged.
        let snapshot = "SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
                          SELECT format('%s %s %s', relname, relowner::regrole, relacl) FROM pg_class
                          WHERE relnamespace = 'auth'::regnamespace
                          UNION ALL
                          SELECT format('%s %s %s %s', oid::regprocedure, proowner::regrole, proacl, md5(prosrc)) FROM pg_proc
                          WHERE pronamespace = 'auth'::regnamespace
                          UNION ALL
                          SELECT format('%s %s', typname, typowner::regrole) FROM pg_type
                          WHERE typnamespace = 'auth'::regnamespace AND typtype = 'e') AS s(x)";
        let before = db.sql(snapshot);
        db.run_bootstrap(&set);
        assert_eq!(
            db.sql(snapshot),
            before,
            "the bootstrap changed GoTrue's objects"
        );
    });
}

// ------------------------------------------------------------------------------ network egress

/// GoTrue's egress NetworkPolicy, rendered with every environment's values: the database, HTTPS
/// to the internet (OAuth/OIDC providers, HTTPS hooks, SAML metadata, SMS and captcha APIs:
/// supabase/auth@v2.186.0:internal/api/provider/, internal/conf/configuration.go
/// ValidateExtensibilityPoint, internal/api/saml.go, internal/api/sms_provider/,
/// internal/security/captcha.go) and, when SMTP is configured, its port. DNS comes from the
/// namespace-wide policy.
#[test]
fn gotrue_egress_admits_database_https_and_smtp() {
    let Some(environments) = common::chart::environments() else {
        return;
    };
    let mut checked = 0;
    for env in environments {
        let file = env.values_file();
        let policies = env.network_policies();
        if policies.is_empty() {
            continue; // networkPolicy.enabled is false for this environment
        }
        checked += 1;
        let gotrue = env
            .network_policy("gotrue")
            .unwrap_or_else(|| panic!("{}: no GoTrue NetworkPolicy", file.display()));
        // (port, whether the rule reaches anywhere on the internet)
        let rules: Vec<(u64, bool)> = gotrue["spec"]["egress"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|rule| {
                let anywhere = rule["to"]
                    .as_array()
                    .is_some_and(|to| to.iter().any(|p| p["ipBlock"]["cidr"] == "0.0.0.0/0"));
                rule["ports"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(move |p| (p["port"].as_u64().unwrap(), anywhere))
            })
            .collect();
        let text = std::fs::read_to_string(&file).unwrap();
        let values: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let db_port = values["database"]["port"].as_u64().unwrap_or(5432);
        assert!(
            rules.contains(&(db_port, false)),
            "{}: GoTrue cannot reach the database: {rules:?}",
            file.display()
        );
        assert!(
            rules.contains(&(443, true)),
            "{}: GoTrue cannot reach HTTPS on the internet (OAuth providers, hooks): {rules:?}",
            file.display()
        );
        if let Some(smtp) = values["gotrue"]["smtp"]["port"].as_u64() {
            assert!(
                rules.contains(&(smtp, true)),
                "{}: GoTrue cannot reach its SMTP relay: {rules:?}",
                file.display()
            );
        }
        assert!(
            policies.iter().any(|d| d["spec"]["podSelector"]
                .as_object()
                .is_some_and(|s| s.is_empty())
                && d["spec"]["egress"].to_string().contains("kube-dns")),
            "{}: no DNS egress for every pod",
            file.display()
        );
    }
    assert!(checked > 0, "no environment renders NetworkPolicies");
}
