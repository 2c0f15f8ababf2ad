//! Realtime's runtime contract on RDS: every privileged database operation Realtime v2.78.15
//! performs at start-up and per request, performed here as Realtime's own role (`supabase_admin`,
//! the chart's DB_USER) against an RDS-like cluster after our bootstrap, on PostgreSQL 15 and 17.
//!
//! The statements are ours: each performs the same kind of operation (same privilege checks, same
//! owners, same schemas) as the upstream file cited next to it; no upstream code or SQL is copied.
//! Where vanilla PostgreSQL cannot show what RDS allows, one clearly named function emulates it and
//! cites the AWS page it stands for.
//!
//! Realtime's start-up (supabase/realtime@v2.78.15:run.sh, replaced by the chart's own command):
//!   1. `/app/bin/migrate` (lib/realtime/release.ex `migrate`): Ecto migrations of Realtime.Repo
//!      (priv/repo/migrations/*) in the schema DB_AFTER_CONNECT_QUERY puts first (`_realtime`).
//!   2. the seed (priv/repo/seeds.exs): replaces the self-host tenant in `_realtime.tenants` /
//!      `_realtime.extensions` (settings jsonb, "ssl_enforced" => false hard-coded), then runs the
//!      tenant migrations.
//!   3. the chart turns TLS on for that tenant (the statement `TENANT_TLS_SQL`, also in the chart).
//!   4. tenant migrations (lib/realtime/tenants/migrations.ex): Ecto with prefix `realtime`, over
//!      the tenant connection (lib/realtime/database.ex `from_settings`: TLS only when ssl_enforced).
//!
//! Per connection / per request: partitions of realtime.messages (migrations.ex `create_partitions`,
//! janitor: lib/realtime/messages.ex `delete_old_messages`), the broadcast-changes replication
//! connection (lib/realtime/tenants/replication_connection.ex: temporary pgoutput slot over the
//! replication protocol, publication for realtime.messages), the postgres_changes slot
//! (lib/extensions/postgres_cdc_rls/replications.ex: pg_create_logical_replication_slot with
//! wal2json, polled through realtime.list_changes), channel authorization
//! (lib/realtime/tenants/authorization.ex: insert into realtime.messages, set_config('role', ...),
//! read back under RLS, rollback), and broadcast from the database (realtime.send inserting into
//! realtime.messages).

use crate::common;

use std::process::{Output, Stdio};

use crate::common::pg::{self, Cluster, MASTER};
use serde_json::Value;

/// Realtime's database user (the chart's DB_USER; the seed's default too).
const REALTIME: &str = "supabase_admin";

/// DB_AFTER_CONNECT_QUERY as the chart sets it; Realtime.Repo runs it on every connection, and the
/// tenant connections inherit it (lib/realtime/repo.ex `with_dynamic_repo` merges the Repo config).
const AFTER_CONNECT: &str = "SET search_path TO _realtime";

/// The statement the chart's Realtime command runs after the seed so that the self-host tenant's
/// connections use TLS (the seed hard-codes `"ssl_enforced" => false`, priv/repo/seeds.exs;
/// lib/realtime/database.ex `default_ssl_param` reads it). The chart must contain it verbatim.
const TENANT_TLS_SQL: &str = "UPDATE _realtime.extensions SET settings = jsonb_set(settings, ARRAY[$1::text], to_jsonb(true)) WHERE tenant_external_id = $2 AND type = $3";

/// The tenant name the chart gives Realtime (SELF_HOST_TENANT_NAME); any name does here.
const TENANT: &str = "supabase-realtime";

// ------------------------------------------------------------------------------ connections


/// The tenant connection with TLS as Realtime opens it when ssl_enforced is true: encrypted, not
/// verified (lib/realtime/database.ex: `ssl: [verify: :verify_none]`), i.e. libpq sslmode=require.
fn tenant_conninfo() -> &'static str {
    "sslmode=require"
}

/// Realtime.Repo's connection: DB_SSL=true with DB_SSL_CA_CERT (config/runtime.exs: `cacertfile`).
fn repo_conninfo(db: &Cluster) -> String {
    format!("sslmode=verify-full sslrootcert={}", db.ca_file().display())
}

fn output(out: &Output) -> String {
    common::stdout(out).trim_end().to_string()
}

/// Runs `sql` as Realtime on a connection configured like `conninfo` (after DB_AFTER_CONNECT_QUERY);
/// `step` names the upstream operation in the failure message.
fn realtime(db: &Cluster, pw: &str, conninfo: &str, step: &str, sql: &str) -> String {
    let out = db.tcp_psql(REALTIME, pw, conninfo)
        .args(["-c", AFTER_CONNECT, "-c", sql])
        .output()
        .expect("run psql");
    assert!(
        out.status.success(),
        "Realtime step `{step}` failed as {REALTIME} on PostgreSQL {}: {}",
        db.major(),
        common::stderr(&out).trim()
    );
    output(&out)
}

// ------------------------------------------------------------------------------ RDS emulation

/// On RDS a member of rds_replication may create logical replication slots and stream from them
/// ("The rds_replication role grants permissions to manage logical slots and to stream data using
/// logical slots": RDS User Guide, Performing logical replication for Amazon RDS for PostgreSQL,
/// PostgreSQL.Concepts.General.FeatureSupport.LogicalReplication.html). Vanilla PostgreSQL checks
/// the REPLICATION attribute of the role itself instead, so the cluster superuser gives it to every
/// login role that the bootstrap made a member of rds_replication, and to no other.
fn rds_replication_membership_allows_replication(db: &Cluster) {
    let members = db.sql(
        "SELECT string_agg(format('ALTER ROLE %I REPLICATION;', rolname), ' ')
         FROM pg_roles
         WHERE rolcanlogin AND pg_has_role(oid, 'rds_replication', 'MEMBER')
           AND rolname <> 'clusteradmin'",
    );
    if !members.is_empty() {
        db.sql(&members);
    }
}

