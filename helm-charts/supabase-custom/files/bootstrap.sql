-- Supabase database bootstrap for Amazon RDS for PostgreSQL.
--
-- Run by the bootstrap Job (a Helm hook) as the RDS master user, on every install and upgrade:
--
--   psql -X -q -v ON_ERROR_STOP=1 \
--        -v authenticator_password=... -v supabase_auth_admin_password=... \
--        -v supabase_storage_admin_password=... -v supabase_admin_password=... \
--        [-v supavisor_password=...] \
--        -f bootstrap.sql
--
-- supavisor_password is optional: the Job passes it when the chart deploys Supavisor (the
-- connection pooler, pooler.enabled). Only then does the script manage role `supavisor`, its
-- password, schema `_supavisor` and its CREATE on the database; without it, nothing about
-- supavisor is created, changed or removed.
--
-- It creates only roles, empty schemas, owners, grants, role settings, the extensions in schema
-- `extensions`, default privileges, the publication, and two event triggers (with their functions
-- in `extensions`) that tell PostgREST to reload its schema cache. The services create their own tables and
-- functions at start-up (GoTrue in `auth`, Storage in `storage`, Realtime in `_realtime` and `realtime`,
-- Supavisor in `_supavisor`), so this script never drops, replaces or alters anything inside those
-- schemas. Every statement is conditional or naturally idempotent: running it again leaves the same
-- state, except that the login passwords (four, five with supavisor) are set again on every run (so
-- rotating a password secret and re-running the Job takes effect).
--
-- The master user is not a superuser on RDS (LOGIN CREATEROLE CREATEDB, member of rds_superuser).
-- What Supabase cannot work without and vanilla PostgreSQL reserves to superusers (BYPASSRLS for
-- service_role, the PostgREST schema-reload event triggers) is attempted and, when refused, fails the
-- run with a message saying what to do. Optional extras (such as CREATEROLE on another role) are
-- attempted and, when refused, reported with a WARNING.
--
-- Passwords never appear in the output and never appear in a statement that log_statement = 'ddl'
-- or pgaudit's ROLE class would log in clear text: each is handed to the server in a SET LOCAL of a
-- custom setting, hashed to a SCRAM-SHA-256 verifier on the server (pgcrypto), and only the
-- verifier is passed to ALTER ROLE.

\set ON_ERROR_STOP on
\set ECHO none
\set QUIET on

-- Required psql variables: fail before touching anything when one is missing.
\if :{?authenticator_password}
\else
  \warn 'bootstrap.sql: psql variable authenticator_password is not set'
  \set bootstrap_missing_variable true
\endif
\if :{?supabase_auth_admin_password}
\else
  \warn 'bootstrap.sql: psql variable supabase_auth_admin_password is not set'
  \set bootstrap_missing_variable true
\endif
\if :{?supabase_storage_admin_password}
\else
  \warn 'bootstrap.sql: psql variable supabase_storage_admin_password is not set'
  \set bootstrap_missing_variable true
\endif
\if :{?supabase_admin_password}
\else
  \warn 'bootstrap.sql: psql variable supabase_admin_password is not set'
  \set bootstrap_missing_variable true
\endif
\if :{?bootstrap_missing_variable}
  DO $$ BEGIN RAISE EXCEPTION 'bootstrap.sql: required psql variables are missing (see above)'; END $$;
\endif

BEGIN;

SET LOCAL search_path = pg_catalog, pg_temp;
-- Hide the NOTICEs of IF NOT EXISTS and of repeated grants; keep WARNINGs.
SET LOCAL client_min_messages = warning;
-- Do not wait forever behind a service migration that holds a lock.
SET LOCAL lock_timeout = '60s';

-- Transaction-local, never echoed; read and cleared by the password step below.
SET LOCAL supabase_bootstrap.authenticator_password = :'authenticator_password';
SET LOCAL supabase_bootstrap.supabase_auth_admin_password = :'supabase_auth_admin_password';
SET LOCAL supabase_bootstrap.supabase_storage_admin_password = :'supabase_storage_admin_password';
SET LOCAL supabase_bootstrap.supabase_admin_password = :'supabase_admin_password';
-- Supavisor's switch, read by sections 1, 2, 3, 5 and 7 (see the header).
\if :{?supavisor_password}
SET LOCAL supabase_bootstrap.supavisor = on;
SET LOCAL supabase_bootstrap.supavisor_password = :'supavisor_password';
\else
SET LOCAL supabase_bootstrap.supavisor = off;
\endif

