-- Supabase database bootstrap for Amazon RDS for PostgreSQL.
--
-- Run by the bootstrap Job (a Helm hook) as the RDS master user, on every install and upgrade:
--
--   psql -X -q -v ON_ERROR_STOP=1 \
--        -v authenticator_password=... -v supabase_auth_admin_password=... \
--        -v supabase_storage_admin_password=... -v supabase_admin_password=... \
--        -f bootstrap.sql
--
-- It creates only roles, empty schemas, owners, grants, role settings, the extensions in schema
-- `extensions`, default privileges and the publication. The services create their own tables and
-- functions at start-up (GoTrue in `auth`, Storage in `storage`, Realtime in `_realtime`), so this
-- script never drops, replaces or alters anything inside those schemas. Every statement is
-- conditional or naturally idempotent: running it again leaves the same state, except that the four
-- login passwords are set again on every run (so rotating a password secret and re-running the Job
-- takes effect).
--
-- The master user is not a superuser on RDS (LOGIN CREATEROLE CREATEDB, member of rds_superuser).
-- Anything RDS may refuse to such a user (BYPASSRLS, CREATEROLE on another role, rds_replication)
-- is attempted and, when refused, reported with a WARNING instead of failing the run.
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
      ('supabase_admin',         true,  true,  false, false)
    ) AS t(name, login, inherit, createrole, bypassrls)
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

    IF spec.bypassrls AND NOT cur.rolbypassrls THEN
      BEGIN
        EXECUTE format('ALTER ROLE %I BYPASSRLS', spec.name);
      EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'bootstrap.sql: role % was left without BYPASSRLS: the server refused it to % (%: %). Requests made with the service_role key will be subject to row-level security policies.',
          spec.name, current_user, SQLSTATE, SQLERRM;
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
  -- a role only ADMIN OPTION (no SET, no INHERIT); PostgreSQL 15 gives nothing.
  FOREACH r IN ARRAY ARRAY['supabase_auth_admin', 'supabase_storage_admin', 'supabase_admin'] LOOP
    IF pg16 THEN
      IF NOT (pg_has_role(current_user, r, 'SET') AND pg_has_role(current_user, r, 'USAGE')) THEN
        EXECUTE format('GRANT %I TO %I WITH INHERIT TRUE, SET TRUE', r, current_user);
      END IF;
    ELSIF NOT pg_has_role(current_user, r, 'USAGE') THEN
      EXECUTE format('GRANT %I TO %I', r, current_user);
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
      ('_realtime',      'supabase_admin', true)
    ) AS t(name, owner, enforce_owner)
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
BEGIN
  FOREACH r IN ARRAY ARRAY['authenticator', 'supabase_auth_admin', 'supabase_storage_admin', 'supabase_admin'] LOOP
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

    EXECUTE format('ALTER ROLE %I PASSWORD %L', r,
      format('SCRAM-SHA-256$%s:%s$%s:%s', iterations,
             encode(salt, 'base64'),
             encode(sha256(extensions.hmac('Client Key'::bytea, salted, 'sha256')), 'base64'),
             encode(extensions.hmac('Server Key'::bytea, salted, 'sha256'), 'base64')));
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
-- schema exists; Realtime creates its `realtime` schema. supabase_admin (postgres-meta, i.e. Studio)
-- creates tables in public.
DO $database$
BEGIN
  EXECUTE format('GRANT CREATE ON DATABASE %I TO supabase_auth_admin, supabase_storage_admin, supabase_admin',
                 current_database());
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

-- 9. The Realtime publication: created empty, never altered afterwards. ---------------------------------
DO $publication$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_publication WHERE pubname = 'supabase_realtime') THEN
    CREATE PUBLICATION supabase_realtime;
  END IF;
END
$publication$;

COMMIT;

\echo 'bootstrap.sql: done'