// ------------------------------------------------------------------------------ Realtime.Repo

/// priv/repo/migrations/* at v2.78.15 run by `Realtime.Release.migrate` as DB_USER with the
/// search_path of DB_AFTER_CONNECT_QUERY: Ecto's bookkeeping table, the tenants and extensions
/// tables (20210706140551, 20220329161857), unique indexes, later column changes (20230810220924).
/// Unqualified names: they land in `_realtime`, which the bootstrap creates for supabase_admin.
const REPO_MIGRATIONS: &str = r#"
BEGIN;
CREATE TABLE IF NOT EXISTS schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0));
CREATE TABLE tenants (
  id uuid PRIMARY KEY, name varchar(255), external_id varchar(255), jwt_secret varchar(500),
  migrations_ran integer DEFAULT 0,
  inserted_at timestamp(0) NOT NULL, updated_at timestamp(0) NOT NULL);
CREATE UNIQUE INDEX tenants_external_id_index ON tenants (external_id);
CREATE TABLE extensions (
  id uuid PRIMARY KEY, type varchar(255), settings jsonb,
  tenant_external_id varchar(255) REFERENCES tenants (external_id) ON DELETE CASCADE,
  inserted_at timestamp(0) NOT NULL, updated_at timestamp(0) NOT NULL);
CREATE UNIQUE INDEX extensions_tenant_external_id_type_index ON extensions (tenant_external_id, type);
ALTER TABLE extensions ALTER COLUMN type TYPE text, ALTER COLUMN tenant_external_id TYPE text;
INSERT INTO schema_migrations (version, inserted_at) VALUES (20210706140551, now()), (20220329161857, now()), (20230810220924, now());
COMMIT;
"#;

/// priv/repo/seeds.exs: in one transaction, delete the tenant if present (extensions cascade),
/// insert it and its postgres_cdc_rls extension with `ssl_enforced` false (the value it hard-codes).
fn seed_sql() -> String {
    format!(
        r#"BEGIN;
DELETE FROM tenants WHERE external_id = '{TENANT}';
INSERT INTO tenants (id, name, external_id, jwt_secret, inserted_at, updated_at)
  VALUES (gen_random_uuid(), '{TENANT}', '{TENANT}', 'encrypted', now(), now());
INSERT INTO extensions (id, type, settings, tenant_external_id, inserted_at, updated_at)
  VALUES (gen_random_uuid(), 'postgres_cdc_rls',
          jsonb_build_object('db_host', 'localhost', 'db_user', '{REALTIME}', 'region', 'us-east-1',
                             'publication', 'supabase_realtime', 'ssl_enforced', false),
          '{TENANT}', now(), now());
COMMIT;"#
    )
}

/// TENANT_TLS_SQL with its parameters bound, as the chart's command runs it through Ecto.
fn tenant_tls_sql() -> String {
    let sql = TENANT_TLS_SQL
        .replace("$1", "'ssl_enforced'")
        .replace("$2", &format!("'{TENANT}'"))
        .replace("$3", "'postgres_cdc_rls'");
    format!("{sql} RETURNING settings->>'ssl_enforced'")
}

// ------------------------------------------------------------------------------ tenant migrations