-- 1. Roles and their attributes. -------------------------------------------------------------------
DO $roles$
DECLARE
  spec record;
  cur  record;
BEGIN
  -- Two Jobs (a retried hook, a parallel upgrade) must not race on CREATE ROLE.
  PERFORM pg_advisory_xact_lock(hashtext('supabase-aws-gen/bootstrap.sql'));

  -- GoTrue and Storage migrations grant to a role named postgres. On RDS it is the master user.
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'postgres') THEN
    RAISE WARNING 'bootstrap.sql: no role named postgres (the master user is %); creating it NOLOGIN because service migrations grant to it', current_user;
    CREATE ROLE postgres NOLOGIN;
  END IF;

  -- createrole and bypassrls are wanted but optional: RDS may refuse them to a non-superuser.
  -- They are only ever added, never removed.
  FOR spec IN
    SELECT *
    FROM (VALUES
      ('anon',                   false, false, false, false),
      ('authenticated',          false, false, false, false),
      ('service_role',           false, false, false, true),
      ('authenticator',          true,  false, false, false),
      ('supabase_auth_admin',    true,  false, true,  false),
      ('supabase_storage_admin', true,  false, true,  false),
      ('supabase_admin',         true,  true,  false, false),
      ('supabase_read_only_user', true, false, false, false),
      -- Supavisor's metadata connection (only with supavisor_password): it needs nothing but its
      -- own schema (section 3) and CREATE on the database (section 7), so no attribute, no
      -- membership.
      ('supavisor',              true,  false, false, false)
    ) AS t(name, login, inherit, createrole, bypassrls)
    WHERE t.name <> 'supavisor' OR current_setting('supabase_bootstrap.supavisor')::boolean
  LOOP
    SELECT * INTO cur FROM pg_roles WHERE rolname = spec.name;
    IF NOT FOUND THEN
      EXECUTE format('CREATE ROLE %I %s %s', spec.name,
                     CASE WHEN spec.login THEN 'LOGIN' ELSE 'NOLOGIN' END,
                     CASE WHEN spec.inherit THEN 'INHERIT' ELSE 'NOINHERIT' END);
      SELECT * INTO cur FROM pg_roles WHERE rolname = spec.name;
    ELSIF cur.rolsuper THEN
      RAISE WARNING 'bootstrap.sql: role % is a superuser; leaving its attributes alone', spec.name;
      CONTINUE;
    END IF;

    IF cur.rolcanlogin IS DISTINCT FROM spec.login THEN
      EXECUTE format('ALTER ROLE %I %s', spec.name, CASE WHEN spec.login THEN 'LOGIN' ELSE 'NOLOGIN' END);
    END IF;
    IF cur.rolinherit IS DISTINCT FROM spec.inherit THEN
      EXECUTE format('ALTER ROLE %I %s', spec.name, CASE WHEN spec.inherit THEN 'INHERIT' ELSE 'NOINHERIT' END);
    END IF;

    IF spec.createrole AND NOT cur.rolcreaterole THEN
      BEGIN
        EXECUTE format('ALTER ROLE %I CREATEROLE', spec.name);
      EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'bootstrap.sql: role % was left without CREATEROLE: the server refused it to % (%: %)',
          spec.name, current_user, SQLSTATE, SQLERRM;
      END;
    END IF;

    -- service_role must bypass row-level security: Storage's service key and PostgREST's
    -- service_role requests rely on it (supabase/postgres@15.8.1.000:
    -- migrations/db/init-scripts/00000000000000-initial-schema.sql creates it BYPASSRLS).
    -- PostgreSQL 15 lets only superusers give BYPASSRLS, 16+ also roles that have it themselves
    -- (CREATE ROLE / ALTER ROLE reference pages). On RDS the master relies on rds_superuser
    -- ("Understanding the rds_superuser role", RDS User Guide: create roles and grant privileges),
    -- which AWS does not spell out for BYPASSRLS. Without it every service_role request silently
    -- sees only what policies allow, so a refusal fails the run (rolled back) instead of degrading.
    IF spec.bypassrls AND NOT cur.rolbypassrls THEN
      BEGIN
        EXECUTE format('ALTER ROLE %I BYPASSRLS', spec.name);
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'bootstrap.sql: role % needs BYPASSRLS and the server refused it to % (%)',
            spec.name, current_user, SQLERRM
          USING HINT = format('On RDS, run the Job as the master user. Elsewhere, as a superuser: CREATE ROLE %I NOLOGIN NOINHERIT BYPASSRLS (ALTER ROLE %I BYPASSRLS if it exists); GRANT %I TO %I WITH ADMIN OPTION; then run the Job again.',
                             spec.name, spec.name, spec.name, current_user);
      END;
    END IF;
  END LOOP;
