//! Storage's runtime contract with the database (supabase/storage@v1.44.2), on an RDS-like
//! cluster after our bootstrap, on every PostgreSQL major we deploy (`common::pg`).
//!
//! Storage connects as `supabase_storage_admin` (DATABASE_URL). At start-up it runs its tenant
//! migrations as that role (supabase/storage@v1.44.2:src/internal/database/migrations/migrate.ts:
//! session settings `storage.install_roles` = DB_INSTALL_ROLES, false in our chart, so migration
//! 0002 creates no roles; `storage.super_user` = DB_SUPER_USER, default `postgres`,
//! src/config.ts). Per request it opens a transaction and switches to the caller's role with
//! `set_config('role', ...)` plus the JWT settings (src/internal/database/connection.ts,
//! `setScope`), then reads and writes `storage.buckets` and `storage.objects` under row-level
//! security. The statements below are ours; they perform the same kinds of operation.

use crate::common;

use crate::common::pg::{self, API_ROLES, Cluster, Passwords};

const ROLE: &str = "supabase_storage_admin";

/// Runs SQL as supabase_storage_admin (its password login, its role settings).
fn storage(db: &Cluster, set: &Passwords, sql: &str) -> String {
    db.sql_as(ROLE, Some(set.get(ROLE)), sql)
}

/// The session settings migrate.ts makes before running migrations, as our chart configures it.
const MIGRATION_SETTINGS: &str = "SELECT set_config('storage.install_roles', 'false', false),
       set_config('storage.multitenant', 'false', false),
       set_config('storage.anon_role', 'anon', false),
       set_config('storage.authenticated_role', 'authenticated', false),
       set_config('storage.service_role', 'service_role', false),
       set_config('storage.super_user', 'postgres', false);
SET search_path TO storage, public, extensions;";