/// The kinds of privileged statement lib/realtime/tenants/repo/migrations/* run at v2.78.15, as our
/// own statements, in upstream order; each is applied like Ecto.Migrator with prefix `realtime`:
/// in a transaction that records the version in realtime.schema_migrations.
const TENANT_MIGRATIONS: &[(i64, &str)] = &[
    // 20211116024918_create_realtime_subscription_table: enum and composite types, a table with an
    // identity column, an index.
    (
        20211116024918,
        r#"DO $$ BEGIN
             IF NOT EXISTS (SELECT FROM pg_type WHERE typname = 'equality_op') THEN
               CREATE TYPE realtime.equality_op AS ENUM ('eq', 'neq', 'lt', 'gt');
             END IF;
           END $$;
           CREATE TYPE realtime.user_defined_filter AS (column_name text, op realtime.equality_op, value text);
           CREATE TABLE IF NOT EXISTS realtime.subscription (
             id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             subscription_id uuid NOT NULL, entity regclass NOT NULL,
             filters realtime.user_defined_filter[] NOT NULL DEFAULT '{}',
             claims jsonb NOT NULL, created_at timestamp NOT NULL DEFAULT now());
           CREATE INDEX IF NOT EXISTS ix_realtime_subscription_entity ON realtime.subscription (entity);"#,
    ),
    // 20211116045059_create_realtime_check_filters_trigger: a trigger function and its trigger.
    (
        20211116045059,
        r#"CREATE FUNCTION realtime.subscription_check_filters() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN RETURN NEW; END $$;
           CREATE TRIGGER tr_check_filters BEFORE INSERT OR UPDATE ON realtime.subscription
             FOR EACH ROW EXECUTE FUNCTION realtime.subscription_check_filters();"#,
    ),
    // 20211116214523_create_realtime_apply_rls_function (and its many redefinitions): the RLS
    // evaluator switches to each subscriber's role with set_config('role', ..., true).
    (
        20211116214523,
        r#"CREATE TYPE realtime.wal_rls AS (wal jsonb, is_rls_enabled boolean, subscription_ids uuid[], errors text[]);
           CREATE FUNCTION realtime.apply_rls(wal jsonb, max_record_bytes int DEFAULT 1048576)
             RETURNS SETOF realtime.wal_rls LANGUAGE plpgsql AS $$
           BEGIN
             PERFORM set_config('role', wal->>'role', true);
             RETURN QUERY SELECT wal, false, ARRAY[]::uuid[], ARRAY[current_user::text];
             PERFORM set_config('role', NULL, true);
           END $$;"#,
    ),
    // 20211122062447 / 20211210212804: grant, then revoke, on the schema and a table.
    (
        20211210212804,
        r#"GRANT USAGE ON SCHEMA realtime TO authenticated;
           REVOKE USAGE ON SCHEMA realtime FROM authenticated;
           REVOKE ALL ON realtime.subscription FROM authenticated;"#,
    ),
    // 20230328144023_create_list_changes_function: a function declared
    // `SET log_min_messages TO 'fatal'` (supabase/realtime#1326): needs SET on that parameter.
    (
        20230328144023,
        r#"CREATE OR REPLACE FUNCTION realtime.list_changes(publication name, slot_name name, max_changes int, max_record_bytes int)
             RETURNS SETOF realtime.wal_rls LANGUAGE sql SET log_min_messages TO 'fatal'
             AS $$ SELECT NULL::jsonb, false, ARRAY[]::uuid[], ARRAY[slot_name::text] WHERE max_changes < 0 $$;"#,
    ),
    // 20231018144023_create_channels (Ecto `create table`: bigserial id, timestamps).
    (
        20231018144023,
        r#"CREATE TABLE realtime.channels (id bigserial PRIMARY KEY, name varchar(255) NOT NULL,
             inserted_at timestamp(0) NOT NULL, updated_at timestamp(0) NOT NULL);
           CREATE UNIQUE INDEX channels_name_index ON realtime.channels (name);"#,
    ),
    // 20231204144023_set_required_grants: to postgres and the API roles, on everything in the schema.
    (
        20231204144023,
        r#"GRANT USAGE ON SCHEMA realtime TO postgres, anon, authenticated, service_role;
           GRANT SELECT ON ALL TABLES IN SCHEMA realtime TO postgres, anon, authenticated, service_role;
           GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA realtime TO postgres, anon, authenticated, service_role;
           GRANT USAGE ON ALL SEQUENCES IN SCHEMA realtime TO postgres, anon, authenticated, service_role;"#,
    ),
    // 20231204144024 / 20231204144025: an RLS helper function; RLS on channels.
    (
        20231204144025,
        r#"CREATE FUNCTION realtime.channel_name() RETURNS text LANGUAGE sql STABLE
             AS $$ SELECT current_setting('realtime.channel_name', true) $$;
           ALTER TABLE realtime.channels ENABLE ROW LEVEL SECURITY;"#,
    ),
    // 20240227174441 / 20240321100241: two more tables referencing channels, with grants.
    (
        20240321100241,
        r#"CREATE TABLE realtime.broadcasts (id bigserial PRIMARY KEY,
             channel_id bigint NOT NULL REFERENCES realtime.channels ON DELETE CASCADE,
             inserted_at timestamp(0) NOT NULL, updated_at timestamp(0) NOT NULL);
           CREATE TABLE realtime.presences (id bigserial PRIMARY KEY,
             channel_id bigint NOT NULL REFERENCES realtime.channels ON DELETE CASCADE,
             inserted_at timestamp(0) NOT NULL, updated_at timestamp(0) NOT NULL);
           GRANT SELECT, UPDATE, INSERT ON realtime.broadcasts, realtime.presences TO postgres, anon, authenticated, service_role;
           GRANT USAGE ON SEQUENCE realtime.broadcasts_id_seq, realtime.presences_id_seq TO postgres, anon, authenticated, service_role;"#,
    ),
    // 20240401105812_create_realtime_admin_and_move_ownership: CREATE ROLE unless it exists, grants
    // to it, ownership of tables and a function moved to it, and it granted to postgres.
    (
        20240401105812,
        r#"DO $$ BEGIN
             IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'supabase_realtime_admin') THEN
               CREATE ROLE supabase_realtime_admin WITH NOINHERIT NOLOGIN NOREPLICATION;
             END IF;
           END $$;
           GRANT ALL PRIVILEGES ON SCHEMA realtime TO supabase_realtime_admin;
           GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA realtime TO supabase_realtime_admin;
           GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA realtime TO supabase_realtime_admin;
           GRANT ALL PRIVILEGES ON ALL FUNCTIONS IN SCHEMA realtime TO supabase_realtime_admin;
           ALTER TABLE realtime.channels OWNER TO supabase_realtime_admin;
           ALTER TABLE realtime.broadcasts OWNER TO supabase_realtime_admin;
           ALTER TABLE realtime.presences OWNER TO supabase_realtime_admin;
           ALTER FUNCTION realtime.channel_name() OWNER TO supabase_realtime_admin;
           GRANT supabase_realtime_admin TO postgres;"#,
    ),
    // 20240523004032_redefine_authorization_tables: drops the tables now owned by
    // supabase_realtime_admin, creates realtime.messages, grants, moves its ownership.
    (
        20240523004032,
        r#"DROP TABLE realtime.broadcasts CASCADE;
           DROP TABLE realtime.presences CASCADE;
           DROP TABLE realtime.channels CASCADE;
           CREATE TABLE IF NOT EXISTS realtime.messages (id bigserial PRIMARY KEY, topic text NOT NULL,
             extension text NOT NULL, inserted_at timestamp(0) NOT NULL, updated_at timestamp(0) NOT NULL);
           CREATE INDEX IF NOT EXISTS messages_topic_index ON realtime.messages (topic);
           ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
           GRANT SELECT, UPDATE, INSERT ON realtime.messages TO postgres, anon, authenticated, service_role;
           GRANT USAGE ON SEQUENCE realtime.messages_id_seq TO postgres, anon, authenticated, service_role;
           ALTER TABLE realtime.messages OWNER TO supabase_realtime_admin;
           DROP FUNCTION realtime.channel_name;
           CREATE FUNCTION realtime.topic() RETURNS text LANGUAGE sql STABLE
             AS $$ SELECT current_setting('realtime.topic', true) $$;
           ALTER FUNCTION realtime.topic() OWNER TO supabase_realtime_admin;"#,
    ),
    // 20241030150047_messages_partitioning: a partitioned replacement with RLS, renames, the old
    // table dropped, a sequence, ownership moved again, grants, and realtime.send (a plain
    // function: it runs as whoever calls it, e.g. a user's trigger).
    (
        20241030150047,
        r#"CREATE TABLE IF NOT EXISTS realtime.messages_new (id bigserial, topic text NOT NULL,
             extension text NOT NULL, payload jsonb, event text, private boolean DEFAULT false,
             updated_at timestamp NOT NULL DEFAULT now(), inserted_at timestamp NOT NULL DEFAULT now(),
             PRIMARY KEY (id, inserted_at)) PARTITION BY RANGE (inserted_at);
           ALTER TABLE realtime.messages_new ENABLE ROW LEVEL SECURITY;
           ALTER TABLE realtime.messages RENAME TO messages_old;
           ALTER TABLE realtime.messages_new RENAME TO messages;
           DROP TABLE realtime.messages_old;
           CREATE SEQUENCE IF NOT EXISTS realtime.messages_id_seq;
           ALTER TABLE realtime.messages ALTER COLUMN id SET DEFAULT nextval('realtime.messages_id_seq');
           ALTER TABLE realtime.messages OWNER TO supabase_realtime_admin;
           GRANT USAGE ON SEQUENCE realtime.messages_id_seq TO postgres, anon, authenticated, service_role;
           GRANT SELECT, UPDATE, INSERT ON realtime.messages TO postgres, anon, authenticated, service_role;
           CREATE OR REPLACE FUNCTION realtime.send(payload jsonb, event text, topic text, private boolean DEFAULT true)
             RETURNS void LANGUAGE plpgsql AS $$
           BEGIN
             PERFORM set_config('realtime.topic', topic, true);
             INSERT INTO realtime.messages (payload, event, topic, private, extension)
               VALUES (payload, event, topic, private, 'broadcast');
           END $$;"#,
    ),
    // 20241108114728_messages_using_uuid: column type change, a new primary key, a sequence dropped.
    (
        20241108114728,
        r#"ALTER TABLE realtime.messages DROP CONSTRAINT messages_new_pkey;
           ALTER TABLE realtime.messages ALTER COLUMN id DROP DEFAULT;
           ALTER TABLE realtime.messages ALTER COLUMN id TYPE uuid USING gen_random_uuid();
           ALTER TABLE realtime.messages ALTER COLUMN id SET DEFAULT gen_random_uuid();
           ALTER TABLE realtime.messages ADD PRIMARY KEY (id, inserted_at);
           DROP SEQUENCE realtime.messages_id_seq;"#,
    ),
    // 20250123174212_remove_unused_publications: drops publications named like Realtime's own.
    (
        20250123174212,
        r#"DO $$ DECLARE p record; BEGIN
             FOR p IN SELECT pubname FROM pg_publication WHERE pubname LIKE 'supabase_realtime_messages%' LOOP
               EXECUTE format('DROP PUBLICATION IF EXISTS %I', p.pubname);
             END LOOP;
           END $$;"#,
    ),
    // 20250905041441_create_messages_replay_index: a partial index on the partitioned table.
    (
        20250905041441,
        r#"CREATE INDEX IF NOT EXISTS messages_inserted_at_topic_index ON realtime.messages (inserted_at DESC, topic)
             WHERE extension = 'broadcast' AND private IS TRUE;"#,
    ),
];