END
$roles$;

-- 2. Memberships. -----------------------------------------------------------------------------------
DO $memberships$
DECLARE
  pg16 constant boolean := current_setting('server_version_num')::int >= 160000;
  r    text;
  m    record;
BEGIN
  -- The master must be able to SET ROLE to the service admin roles (to create their schemas and
  -- manage what the services create, e.g. triggers on auth.users or policies on storage.objects)
  -- and to inherit their privileges (to grant on their schemas). PostgreSQL 16+ gives the creator of
  -- a role only ADMIN OPTION (no SET, no INHERIT); PostgreSQL 15 gives nothing. Likewise for
  -- supavisor when it is managed: CREATE SCHEMA ... AUTHORIZATION and ALTER SCHEMA ... OWNER TO
  -- (section 3) need the master to be able to SET ROLE supavisor.
  FOREACH r IN ARRAY ARRAY['supabase_auth_admin', 'supabase_storage_admin', 'supabase_admin']
                     || CASE WHEN current_setting('supabase_bootstrap.supavisor')::boolean
                             THEN ARRAY['supavisor'] ELSE ARRAY[]::text[] END LOOP
    IF pg16 THEN
      IF NOT (pg_has_role(current_user, r, 'SET') AND pg_has_role(current_user, r, 'USAGE')) THEN
        EXECUTE format('GRANT %I TO %I WITH INHERIT TRUE, SET TRUE', r, current_user);
      END IF;
    ELSIF NOT pg_has_role(current_user, r, 'USAGE') THEN
      EXECUTE format('GRANT %I TO %I', r, current_user);
    END IF;
  END LOOP;

  -- Studio's everyday actions run as supabase_admin: postgres-meta logs in as it and Studio's own
  -- connection string uses it (POSTGRES_USER_READ_WRITE, default supabase_admin:
  -- supabase/supabase apps/studio/lib/api/self-hosted/constants.ts). In Supabase's image it is a
  -- superuser; here it is not, so it must hold what those actions need: a policy on
  -- storage.objects needs ownership of the table (CREATE POLICY; the owner is
  -- supabase_storage_admin), reading auth.users and a trigger on it need SELECT and TRIGGER there
  -- (the owner is supabase_auth_admin). Membership in the two owners, their privileges inherited,
  -- is what the master has too; it changes none of their objects, and covers the tables the
  -- services create later, which a GRANT on their tables would neither.
  FOREACH r IN ARRAY ARRAY['supabase_auth_admin', 'supabase_storage_admin'] LOOP
    IF NOT pg_has_role('supabase_admin', r, 'USAGE') THEN
      BEGIN
        IF pg16 THEN
          EXECUTE format('GRANT %I TO supabase_admin WITH INHERIT TRUE', r);
        ELSE
          EXECUTE format('GRANT %I TO supabase_admin', r);
        END IF;
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'bootstrap.sql: % may not grant % to supabase_admin (%); Studio could not manage auth and storage',
            current_user, r, SQLERRM
          USING HINT = format('Run the Job as the role that created %I (the RDS master user), or grant it once as a role with ADMIN OPTION on it, then run the Job again.', r);
      END;
    END IF;
  END LOOP;

  -- PostgREST logs in as authenticator and switches to the role named in the JWT. Realtime
  -- (supabase_admin) switches to the subscriber's role to evaluate row-level security.
  FOR m IN
    SELECT member, role
    FROM unnest(ARRAY['authenticator', 'supabase_admin']) AS member,
         unnest(ARRAY['anon', 'authenticated', 'service_role']) AS role
  LOOP
    IF NOT EXISTS (SELECT FROM pg_auth_members
                   WHERE roleid = m.role::regrole AND member = m.member::regrole) THEN
      EXECUTE format('GRANT %I TO %I', m.role, m.member);
    END IF;
  END LOOP;

  -- Storage connects as supabase_storage_admin and, in every request's transaction, runs
  -- set_config('role', <anon|authenticated|service_role>, true) (supabase/storage@v1.44.2:
  -- src/internal/database/connection.ts, setScope), which needs the session user to be allowed to
  -- SET ROLE to each (PostgreSQL 16+: a membership chain whose grants all carry SET). Upstream's
  -- image grants authenticator to supabase_storage_admin (supabase/postgres@15.8.1.000:
  -- migrations/db/migrations/20231013070755_grant_authenticator_to_supabase_storage_admin.sql),
  -- which would also let Storage become authenticator. The three direct memberships are the least
  -- that works: SET only, no inherited privileges (the role is NOINHERIT, as upstream's is).
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF pg16 THEN
      IF NOT EXISTS (SELECT FROM pg_auth_members
                     WHERE roleid = r::regrole AND member = 'supabase_storage_admin'::regrole
                       AND set_option AND NOT inherit_option) THEN
        EXECUTE format('GRANT %I TO supabase_storage_admin WITH INHERIT FALSE, SET TRUE', r);
      END IF;
    ELSIF NOT EXISTS (SELECT FROM pg_auth_members
                      WHERE roleid = r::regrole AND member = 'supabase_storage_admin'::regrole) THEN
      EXECUTE format('GRANT %I TO supabase_storage_admin', r);
    END IF;
  END LOOP;

  -- Realtime (supabase_admin) creates a logical replication slot for every tenant: without the
  -- right it cannot stream a single change, so a refusal fails the Job. On RDS the right is
  -- membership in rds_replication, which the master may grant (RDS User Guide, "Understanding
  -- the rds_superuser role").
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_replication') THEN
    IF NOT (SELECT rolreplication FROM pg_roles WHERE rolname = 'supabase_admin') THEN
      RAISE EXCEPTION 'bootstrap.sql: role rds_replication does not exist (is this Amazon RDS?) and supabase_admin lacks REPLICATION; Realtime could not stream changes'
        USING HINT = 'On RDS, rds_replication always exists. Elsewhere, as a superuser: ALTER ROLE supabase_admin REPLICATION; then re-run the Job.';
    END IF;
  ELSIF NOT EXISTS (SELECT FROM pg_auth_members
                    WHERE roleid = 'rds_replication'::regrole AND member = 'supabase_admin'::regrole) THEN
    BEGIN
      GRANT rds_replication TO supabase_admin;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'bootstrap.sql: % may not grant rds_replication to supabase_admin (%); Realtime could not stream changes', current_user, SQLERRM
        USING HINT = 'Run the Job as the RDS master user (a member of rds_superuser), or GRANT rds_replication TO supabase_admin as that user, then re-run the Job.';
    END;
  END IF;
END
$memberships$;

-- 3. Schemas and their owners. ------------------------------------------------------------------------
DO $schemas$
DECLARE
  s record;
BEGIN
  FOR s IN
    SELECT *
    FROM (VALUES
      ('extensions',     current_user::text, false),
      ('graphql_public', current_user::text, false),
      ('auth',           'supabase_auth_admin', true),
      ('storage',        'supabase_storage_admin', true),
      ('_realtime',      'supabase_admin', true),
      -- Realtime's tenant migrations run with Ecto prefix `realtime` as supabase_admin and need
      -- the schema to exist (Ecto creates realtime.schema_migrations, not the schema:
      -- supabase/realtime@v2.78.15:lib/realtime/tenants/migrations.ex); they create their
      -- objects in it and grant on it, so supabase_admin owns it (as in supabase/postgres).
      ('realtime',       'supabase_admin', true),
      -- Supavisor's `bin/migrate` (Supavisor.Release.migrate) first runs
      -- `create schema if not exists _supavisor`, then its Ecto migrations with prefix
      -- `_supavisor`, as the DATABASE_URL role (supabase/supavisor@v2.7.4:lib/supavisor/release.ex,
      -- priv/repo/seeds_before_migration.exs, priv/repo/migrations/): they create its tables in
      -- it, so supavisor owns it. Only with supavisor_password.
      ('_supavisor',     'supavisor', true)
    ) AS t(name, owner, enforce_owner)
    WHERE t.name <> '_supavisor' OR current_setting('supabase_bootstrap.supavisor')::boolean
  LOOP
    IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = s.name) THEN
      EXECUTE format('CREATE SCHEMA %I AUTHORIZATION %I', s.name, s.owner);
    ELSIF s.enforce_owner
          AND (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = s.name) <> s.owner THEN
      -- Changes the owner of the schema only; the objects inside keep theirs.
      EXECUTE format('ALTER SCHEMA %I OWNER TO %I', s.name, s.owner);
    END IF;
  END LOOP;
END
$schemas$;

-- 4. Extensions (trusted, so the database owner may create them). -------------------------------------
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;

DO $extensions$
DECLARE
  where_is text;
BEGIN
  SELECT n.nspname INTO where_is
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'pgcrypto';
  IF where_is <> 'extensions' THEN
    -- Moving it could break whoever installed it there, so leave that decision to a person.
    RAISE EXCEPTION 'bootstrap.sql: pgcrypto is installed in schema %, not extensions; this script and mint-api-keys.sql use extensions.hmac()', where_is
      USING HINT = 'Move it with ALTER EXTENSION pgcrypto SET SCHEMA extensions once nothing depends on its old schema.';
  END IF;

  SELECT n.nspname INTO where_is
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
  WHERE e.extname = 'uuid-ossp';
  IF where_is <> 'extensions' THEN
    RAISE WARNING 'bootstrap.sql: uuid-ossp is installed in schema %, not extensions; left where it is', where_is;
  END IF;
END
$extensions$;

-- 5. Login passwords, set on every run. -----------------------------------------------------------------
DO $passwords$
DECLARE
  iterations constant int := 4096;
  r        text;
  setting  text;
  password bytea;
  salt     bytea;
  u        bytea;
  acc      bit(256);
  salted   bytea;
  hex      text;
  verifier text;
BEGIN
  FOREACH r IN ARRAY ARRAY['authenticator', 'supabase_auth_admin', 'supabase_storage_admin', 'supabase_admin']
                     || CASE WHEN current_setting('supabase_bootstrap.supavisor')::boolean
                             THEN ARRAY['supavisor'] ELSE ARRAY[]::text[] END LOOP
    setting := 'supabase_bootstrap.' || r || '_password';
    IF coalesce(current_setting(setting, true), '') !~ '^[A-Za-z0-9]{16,}$' THEN
      RAISE EXCEPTION 'bootstrap.sql: the password for role % must be at least 16 letters and digits (the value is not shown)', r;
    END IF;
    password := convert_to(current_setting(setting), 'UTF8');
    PERFORM set_config(setting, '', true);

    -- SCRAM-SHA-256 verifier (RFC 7677, the format PostgreSQL stores): PBKDF2-HMAC-SHA-256 of the
    -- password (letters and digits only, so SASLprep leaves it unchanged) with a fresh salt.
    salt := extensions.gen_random_bytes(16);
    u := extensions.hmac(salt || '\x00000001'::bytea, password, 'sha256');
    acc := ('x' || encode(u, 'hex'))::bit(256);
    FOR i IN 2..iterations LOOP
      u := extensions.hmac(u, password, 'sha256');
      acc := acc # ('x' || encode(u, 'hex'))::bit(256);
    END LOOP;
    hex := '';
    FOR i IN 0..3 LOOP
      hex := hex || lpad(to_hex(substring(acc FROM i * 64 + 1 FOR 64)::bit(64)::bigint), 16, '0');
    END LOOP;
    salted := decode(hex, 'hex');

    verifier := format('SCRAM-SHA-256$%s:%s$%s:%s', iterations,
             encode(salt, 'base64'),
             encode(sha256(extensions.hmac('Client Key'::bytea, salted, 'sha256')), 'base64'),
             encode(extensions.hmac('Server Key'::bytea, salted, 'sha256'), 'base64'));
    EXECUTE format('ALTER ROLE %I PASSWORD %L', r, verifier);
    -- Studio logs its read-only role in with its read-write password (section 9b); a SCRAM
    -- verifier does not depend on the role name.
    IF r = 'supabase_admin' THEN
      EXECUTE format('ALTER ROLE supabase_read_only_user PASSWORD %L', verifier);
    END IF;
  END LOOP;
END
$passwords$;

-- 6. Role settings. --------------------------------------------------------------------------------------
ALTER ROLE supabase_auth_admin SET search_path = auth;
ALTER ROLE supabase_storage_admin SET search_path = storage;
ALTER ROLE supabase_admin SET search_path = "$user", public, auth, extensions;

-- Supabase's defaults for the API roles, applied only when no timeout is configured yet so that a
-- value tuned by an operator survives upgrades.
DO $timeouts$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT * FROM (VALUES ('anon', '3s'), ('authenticated', '8s')) AS v(role, timeout) LOOP
    IF NOT EXISTS (SELECT FROM pg_roles, unnest(rolconfig) AS c
                   WHERE rolname = t.role AND c LIKE 'statement_timeout=%') THEN
      EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', t.role, t.timeout);
    END IF;
  END LOOP;
END
$timeouts$;

-- 7. Grants. ----------------------------------------------------------------------------------------------
GRANT USAGE ON SCHEMA public, extensions, graphql_public, storage, auth TO anon, authenticated, service_role;

-- Migrations may run CREATE SCHEMA IF NOT EXISTS, which needs CREATE on the database even when the
-- schema exists. supabase_admin also creates Realtime's publication for realtime.messages (CREATE on
-- the database) and, as postgres-meta (i.e. Studio), tables in public. Supavisor's first statement
-- is `create schema if not exists _supavisor` (section 3): PostgreSQL checks CREATE on the database
-- before the IF NOT EXISTS short-cut (src/backend/commands/schemacmds.c, CreateSchemaCommand). That
-- grant is all supavisor gets outside its schema: no USAGE on auth, storage or extensions, no CREATE
-- in public, no privilege on any table (it keeps what PUBLIC has, e.g. USAGE on public).
DO $database$
BEGIN
  EXECUTE format('GRANT CREATE ON DATABASE %I TO supabase_auth_admin, supabase_storage_admin, supabase_admin',
                 current_database());
  IF current_setting('supabase_bootstrap.supavisor')::boolean THEN
    EXECUTE format('GRANT CREATE ON DATABASE %I TO supavisor', current_database());
  END IF;