/// The privileged kinds of statement the tenant migrations (migrations/tenant/*.sql) run as
/// supabase_storage_admin, each as one of them does it.
fn migrate(db: &Cluster, set: &Passwords) {
    // Advisory lock around the run (migrate.ts, withAdvisoryLock).
    storage(
        db,
        set,
        "SELECT pg_advisory_lock(4242); SELECT pg_advisory_unlock(4242);",
    );
    storage(
        db,
        set,
        &format!(
            "{MIGRATION_SETTINGS}
        -- 0002: the schema exists (we create it, owned by this role); CREATE SCHEMA IF NOT EXISTS
        -- needs CREATE on the database even so.
        CREATE SCHEMA IF NOT EXISTS storage;
        CREATE TABLE IF NOT EXISTS storage.migrations (id int PRIMARY KEY, name text UNIQUE, hash text,
            executed_at timestamptz DEFAULT now());
        CREATE TABLE IF NOT EXISTS storage.buckets (id text PRIMARY KEY, name text NOT NULL, owner uuid,
            owner_id text, public boolean DEFAULT false, created_at timestamptz DEFAULT now());
        CREATE TABLE IF NOT EXISTS storage.objects (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
            bucket_id text REFERENCES storage.buckets(id), name text, owner uuid, owner_id text,
            metadata jsonb, path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
            updated_at timestamptz DEFAULT now());
        CREATE UNIQUE INDEX IF NOT EXISTS bucketid_objname ON storage.objects (bucket_id, name);
        -- 0002, 0004, 0007: row-level security on its tables.
        ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
        ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
        ALTER TABLE storage.migrations ENABLE ROW LEVEL SECURITY;
        -- 0002, 0036: helper functions; 0034/0036 search reads pg_roles for the current role.
        CREATE OR REPLACE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE sql IMMUTABLE
            AS $f$ SELECT (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1] $f$;
        CREATE OR REPLACE FUNCTION storage.caller_bypasses_rls() RETURNS boolean LANGUAGE sql STABLE
            AS $f$ SELECT rolbypassrls FROM pg_roles
                   WHERE rolname = coalesce(nullif(current_setting('role', true), 'none'), current_user) $f$;
        -- 0011: an unqualified trigger function (lands in storage by search_path) and a trigger.
        CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql
            AS $f$ BEGIN NEW.updated_at = now(); RETURN NEW; END $f$;
        CREATE TRIGGER touch_objects_updated_at BEFORE UPDATE ON storage.objects
            FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
        -- 0026, 0040: SECURITY DEFINER functions.
        CREATE OR REPLACE FUNCTION storage.lock_bucket(bucket text) RETURNS void LANGUAGE plpgsql
            SECURITY DEFINER AS $f$ BEGIN PERFORM pg_advisory_xact_lock(hashtext(bucket)); END $f$;
        -- 0055: a trigger that refuses direct deletes unless Storage set storage.allow_delete_query.
        CREATE OR REPLACE FUNCTION storage.refuse_direct_delete() RETURNS trigger LANGUAGE plpgsql
            AS $f$ BEGIN
              IF coalesce(current_setting('storage.allow_delete_query', true), 'false') <> 'true' THEN
                RAISE EXCEPTION 'Direct deletion from storage tables is not allowed';
              END IF;
              RETURN NULL;
            END $f$;
        CREATE TRIGGER refuse_objects_delete BEFORE DELETE ON storage.objects
            FOR EACH STATEMENT EXECUTE FUNCTION storage.refuse_direct_delete();
        -- 0038: a type in its schema.
        DO $d$ BEGIN
          CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS');
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $d$;
        -- 0021, 0026, 0046: grants to the API roles named by the session settings, revokes.
        DO $d$
        DECLARE
          anon text := current_setting('storage.anon_role', true);
          authenticated text := current_setting('storage.authenticated_role', true);
          service text := current_setting('storage.service_role', true);
        BEGIN
          EXECUTE format('REVOKE ALL ON storage.migrations FROM %I, %I', anon, authenticated);
          EXECUTE format('GRANT ALL ON storage.buckets, storage.objects TO %I, %I, %I', service, authenticated, anon);
          EXECUTE format('GRANT SELECT ON storage.migrations TO %I, %I', authenticated, anon);
        END $d$;
        -- 0046, 0049: grants to the super user (DB_SUPER_USER, postgres) with grant option.
        DO $d$ BEGIN
          EXECUTE format('GRANT ALL ON storage.buckets, storage.objects TO %I WITH GRANT OPTION',
                         current_setting('storage.super_user', true));
        END $d$;
        COMMENT ON COLUMN storage.objects.owner IS 'Field is deprecated, use owner_id instead';
        -- 0016, 0019, 0042, 0052, 0055: columns added and altered, objects dropped and re-created.
        ALTER TABLE storage.objects ADD COLUMN IF NOT EXISTS version text DEFAULT NULL;
        ALTER TABLE storage.objects ALTER COLUMN id SET DEFAULT gen_random_uuid();
        DROP TRIGGER IF EXISTS refuse_objects_delete ON storage.objects;
        CREATE TRIGGER refuse_objects_delete BEFORE DELETE ON storage.objects
            FOR EACH STATEMENT EXECUTE FUNCTION storage.refuse_direct_delete();
        DROP INDEX IF EXISTS storage.name_prefix_search;
        INSERT INTO storage.migrations (id, name, hash) VALUES (2, 'storage-schema', 'x')
            ON CONFLICT DO NOTHING;"
        ),
    );
    // 0032, 0051: indexes built concurrently (outside a transaction block).
    storage(
        db,
        set,
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_objects_bucket_id_name_lower
             ON storage.objects (bucket_id, lower(name) text_pattern_ops)",
    );
}