/// Ecto.Migrator with prefix `realtime`: the bookkeeping table in the prefix (it does not create
/// the schema), a lock on it, then each migration in its own transaction with its version.
fn run_tenant_migrations(db: &Cluster, pw: &str) {
    realtime(
        db,
        pw,
        tenant_conninfo(),
        "Ecto schema_migrations in prefix realtime",
        "CREATE TABLE IF NOT EXISTS realtime.schema_migrations (version bigint PRIMARY KEY, inserted_at timestamp(0));
         BEGIN; LOCK TABLE realtime.schema_migrations IN SHARE UPDATE EXCLUSIVE MODE; COMMIT;",
    );
    for (version, sql) in TENANT_MIGRATIONS {
        realtime(
            db,
            pw,
            tenant_conninfo(),
            &format!("tenant migration {version}"),
            &format!(
                "BEGIN;\n{sql}\nINSERT INTO realtime.schema_migrations (version, inserted_at) VALUES ({version}, now());\nCOMMIT;"
            ),
        );
    }
}

// ------------------------------------------------------------------------------ what must not change

/// Everything Realtime created or owns, as the cluster superuser sees it: owners, ACLs, RLS,
/// function bodies and settings, types, the schemas, supabase_realtime_admin and its memberships,
/// Realtime's publication, the parameter privileges.
fn realtime_state(db: &Cluster) -> String {
    db.sql(
        r#"SELECT string_agg(x, E'\n' ORDER BY x) FROM (
             SELECT format('rel %s.%s kind=%s owner=%s acl=%s rls=%s', n.nspname, c.relname, c.relkind,
                           pg_get_userbyid(c.relowner), c.relacl, c.relrowsecurity)
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname IN ('realtime', '_realtime')
           UNION ALL
             SELECT format('fn %s owner=%s acl=%s config=%s body=%s', p.oid::regprocedure,
                           pg_get_userbyid(p.proowner), p.proacl, p.proconfig, md5(p.prosrc))
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname IN ('realtime', '_realtime')
           UNION ALL
             SELECT format('type %s owner=%s acl=%s', t.oid::regtype, pg_get_userbyid(t.typowner), t.typacl)
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE n.nspname IN ('realtime', '_realtime') AND t.typtype IN ('e', 'c')
           UNION ALL
             SELECT format('schema %s owner=%s acl=%s', nspname, pg_get_userbyid(nspowner), nspacl)
             FROM pg_namespace WHERE nspname IN ('realtime', '_realtime')
           UNION ALL
             SELECT format('role %s login=%s inherit=%s replication=%s createrole=%s', rolname,
                           rolcanlogin, rolinherit, rolreplication, rolcreaterole)
             FROM pg_roles WHERE rolname = 'supabase_realtime_admin'
           UNION ALL
             SELECT format('member %s of %s admin=%s', member::regrole, roleid::regrole, admin_option)
             FROM pg_auth_members
             WHERE 'supabase_realtime_admin'::regrole IN (roleid, member)
           UNION ALL
             SELECT format('publication %s owner=%s tables=%s', p.pubname, pg_get_userbyid(p.pubowner),
                           (SELECT string_agg(schemaname || '.' || tablename, ',' ORDER BY tablename)
                            FROM pg_publication_tables t WHERE t.pubname = p.pubname))
             FROM pg_publication p WHERE p.pubname LIKE 'supabase_realtime_messages%'
           UNION ALL
             SELECT format('parameter %s acl=%s', parname, paracl) FROM pg_parameter_acl
         ) s(x)"#,
    )
}