END
$database$;
GRANT USAGE, CREATE ON SCHEMA public TO supabase_admin;

-- 8. Default privileges in public, as Supabase's own init sets them. ------------------------------------
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
  GRANT ALL ON TABLES TO CURRENT_USER, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
  GRANT ALL ON SEQUENCES TO CURRENT_USER, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
  GRANT ALL ON FUNCTIONS TO CURRENT_USER, anon, authenticated, service_role;

-- 9. The Realtime publication: created empty and owned by supabase_admin; its tables are never touched.
-- Enabling Realtime on a table in Studio is ALTER PUBLICATION supabase_realtime ADD TABLE, run as
-- supabase_admin through postgres-meta (supabase/postgres-meta@v0.95.2:
-- src/lib/PostgresMetaPublications.ts, update), which PostgreSQL allows only the publication's
-- owner (or a member of it). Changing the owner keeps the publication and its tables; it needs the
-- master to be able to SET ROLE supabase_admin (section 2) and supabase_admin to have CREATE on the
-- database (section 7). The master keeps managing it through its membership in supabase_admin.
DO $publication$
DECLARE
  owner text;
BEGIN
  IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
  SELECT pg_get_userbyid(pubowner) INTO owner FROM pg_publication WHERE pubname = 'supabase_realtime';
  IF owner <> 'supabase_admin' THEN
    BEGIN
      ALTER PUBLICATION supabase_realtime OWNER TO supabase_admin;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'bootstrap.sql: % may not hand publication supabase_realtime (owner %) to supabase_admin (%); Studio could not enable Realtime on a table',
          current_user, owner, SQLERRM
        USING HINT = 'Run ALTER PUBLICATION supabase_realtime OWNER TO supabase_admin once as its owner or a superuser (a FOR ALL TABLES publication cannot belong to a non-superuser: recreate it empty, with the tables it should carry), then run the Job again.';
    END;
  END IF;