/// One Storage request: connection.ts opens a transaction, switches to the caller's role and
/// sets the JWT settings (setScope), then runs `body`. `claims` is the JWT payload.
fn request(role: &str, sub: &str, body: &str) -> String {
    let claims = format!(r#"{{"role":"{role}","sub":"{sub}"}}"#);
    format!(
        "BEGIN;
         SELECT set_config('search_path', 'storage, public, extensions', true);
         SET LOCAL statement_timeout TO '30000ms';
         SELECT set_config('role', '{role}', true),
                set_config('request.jwt.claim.role', '{role}', true),
                set_config('request.jwt', 'header.payload.signature', true),
                set_config('request.jwt.claim.sub', '{sub}', true),
                set_config('request.jwt.claims', '{claims}', true),
                set_config('request.headers', '{{}}', true),
                set_config('request.method', 'POST', true),
                set_config('request.path', '/object/avatars/x', true),
                set_config('storage.operation', 'storage.object.upload', true),
                set_config('storage.allow_delete_query', 'true', true);
         {body}
         COMMIT;"
    )
}

const ALICE: &str = "8f1c9e52-0d6b-4a8e-9a3e-3f1d2c4b5a60";

#[test]
fn storage_migrates_and_serves_requests_as_each_api_role() {
    pg::for_each(|db| {
        let set = db.bootstrap();
        migrate(db, &set);
        // One Storage request as an API role, over supabase_storage_admin's connection.
        let as_api =
            |role: &str, sub: &str, body: &str| storage(db, &set, &request(role, sub, body));

        // A project's policies (what a user writes in Studio): authenticated users read and write
        // their own objects in bucket avatars; anon has no policy.
        storage(
            db,
            &set,
            "INSERT INTO storage.buckets (id, name) VALUES ('avatars', 'avatars');
             CREATE POLICY own_objects_read ON storage.objects FOR SELECT TO authenticated
               USING (bucket_id = 'avatars'
                      AND owner_id = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');
             CREATE POLICY own_objects_write ON storage.objects FOR INSERT TO authenticated
               WITH CHECK (bucket_id = 'avatars'
                           AND owner_id = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');",
        );

        // The switch itself, for each role Storage uses (anon, authenticated, and service_role for
        // the service key and asSuperUser()).
        for role in API_ROLES {
            let out = as_api(
                role,
                "",
                "SELECT current_user, storage.caller_bypasses_rls();",
            );
            let expected = format!("{role}|{}", if role == "service_role" { "t" } else { "f" });
            assert!(
                out.lines().any(|l| l == expected),
                "Storage's switch to {role} gave:\n{out}"
            );
        }

        // authenticated uploads its object (insert under RLS, as Storage's upload does) and lists
        // only its own.
        let out = as_api(
            "authenticated",
            ALICE,
            &format!(
                "INSERT INTO storage.objects (bucket_id, name, owner, owner_id, metadata)
                     VALUES ('avatars', 'alice/me.png', '{ALICE}', '{ALICE}', '{{\"size\": 3}}')
                     RETURNING name;
                     SELECT count(*) FROM storage.objects;"
            ),
        );
        assert!(
            out.lines().any(|l| l == "alice/me.png"),
            "upload as authenticated:\n{out}"
        );

        // service_role (the service key) writes anywhere and sees everything, bypassing RLS.
        let out = as_api(
            "service_role",
            "",
            "INSERT INTO storage.objects (bucket_id, name, owner_id) VALUES ('avatars', 'system/logo.png', NULL);
             SELECT 'objects=' || count(*) FROM storage.objects;",
        );
        assert!(
            out.lines().any(|l| l == "objects=2"),
            "service_role does not see every object:\n{out}"
        );

        // authenticated sees its one object, not the service's.
        let out = as_api(
            "authenticated",
            ALICE,
            "SELECT 'visible=' || count(*) FROM storage.objects;",
        );
        assert!(out.lines().any(|l| l == "visible=1"), "{out}");

        // anon: no policy, so nothing is visible and an upload is refused by RLS, not by a
        // missing privilege or role switch.
        let out = as_api(
            "anon",
            "",
            "SELECT 'visible=' || count(*) FROM storage.objects;",
        );
        assert!(out.lines().any(|l| l == "visible=0"), "{out}");
        let refused = db.try_sql(
            ROLE,
            Some(set.get(ROLE)),
            &request(
                "anon",
                "",
                "INSERT INTO storage.objects (bucket_id, name) VALUES ('avatars', 'anon.png');",
            ),
        );
        let err = common::stderr(&refused);
        assert!(
            !refused.status.success() && err.contains("violates row-level security policy"),
            "anon's upload was not refused by RLS:\n{err}"
        );

        // Storage deletes with storage.allow_delete_query set (setScope), as service_role.
        let out = as_api(
            "service_role",
            "",
            "DELETE FROM storage.objects WHERE name = 'system/logo.png' RETURNING name;",
        );
        assert!(out.lines().any(|l| l == "system/logo.png"), "{out}");

        // The switch grants SET only: supabase_storage_admin neither inherits the API roles'
        // privileges nor may become authenticator (PostgREST's login role).
        let out = db.try_sql(
            ROLE,
            Some(set.get(ROLE)),
            "SELECT set_config('role', 'authenticator', false)",
        );
        assert!(
            !out.status.success(),
            "supabase_storage_admin may become authenticator"
        );
        assert!(!db.truthy(&format!(
            "SELECT bool_or(pg_has_role('{ROLE}', r, 'USAGE')) FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) AS r"
        )));

        // A second run of the bootstrap (an upgrade) leaves Storage's objects and grants alone.
        let before = db.sql(
            "SELECT string_agg(format('%s %s %s', c.relname, c.relowner::regrole, c.relacl), E'\\n' ORDER BY c.relname)
             FROM pg_class c WHERE c.relnamespace = 'storage'::regnamespace",
        );
        db.run_bootstrap(&set);
        assert_eq!(
            db.sql(
                "SELECT string_agg(format('%s %s %s', c.relname, c.relowner::regrole, c.relacl), E'\\n' ORDER BY c.relname)
                 FROM pg_class c WHERE c.relnamespace = 'storage'::regnamespace",
            ),
            before,
            "the bootstrap changed Storage's objects"
        );
    });
}

/// Image transformations (on with imgproxy) look objects up before Storage presigns them for
/// imgproxy: `/render/image/authenticated/...` as the caller, so row-level security decides
/// (supabase/storage@v1.44.2:src/http/routes/render/renderAuthenticatedImage.ts:
/// `from(bucket).findObject(name, 'id,version,metadata')`), `/render/image/public/...` as the
/// super user, a public bucket only (renderPublicImage.ts: `asSuperUser().findBucket(bucket,
/// 'id,public', { isPublic: true })` and `findObject`; asSuperUser is service_role). The same
/// lookups here, over supabase_storage_admin's connection after our bootstrap.
#[test]
fn image_renders_find_objects_as_storage_does() {
    pg::for_each(|db| {
        let set = db.bootstrap();
        migrate(db, &set);
        let as_api = |role: &str, sub: &str, body: &str| storage(db, &set, &request(role, sub, body));
        storage(
            db,
            &set,
            &format!(
                "INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', false), ('site', 'site', true);
                 CREATE POLICY own_objects_read ON storage.objects FOR SELECT TO authenticated
                   USING (bucket_id = 'avatars'
                          AND owner_id = current_setting('request.jwt.claims', true)::jsonb ->> 'sub');
                 INSERT INTO storage.objects (bucket_id, name, owner_id, version, metadata) VALUES
                   ('avatars', 'alice/me.png', '{ALICE}', 'v1', '{{\"mimetype\": \"image/png\"}}'),
                   ('site', 'logo.png', NULL, 'v1', '{{\"mimetype\": \"image/png\"}}');"
            ),
        );
        let find_object = |bucket: &str, name: &str| {
            format!("SELECT 'found=' || count(*) FROM (SELECT id, version, metadata FROM storage.objects WHERE name = '{name}' AND bucket_id = '{bucket}') o;")
        };

        // Authenticated renders: the owner finds its object, another user and anon do not (404).
        let out = as_api("authenticated", ALICE, &find_object("avatars", "alice/me.png"));
        assert!(out.lines().any(|l| l == "found=1"), "the owner's render lookup:\n{out}");
        let out = as_api("authenticated", "00000000-0000-0000-0000-000000000001", &find_object("avatars", "alice/me.png"));
        assert!(out.lines().any(|l| l == "found=0"), "another user's render lookup:\n{out}");
        let out = as_api("anon", "", &find_object("avatars", "alice/me.png"));
        assert!(out.lines().any(|l| l == "found=0"), "anon's render lookup:\n{out}");

        // Public renders: the bucket must be public, then the object is found without a policy.
        let public_bucket = |bucket: &str| format!("SELECT 'public=' || count(*) FROM (SELECT id, public FROM storage.buckets WHERE id = '{bucket}' AND public IS TRUE) b;");
        let out = as_api("service_role", "", &format!("{}{}", public_bucket("site"), find_object("site", "logo.png")));
        assert!(out.lines().any(|l| l == "public=1") && out.lines().any(|l| l == "found=1"), "public render lookups:\n{out}");
        let out = as_api("service_role", "", &public_bucket("avatars"));
        assert!(out.lines().any(|l| l == "public=0"), "a private bucket passed the public lookup:\n{out}");
    });
}