// ------------------------------------------------------------------------------ the contract

#[test]
fn realtime_starts_and_serves_as_supabase_admin_after_the_bootstrap() {
    pg::for_each(|db| {
        let passwords = db.bootstrap();
        let pw = passwords.get(REALTIME).to_string();
        rds_replication_membership_allows_replication(db);

        // The tenant connection must use TLS: the RDS-like server (rds.force_ssl=1) refuses
        // Realtime's tenant connection as the seed configures it (ssl_enforced false, i.e. no TLS).
        let plain = db.tcp_psql(REALTIME, &pw, "sslmode=disable")
            .args(["-c", "SELECT 1"])
            .output()
            .expect("run psql");
        assert!(
            !plain.status.success() && common::stderr(&plain).contains("no encryption"),
            "a connection without TLS was not refused on PostgreSQL {}: {}",
            db.major(),
            common::stderr(&plain)
        );

        // 1. Realtime.Release.migrate over Realtime.Repo's verified TLS connection.
        let repo = repo_conninfo(db);
        realtime(
            db,
            &pw,
            &repo,
            "Realtime.Repo migrations in _realtime",
            REPO_MIGRATIONS,
        );
        assert!(
            db.truthy("SELECT to_regclass('_realtime.tenants') IS NOT NULL AND to_regclass('_realtime.schema_migrations') IS NOT NULL"),
            "Realtime.Repo's tables did not land in _realtime on PostgreSQL {}",
            db.major()
        );

        // 2. The seed, then 3. the chart's TLS switch for the tenant (one row, now true).
        realtime(db, &pw, &repo, "seed of the self-host tenant", &seed_sql());
        assert_eq!(
            realtime(
                db,
                &pw,
                &repo,
                "chart: TLS for the self-host tenant",
                &tenant_tls_sql()
            ),
            "true",
            "the tenant TLS statement did not update exactly the seeded extension"
        );

        // 4. Tenant migrations over the (TLS) tenant connection, and their bookkeeping.
        run_tenant_migrations(db, &pw);
        let ran = realtime(
            db,
            &pw,
            tenant_conninfo(),
            "Connect: migrations count (lib/realtime/database.ex query_connection_info)",
            "SELECT count(*) FROM realtime.schema_migrations",
        );
        assert_eq!(
            ran,
            TENANT_MIGRATIONS.len().to_string(),
            "realtime.schema_migrations"
        );
        realtime(
            db,
            &pw,
            &repo,
            "Api.update_migrations_ran",
            &format!("UPDATE tenants SET migrations_ran = {ran} WHERE external_id = '{TENANT}'"),
        );
        assert!(
            db.truthy("SELECT rolname = 'supabase_realtime_admin' FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE c.oid = 'realtime.messages'::regclass"),
            "realtime.messages is not owned by supabase_realtime_admin after the migrations"
        );

        // Partitions (Migrations.create_partitions: yesterday to three days ahead) and the
        // janitor's drop of an expired one (Messages.delete_old_messages).
        let days = db.sql(
            "SELECT string_agg(format('CREATE TABLE IF NOT EXISTS realtime.messages_%s PARTITION OF realtime.messages FOR VALUES FROM (%L) TO (%L);',
                                      to_char(d, 'YYYY_MM_DD'), d::date, (d + interval '1 day')::date), ' ')
             FROM generate_series(current_date - 5, current_date + 3, interval '1 day') AS d",
        );
        realtime(db, &pw, tenant_conninfo(), "create_partitions", &days);
        let expired = db.sql("SELECT to_char(current_date - 5, 'YYYY_MM_DD')");
        realtime(
            db,
            &pw,
            tenant_conninfo(),
            "janitor: delete_old_messages",
            &format!("DROP TABLE IF EXISTS realtime.messages_{expired}"),
        );

        // Broadcast changes: a replication connection creates its temporary pgoutput slot and
        // the publication for realtime.messages (lib/realtime/tenants/replication_connection.ex).
        let replication = format!("{} replication=database", tenant_conninfo());
        let out = db.tcp_psql(REALTIME, &pw, &replication)
            .args([
                "-c",
                "CREATE_REPLICATION_SLOT supabase_realtime_messages_replication_slot_ TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT",
                "-c",
                "SELECT count(*) FROM pg_publication WHERE pubname = 'supabase_realtime_messages_publication'",
                "-c",
                "CREATE PUBLICATION supabase_realtime_messages_publication FOR TABLE realtime.messages",
                "-c",
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'supabase_realtime_messages_replication_slot_' AND temporary",
            ])
            .output()
            .expect("run psql");
        assert!(
            out.status.success(),
            "Realtime step `broadcast changes replication connection` failed as {REALTIME} on PostgreSQL {}: {}",
            db.major(),
            common::stderr(&out).trim()
        );
        assert!(
            output(&out).ends_with('1'),
            "the temporary slot did not exist: {}",
            output(&out)
        );
        assert!(
            db.truthy("SELECT count(*) > 0 FROM pg_publication_tables WHERE pubname = 'supabase_realtime_messages_publication' AND schemaname = 'realtime' AND tablename LIKE 'messages_%'"),
            "the publication does not cover realtime.messages' partitions"
        );

        // postgres_changes: a temporary slot from SQL with wal2json
        // (lib/extensions/postgres_cdc_rls/replications.ex). wal2json is not part of PostgreSQL:
        // where it is missing, the call fails on loading it, after the privilege check passed.
        // The same privileged call with pgoutput shows the slot itself can be made. Then
        // realtime.list_changes, which sets log_min_messages when called.
        let cdc = db.tcp_psql(REALTIME, &pw, tenant_conninfo())
            .args([
                "-c",
                "SELECT 1 FROM pg_create_logical_replication_slot('supabase_realtime_replication_slot', 'wal2json', true)",
            ])
            .output()
            .expect("run psql");
        let cdc_err = common::stderr(&cdc);
        assert!(
            cdc.status.success()
                || cdc_err.contains("wal2json")
                    && !cdc_err.contains("permission denied")
                    && !cdc_err.contains("must be"),
            "Realtime step `postgres_changes slot` failed as {REALTIME} on PostgreSQL {}: {}",
            db.major(),
            cdc_err.trim()
        );
        if !cdc.status.success() {
            eprintln!(
                "-- PostgreSQL {}: wal2json is not installed here; slot privilege checked with pgoutput",
                db.major()
            );
        }
        realtime(
            db,
            &pw,
            tenant_conninfo(),
            "postgres_changes slot and list_changes",
            "SELECT 1 FROM pg_create_logical_replication_slot('supabase_realtime_replication_slot_pg', 'pgoutput', true);
             SELECT count(*) FROM realtime.list_changes('supabase_realtime', 'supabase_realtime_replication_slot_pg', 10, 1048576);",
        );

        // Channel authorization (lib/realtime/tenants/authorization.ex): in one transaction,
        // insert probe messages as Realtime, switch to the subscriber's role, read under RLS,
        // roll back. Without policies the probe stays invisible to the role.
        let today = db.sql("SELECT to_char(current_date, 'YYYY-MM-DD')");
        for role in ["authenticated", "anon"] {
            let seen = realtime(
                db,
                &pw,
                tenant_conninfo(),
                &format!("authorization as {role}"),
                &format!(
                    "BEGIN;
                     INSERT INTO realtime.messages (topic, extension, inserted_at, updated_at) VALUES ('room', 'broadcast', '{today} 12:00', now());
                     SELECT set_config('role', '{role}', true), set_config('realtime.topic', 'room', true),
                            set_config('request.jwt.claims', '{{\"role\":\"{role}\"}}', true),
                            set_config('request.jwt.claim.role', '{role}', true);
                     SELECT current_user || ':' || count(*) FROM realtime.messages WHERE topic = 'room';
                     ROLLBACK;"
                ),
            );
            assert!(
                seen.ends_with(&format!("{role}:0")),
                "authorization did not run as {role} under RLS: {seen}"
            );
        }
        // postgres_changes RLS evaluation switches roles inside realtime.apply_rls.
        let applied = realtime(
            db,
            &pw,
            tenant_conninfo(),
            "apply_rls role switch",
            "BEGIN; SELECT errors[1] FROM realtime.apply_rls('{\"role\":\"authenticated\"}'); ROLLBACK;",
        );
        assert!(
            applied.ends_with("authenticated"),
            "apply_rls did not switch role: {applied}"
        );

        // Broadcast from the database: realtime.send runs as the caller (here the master, as a
        // trigger in a migration would), inserting into realtime.messages.
        db.sql_as(
            MASTER,
            None,
            "BEGIN; SELECT realtime.send('{\"hello\":1}'::jsonb, 'greeting', 'room', false); COMMIT;",
        );
        assert_eq!(
            realtime(
                db,
                &pw,
                tenant_conninfo(),
                "read broadcast",
                "SELECT count(*) FROM realtime.messages WHERE event = 'greeting'"
            ),
            "1",
            "realtime.send did not insert the broadcast"
        );
        // The same from a user's trigger running as `authenticated`, allowed by an authorization
        // policy on realtime.messages that the project adds through Studio (postgres-meta connects
        // as supabase_admin; the table belongs to supabase_realtime_admin).
        realtime(
            db,
            &pw,
            tenant_conninfo(),
            "Studio: authorization policy on realtime.messages",
            "CREATE POLICY authenticated_broadcasts ON realtime.messages FOR ALL TO authenticated
               USING (extension = 'broadcast') WITH CHECK (extension = 'broadcast')",
        );
        assert_eq!(
            realtime(
                db,
                &pw,
                tenant_conninfo(),
                "broadcast from the database as authenticated",
                "BEGIN; SET LOCAL ROLE authenticated;
                 SELECT realtime.send('{\"hello\":2}'::jsonb, 'greeting', 'room', true);
                 SELECT count(*) FROM realtime.messages WHERE event = 'greeting'; COMMIT;"
            )
            .lines()
            .last(),
            Some("2"),
            "authenticated could not broadcast, or not read the broadcasts its policy allows"
        );

        // Re-running the bootstrap (every install and upgrade) changes nothing of Realtime's.
        // (The emulated REPLICATION attribute goes first: RDS has only the membership, and
        // PostgreSQL 15 lets no non-superuser alter a role that has the attribute.)
        db.sql("ALTER ROLE supabase_admin NOREPLICATION");
        let before = realtime_state(db);
        db.run_bootstrap(&passwords);
        let after = realtime_state(db);
        assert_eq!(
            before, after,
            "re-running the bootstrap changed Realtime's objects"
        );
    });
}