END
$publication$;

-- 9b. Studio's read-only role. ------------------------------------------------------------------------
-- Studio runs what it means to be read-only (its MCP server's read-only tools, e.g. list_tables and
-- read-only execute_sql) as POSTGRES_USER_READ_ONLY, default supabase_read_only_user, with the
-- password of its read-write user, POSTGRES_PASSWORD: there is no separate password setting
-- (supabase/supabase apps/studio/lib/api/self-hosted/util.ts getConnectionString, constants.ts;
-- supabase/supabase#39961). Supabase's image creates the role LOGIN BYPASSRLS, member of
-- pg_read_all_data (supabase/postgres@15.8.1.004:
-- migrations/db/init-scripts/00000000000000-initial-schema.sql). Here it gets supabase_admin's
-- password (section 5), read-only transactions by default, and SELECT on the tables Studio shows:
-- those created in public (by supabase_admin, i.e. Studio, or the master) and those the services
-- create in auth and storage, through default privileges, so nothing a service created is
-- changed. Neither BYPASSRLS nor pg_read_all_data, which Supabase's image gives it: read-only tools
-- need not see past row-level security, and PostgreSQL 16+ lets only holders of ADMIN OPTION on
-- pg_read_all_data grant it, which AWS does not document for the RDS master. So rows behind
-- row-level security stay hidden from it, and tables created before this version of the bootstrap
-- first ran need a GRANT SELECT by hand.
ALTER ROLE supabase_read_only_user SET default_transaction_read_only = on;
GRANT USAGE ON SCHEMA public, extensions, auth, storage TO supabase_read_only_user;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO supabase_read_only_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public GRANT SELECT ON TABLES TO supabase_read_only_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_auth_admin IN SCHEMA auth GRANT SELECT ON TABLES TO supabase_read_only_user;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_storage_admin IN SCHEMA storage GRANT SELECT ON TABLES TO supabase_read_only_user;

-- 10. PostgREST schema cache reload on DDL. ----------------------------------------------------------
-- PostgREST reloads its schema cache when it receives NOTIFY pgrst, 'reload schema' on the channel
-- it LISTENs on (PostgREST/postgrest@v14.5:src/PostgREST/Listener.hs; channel default "pgrst",
-- src/PostgREST/Config.hs); without one, tables and functions created after it started stay
-- invisible to the API until a restart. Supabase's own image sends it from event triggers on
-- ddl_command_end and sql_drop (supabase/postgres@15.8.1.000:
-- migrations/db/migrations/20220321174452_fix-postgrest-alter-type-event-trigger.sql). Ours: one
-- notification per statement that creates, alters, grants on or drops anything but a temporary
-- object (identical notifications within a transaction are delivered once, so a migration of many
-- statements reloads once).
--
-- CREATE EVENT TRIGGER is reserved to superusers by vanilla PostgreSQL; RDS lets the master user
-- create event triggers (RDS User Guide, "Event triggers for RDS for PostgreSQL"). A refusal fails
-- the run. The functions are ours (extensions.pgrst_reload_on_*), replaced only when their body
-- differs; an existing trigger of ours is never altered (an operator may have disabled it). The
-- same AWS page asks to drop event triggers before a major version upgrade: as the master,
-- DROP EVENT TRIGGER pgrst_reload_on_ddl_command_end; DROP EVENT TRIGGER pgrst_reload_on_sql_drop;
-- then, after the upgrade, run the Job again, which re-creates them.
DO $pgrst$
DECLARE
  t  record;
  et record;
BEGIN
  FOR t IN
    SELECT *
    FROM (VALUES
      ('pgrst_reload_on_ddl_command_end', 'ddl_command_end', $body$
BEGIN
  IF EXISTS (SELECT FROM pg_event_trigger_ddl_commands() AS c
             WHERE c.schema_name IS DISTINCT FROM 'pg_temp') THEN
    PERFORM pg_notify('pgrst', 'reload schema');
  END IF;
END
$body$),
      ('pgrst_reload_on_sql_drop', 'sql_drop', $body$
BEGIN
  IF EXISTS (SELECT FROM pg_event_trigger_dropped_objects() AS o WHERE NOT o.is_temporary) THEN
    PERFORM pg_notify('pgrst', 'reload schema');
  END IF;
END
$body$)
    ) AS v(name, event, body)
  LOOP
    IF NOT EXISTS (SELECT FROM pg_proc
                   WHERE oid = to_regprocedure(format('extensions.%I()', t.name))
                     AND prosrc = t.body) THEN
      EXECUTE format('CREATE OR REPLACE FUNCTION extensions.%I() RETURNS event_trigger LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS %L',
                     t.name, t.body);
    END IF;

    SELECT * INTO et FROM pg_event_trigger WHERE evtname = t.name;
    IF NOT FOUND THEN
      BEGIN
        EXECUTE format('CREATE EVENT TRIGGER %I ON %s EXECUTE FUNCTION extensions.%I()',
                       t.name, t.event, t.name);
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE EXCEPTION 'bootstrap.sql: % may not create event trigger % (%); PostgREST would never see schema changes',
            current_user, t.name, SQLERRM
          USING HINT = 'Run the Job as the RDS master user (RDS lets it create event triggers); elsewhere as a superuser. Then run it again.';
      END;
    ELSIF et.evtevent <> t.event
          OR et.evtfoid <> to_regprocedure(format('extensions.%I()', t.name)) THEN
      RAISE EXCEPTION 'bootstrap.sql: event trigger % exists but is not ours (event %, function %)',
          t.name, et.evtevent, et.evtfoid::regprocedure
        USING HINT = 'Rename or drop that event trigger, then run the Job again.';
    ELSIF et.evtenabled = 'D' THEN
      RAISE WARNING 'bootstrap.sql: event trigger % is disabled; PostgREST will not see schema changes until it is enabled', t.name;
    END IF;
  END LOOP;
END
$pgrst$;

-- 11. Realtime's tenant migrations. ---------------------------------------------------------------------
-- Realtime (v2.78.15) runs its tenant migrations as supabase_admin with Ecto prefix `realtime`
-- (supabase/realtime@v2.78.15:lib/realtime/tenants/migrations.ex), in schema `realtime` (section 3).
-- Two of them need more than the owner of that schema has:
--  * 20240401105812_create_realtime_admin_and_move_ownership creates role supabase_realtime_admin
--    unless it exists (CREATEROLE, which supabase_admin lacks), moves tables and functions to it
--    (ALTER ... OWNER TO: the owner must be able to SET ROLE to the new owner) and grants it to
--    postgres (ADMIN OPTION). Later migrations alter, rename and drop those tables as supabase_admin
--    (its privileges: INHERIT), and the broadcast-changes connection creates a publication for
--    realtime.messages (ownership: lib/realtime/tenants/replication_connection.ex). The role is
--    created here with the attributes that migration gives it, never altered afterwards, and
--    granted to supabase_admin with ADMIN, INHERIT and SET.
--  * 20230328144023_create_list_changes_function declares realtime.list_changes with
--    `SET log_min_messages TO 'fatal'` (supabase/realtime#1326; still so at v2.129.8, which adds two
--    more such functions). PostgreSQL 15+ lets a non-superuser create and call it when it holds SET on
--    that parameter (GRANT SET ON PARAMETER). AWS documents no parameter privileges for rds_superuser
--    (RDS User Guide, "Understanding the rds_superuser role"): the grant is attempted, and without it
--    the run fails, since that migration and every later one would fail at Realtime's first join.
DO $realtime$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_realtime_admin') THEN
    CREATE ROLE supabase_realtime_admin NOINHERIT NOLOGIN NOREPLICATION;
  END IF;

  IF current_setting('server_version_num')::int >= 160000 THEN
    IF NOT EXISTS (SELECT FROM pg_auth_members
                   WHERE roleid = 'supabase_realtime_admin'::regrole AND member = 'supabase_admin'::regrole
                     AND admin_option AND inherit_option AND set_option) THEN
      EXECUTE 'GRANT supabase_realtime_admin TO supabase_admin WITH ADMIN TRUE, INHERIT TRUE, SET TRUE';
    END IF;
  ELSIF NOT EXISTS (SELECT FROM pg_auth_members
                    WHERE roleid = 'supabase_realtime_admin'::regrole AND member = 'supabase_admin'::regrole
                      AND admin_option) THEN
    GRANT supabase_realtime_admin TO supabase_admin WITH ADMIN OPTION;
  END IF;

  IF NOT has_parameter_privilege('supabase_admin', 'log_min_messages', 'SET') THEN
    BEGIN
      GRANT SET ON PARAMETER log_min_messages TO supabase_admin;
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;  -- reported below (a grantor without the grant option only gets a WARNING)
    END;
    IF NOT has_parameter_privilege('supabase_admin', 'log_min_messages', 'SET') THEN
      RAISE EXCEPTION 'bootstrap.sql: % may not grant SET on parameter log_min_messages to supabase_admin; Realtime''s tenant migration 20230328144023 (realtime.list_changes is declared SET log_min_messages TO ''fatal'') and every later one would fail', current_user
        USING HINT = 'As a role holding SET on log_min_messages WITH GRANT OPTION (a superuser; on RDS that is only possible if rds_superuser holds it), run GRANT SET ON PARAMETER log_min_messages TO supabase_admin; then run the Job again. See "Realtime" in the chart README.';
    END IF;
  END IF;
END
$realtime$;

COMMIT;

\echo 'bootstrap.sql: done'