/// Realtime's migration 20230328144023 needs SET on log_min_messages; where the master cannot
/// grant it (the cluster's assumed rds_superuser privilege withdrawn), the bootstrap fails and says
/// what to do, instead of leaving Realtime to fail on its first channel join.
#[test]
fn bootstrap_fails_loudly_when_log_min_messages_cannot_be_granted() {
    pg::for_each(|db| {
        let stderr = db.bootstrap_without(
            "log_min_messages",
            "the bootstrap succeeded although supabase_admin cannot get SET on log_min_messages",
        );
        assert!(
            stderr.contains("log_min_messages") && stderr.contains("GRANT SET ON PARAMETER"),
            "the bootstrap's failure does not say what to do:\n{stderr}"
        );
    });
}

// ------------------------------------------------------------------------------ the chart

/// The realtime container as the chart renders it with an environment's committed values.
fn rendered_realtime(environment: &str) -> Option<Value> {
    let helm = common::chart::helm()?;
    Some(
        common::chart::render(&helm, environment)
            .container("realtime")
            .clone(),
    )
}

fn script(container: &Value) -> String {
    let mut parts: Vec<String> = Vec::new();
    for key in ["command", "args"] {
        if let Some(list) = container[key].as_array() {
            parts.extend(list.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    parts.join("\n")
}

/// The seed hard-codes ssl_enforced false (supabase/realtime@v2.78.15:priv/repo/seeds.exs, also at
/// v2.129.8), and lib/realtime/database.ex connects the tenant without TLS then; RDS with
/// rds.force_ssl=1 refuses that. The chart's command must switch the tenant to TLS after the seed
/// and before the server starts, with the statement the database test above runs.
#[test]
fn realtime_switches_the_self_host_tenant_to_tls_before_serving() {
    for environment in ["ireland/development", "frankfurt/production"] {
        let Some(container) = rendered_realtime(environment) else {
            return;
        };
        let script = script(&container);
        let seed = script.find("Realtime.Release.seeds");
        let tls = script.find(TENANT_TLS_SQL);
        let server = script.find("/app/bin/server");
        assert!(
            tls.is_some(),
            "{environment}: Realtime's command never switches the self-host tenant to TLS:\n{script}"
        );
        assert!(
            seed.is_some() && server.is_some() && seed < tls && tls < server,
            "{environment}: the tenant TLS switch must run after the seed and before the server:\n{script}"
        );
    }
}

/// config/runtime.exs at v2.78.15 raises at boot unless DASHBOARD_USER and DASHBOARD_PASSWORD are
/// set (DASHBOARD_AUTH defaults to basic_auth; "zta" needs Cloudflare's CF_TEAM_DOMAIN). The
/// password is the dashboard's own secret (`secrets.names.dashboardPassword`), synced by External
/// Secrets: never SECRET_KEY_BASE, which whoever is given the dashboard password must not hold.
#[test]
fn realtime_has_the_dashboard_credentials_its_config_requires() {
    for environment in ["ireland/development", "frankfurt/production"] {
        let Some(helm) = common::chart::helm() else {
            return;
        };
        let rendered = common::chart::render(&helm, environment);
        let container = rendered.container("realtime");
        let names: Vec<&str> = container["env"]
            .as_array()
            .map(|e| e.iter().filter_map(|v| v["name"].as_str()).collect())
            .unwrap_or_default();
        for required in ["DASHBOARD_USER", "DASHBOARD_PASSWORD"] {
            assert!(
                names.contains(&required),
                "{environment}: Realtime would crash at boot: {required} is not set"
            );
        }

        // DASHBOARD_PASSWORD -> Kubernetes Secret key -> ExternalSecret entry -> Secrets Manager name.
        let password = container["env"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|v| v["name"] == "DASHBOARD_PASSWORD")
            .unwrap();
        let reference = &password["valueFrom"]["secretKeyRef"];
        let (secret, key) = (
            reference["name"].as_str().unwrap_or_else(|| {
                panic!("{environment}: DASHBOARD_PASSWORD is not read from a Secret: {password}")
            }),
            reference["key"].as_str().unwrap(),
        );
        assert_ne!(
            key, "secret-key-base",
            "{environment}: DASHBOARD_PASSWORD is Realtime's SECRET_KEY_BASE: whoever gets the dashboard password holds the key base"
        );
        let remote = rendered
            .docs
            .iter()
            .filter(|d| d["kind"] == "ExternalSecret" && d["spec"]["target"]["name"] == secret)
            .flat_map(|d| d["spec"]["data"].as_array().into_iter().flatten())
            .find(|entry| entry["secretKey"] == key)
            .unwrap_or_else(|| {
                panic!("{environment}: no ExternalSecret fills key {key} of Secret {secret}")
            });
        let values: Value = serde_saphyr::from_str(
            &std::fs::read_to_string(common::chart::values_file(environment)).unwrap(),
        )
        .unwrap();
        let names = &values["secrets"]["names"];
        let dashboard = names["dashboardPassword"].as_str().unwrap_or_else(|| {
            panic!("{environment}: the values name no secrets.names.dashboardPassword")
        });
        assert!(
            dashboard.ends_with("/dashboard-password"),
            "{environment}: secrets.names.dashboardPassword is {dashboard}"
        );
        assert_eq!(
            remote["remoteRef"]["key"], dashboard,
            "{environment}: DASHBOARD_PASSWORD ({secret}/{key}) must come from the dashboard-password secret"
        );
        assert!(
            remote["remoteRef"]["property"].is_null(),
            "{environment}: the dashboard password is the whole secret string: {remote}"
        );
        assert_ne!(
            remote["remoteRef"]["key"], names["realtimeSecretKeyBase"],
            "{environment}: DASHBOARD_PASSWORD comes from Realtime's SECRET_KEY_BASE secret"
        );
    }
}

/// What Realtime's postgres_changes does when RDS's `max_slot_wal_keep_size` (set per tier in the
/// parameter group, generator/plan/core/rds.rs) invalidates its slot. Realtime v2.78.15 polls a
/// TEMPORARY logical slot that it creates from SQL on its own connection
/// (supabase/realtime@v2.78.15:lib/extensions/postgres_cdc_rls/replications.ex
/// `prepare_replication`: create the slot when none of that name exists, third argument `true`),
/// and on any polling error retries `prepare_replication` after a back-off
/// (…:lib/extensions/postgres_cdc_rls/replication_poller.ex `handle_info(:poll, ...)`).
/// So: a stopped Realtime holds no slot (a temporary slot dies with its session); a connected one
/// that stops consuming holds WAL back until the slot passes the limit, and then the server ends
/// that session at the next checkpoint: the slot is gone, the WAL is freed, and the poller's next
/// attempt creates a fresh slot (the changes in between are not delivered). test_decoding stands
/// in for wal2json, which is not part of PostgreSQL; invalidation does not depend on the plugin.
#[test]
fn a_lagging_realtime_slot_is_invalidated_instead_of_filling_the_disk() {
    use std::io::Write;
    const SLOT: &str = "supabase_realtime_replication_slot";
    pg::for_each(|db| {
        let passwords = db.bootstrap();
        let pw = passwords.get(REALTIME).to_string();
        rds_replication_membership_allows_replication(db);
        // The parameter group's value, scaled down: 64 MB instead of gigabytes.
        db.sql("ALTER SYSTEM SET max_slot_wal_keep_size = '64MB'");
        db.sql("SELECT pg_reload_conf()");

        // Realtime's session: create the slot, then stop consuming (the session stays open).
        let mut session = db.tcp_psql(REALTIME, &pw, tenant_conninfo())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start psql");
        let mut stdin = session.stdin.take().expect("stdin");
        writeln!(stdin, "SELECT 1 FROM pg_create_logical_replication_slot('{SLOT}', 'test_decoding', true);").expect("write");
        let held = format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{SLOT}' AND temporary");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while db.sql(&held) != "1" {
            assert!(std::time::Instant::now() < deadline, "Realtime's slot never appeared on PostgreSQL {}", db.major());
            std::thread::sleep(std::time::Duration::from_millis(100));
        }

        // Other traffic writes ~200 MB of WAL; a checkpoint enforces the limit.
        db.sql("CREATE TABLE public.wal_filler AS SELECT g, repeat(md5(g::text), 32) AS pad FROM generate_series(1, 150000) g");
        db.sql("SELECT pg_switch_wal()");
        db.sql("CHECKPOINT");
        let after = db.sql(&format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{SLOT}'"));

        // Realtime's next poll on the same session.
        let _ = writeln!(stdin, "SELECT count(*) FROM pg_logical_slot_get_changes('{SLOT}', NULL, 10);");
        drop(stdin);
        let out = session.wait_with_output().expect("psql ends");
        let err = common::stderr(&out);
        assert_eq!(after, "0", "PostgreSQL {}: the lagging slot still holds WAL back after the checkpoint", db.major());
        assert!(
            !out.status.success() && err.contains("terminating connection"),
            "PostgreSQL {}: Realtime's session was not ended when its slot was invalidated: {}",
            db.major(),
            err.trim()
        );
        assert!(
            db.sql(&format!("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '{SLOT}'")) == "0",
            "the slot survived its session"
        );
        // The poller's retry (a new connection, prepare_replication) gets a fresh slot.
        realtime(
            db,
            &pw,
            tenant_conninfo(),
            "prepare_replication after invalidation",
            &format!(
                "SELECT 1 FROM pg_create_logical_replication_slot('{SLOT}', 'test_decoding', true);
                 SELECT count(*) >= 0 FROM pg_logical_slot_get_changes('{SLOT}', NULL, 10);"
            ),
        );
        db.sql("DROP TABLE public.wal_filler");
    });
}
