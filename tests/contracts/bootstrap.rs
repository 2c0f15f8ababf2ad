//! Runs the database bootstrap and the API key minting of the supabase-custom chart
//! (`helm-charts/supabase-custom/files/{bootstrap,mint-api-keys}.sql`) against a real, throwaway
//! PostgreSQL cluster set up to resemble RDS: the scripts run as a non-superuser master named
//! `postgres` (CREATEROLE CREATEDB, member of a stand-in `rds_superuser`) that owns the database,
//! on every PostgreSQL major we deploy (`common::pg`: 15 and 17).

use crate::common;

use std::collections::BTreeSet;
use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::common::pg::{self, API_ROLES, Cluster, MASTER, Passwords, scripts};

const JWT_SECRET: &str = "q7Rk2ZfW9pLx4Nc8Vb1Hs6Tj3Ym5Ge0Ua7Dn2Kw9Qr4Xz8Lp1Fv6Bh3Cs5Jt0Mg7";
const OTHER_SECRET: &str = "Zx9Cv8Bn7Mm6Ll5Kk4Jj3Hh2Gg1Ff0Dd9Ss8Aa7Qq6Ww5Ee4Rr3Tt2Yy1Uu0Ii9Oo8";

struct Keys {
    anon: String,
    service_role: String,
    changed: bool,
}

/// Runs mint-api-keys.sql; the output, whether or not it succeeded.
fn try_mint(db: &Cluster, secret: &str, anon: &str, service_role: &str) -> Output {
    let out = db
        .psql(MASTER, None)
        .arg("-v")
        .arg(format!("jwt_secret={secret}"))
        .arg("-v")
        .arg(format!("current_anon_key={anon}"))
        .arg("-v")
        .arg(format!("current_service_role_key={service_role}"))
        .arg("-f")
        .arg(scripts().join("mint-api-keys.sql"))
        .output()
        .expect("run psql");
    let (stdout, stderr) = (common::stdout(&out), common::stderr(&out));
    assert!(
        !stdout.contains(secret) && !stderr.contains(secret),
        "the JWT secret was printed"
    );
    for key in [anon, service_role].into_iter().filter(|k| k.len() > 20) {
        assert!(!stderr.contains(key), "a current key was printed to stderr");
    }
    out
}

fn run_mint(db: &Cluster, secret: &str, anon: &str, service_role: &str) -> Keys {
    let out = try_mint(db, secret, anon, service_role);
    let (stdout, stderr) = (common::stdout(&out), common::stderr(&out));
    assert!(out.status.success(), "mint-api-keys.sql failed:\n{stderr}");
    assert!(
        stderr.is_empty(),
        "mint-api-keys.sql wrote to stderr:\n{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().collect();
    let [anon, service_role, changed] = lines.as_slice() else {
        panic!("expected exactly three lines, got:\n{stdout}");
    };
    let value = |line: &str, key: &str| {
        line.strip_prefix(&format!("{key}="))
            .unwrap_or_else(|| panic!("expected `{key}=...`, got {line:?}"))
            .to_string()
    };
    let changed = match value(changed, "changed").as_str() {
        "true" => true,
        "false" => false,
        other => panic!("changed={other}"),
    };
    Keys {
        anon: value(anon, "anon"),
        service_role: value(service_role, "service_role"),
        changed,
    }
}

// ---------------------------------------------------------------------------------------------
// Independent checks (Rust, not SQL)

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Whether a stored `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` verifier is the
/// one of `password` (RFC 5802 / 7677).
fn scram_verifies(verifier: &str, password: &str) -> bool {
    let parse = || -> Option<bool> {
        let (params, keys) = verifier.strip_prefix("SCRAM-SHA-256$")?.split_once('$')?;
        let (iterations, salt) = params.split_once(':')?;
        let (stored_key, server_key) = keys.split_once(':')?;
        let iterations: u32 = iterations.parse().ok()?;
        let mut first = STANDARD.decode(salt).ok()?;
        first.extend_from_slice(&1u32.to_be_bytes());
        let mut u = hmac_sha256(password.as_bytes(), &first);
        let mut salted = u;
        for _ in 1..iterations {
            u = hmac_sha256(password.as_bytes(), &u);
            salted.iter_mut().zip(u).for_each(|(a, b)| *a ^= b);
        }
        let client_key = hmac_sha256(&salted, b"Client Key");
        let expected_stored = Sha256::digest(client_key);
        let expected_server = hmac_sha256(&salted, b"Server Key");
        Some(
            STANDARD.decode(stored_key).ok()? == expected_stored.as_slice()
                && STANDARD.decode(server_key).ok()? == expected_server,
        )
    };
    parse().unwrap_or_else(|| panic!("not a SCRAM-SHA-256 verifier: {verifier}"))
}

fn sign(secret: &str, header: &serde_json::Value, payload: &serde_json::Value) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let signature =
        URL_SAFE_NO_PAD.encode(hmac_sha256(secret.as_bytes(), signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Verifies an API key without PostgreSQL; returns (iat, exp).
fn verify_api_key(token: &str, secret: &str, role: &str) -> (i64, i64) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWT: {token}");
    let decode = |part: &str| -> serde_json::Value {
        let bytes = URL_SAFE_NO_PAD
            .decode(part)
            .unwrap_or_else(|e| panic!("not base64url without padding ({e}): {part}"));
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&bytes)))
    };
    let header = decode(parts[0]);
    assert_eq!(
        header,
        serde_json::json!({"alg": "HS256", "typ": "JWT"}),
        "header of the {role} key"
    );
    let payload = decode(parts[1]);
    let claims: BTreeSet<&str> = payload
        .as_object()
        .expect("payload object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        claims,
        BTreeSet::from(["exp", "iat", "iss", "role"]),
        "claims of the {role} key"
    );
    assert_eq!(payload["role"], role);
    assert_eq!(payload["iss"], "supabase");
    let iat = payload["iat"].as_i64().expect("integer iat");
    let exp = payload["exp"].as_i64().expect("integer exp");
    assert!(exp > iat, "exp {exp} is not after iat {iat}");

    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    let signature = URL_SAFE_NO_PAD
        .decode(parts[2])
        .expect("base64url signature");
    mac.verify_slice(&signature)
        .unwrap_or_else(|_| panic!("the {role} key is not signed with the JWT secret"));
    (iat, exp)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

// ---------------------------------------------------------------------------------------------
// Assertions on the database

/// Everything the bootstrap manages (passwords aside), as sorted lines, to compare runs.
fn state(db: &Cluster) -> String {
    db.sql(
        "SELECT line FROM (
           SELECT format('role %s login=%s inherit=%s createrole=%s bypassrls=%s super=%s config=%s',
                         rolname, rolcanlogin, rolinherit, rolcreaterole, rolbypassrls, rolsuper, rolconfig)
           FROM pg_roles WHERE rolname !~ '^pg_'
           UNION ALL
           SELECT format('member %s in %s by %s admin=%s', member::regrole, roleid::regrole, grantor::regrole, admin_option)
           FROM pg_auth_members
           UNION ALL
           SELECT format('schema %s owner=%s acl=%s', nspname, nspowner::regrole, nspacl)
           FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'
           UNION ALL
           SELECT format('default-acl %s %s %s %s', defaclrole::regrole, defaclnamespace::regnamespace, defaclobjtype, defaclacl)
           FROM pg_default_acl
           UNION ALL
           SELECT format('extension %s schema=%s owner=%s', extname, extnamespace::regnamespace, extowner::regrole)
           FROM pg_extension
           UNION ALL
           SELECT format('publication %s owner=%s all=%s', pubname, pubowner::regrole, puballtables)
           FROM pg_publication
           UNION ALL
           SELECT format('database %s owner=%s acl=%s', datname, datdba::regrole, datacl)
           FROM pg_database WHERE datname = current_database()
         ) AS s(line) ORDER BY line",
    )
}

fn assert_roles(db: &Cluster, first_run_stderr: &str, set: &Passwords) {
    // (role, login, inherit, createrole)
    let expected = [
        ("anon", false, false, false),
        ("authenticated", false, false, false),
        ("service_role", false, false, false),
        ("authenticator", true, false, false),
        ("supabase_auth_admin", true, false, true),
        ("supabase_storage_admin", true, false, true),
        ("supabase_admin", true, true, false),
    ];
    for (role, login, inherit, createrole) in expected {
        let got = db.sql(&format!(
            "SELECT rolcanlogin, rolinherit, rolcreaterole, rolsuper FROM pg_roles WHERE rolname = '{role}'"
        ));
        let b = |v: bool| if v { "t" } else { "f" };
        assert_eq!(
            got,
            format!("{}|{}|{}|f", b(login), b(inherit), b(createrole)),
            "attributes of {role}"
        );
    }

    // BYPASSRLS: service_role has it (where the server refuses it the run fails instead, see
    // tests/contracts/postgrest.rs).
    assert!(
        db.truthy("SELECT rolbypassrls FROM pg_roles WHERE rolname = 'service_role'"),
        "service_role does not bypass RLS"
    );
    assert!(
        !first_run_stderr.contains("BYPASSRLS"),
        "the first run complained about BYPASSRLS:\n{first_run_stderr}"
    );
    for role in [
        "anon",
        "authenticated",
        "authenticator",
        "supabase_auth_admin",
        "supabase_storage_admin",
    ] {
        assert!(
            !db.truthy(&format!(
                "SELECT rolbypassrls FROM pg_roles WHERE rolname = '{role}'"
            )),
            "{role} bypasses RLS"
        );
    }

    // Direct memberships.
    let members = |role: &str| -> BTreeSet<String> {
        db.sql(&format!(
            "SELECT member::regrole FROM pg_auth_members WHERE roleid = '{role}'::regrole"
        ))
        .lines()
        .map(str::to_string)
        .collect()
    };
    for role in API_ROLES {
        let m = members(role);
        assert!(
            m.contains("authenticator") && m.contains("supabase_admin"),
            "members of {role}: {m:?}"
        );
    }
    assert!(members("rds_replication").contains("supabase_admin"));
    for role in [
        "supabase_auth_admin",
        "supabase_storage_admin",
        "supabase_admin",
    ] {
        assert!(
            members(role).contains(MASTER),
            "the master is not a member of {role}"
        );
        assert!(
            db.truthy(&format!(
                "SELECT pg_has_role('{MASTER}', '{role}', 'USAGE')"
            )),
            "the master does not inherit {role}"
        );
    }
    // PostgREST's switch from authenticator to each API role.
    for role in API_ROLES {
        let out = db.sql_as(
            "authenticator",
            Some(set.get("authenticator")),
            &format!("SET ROLE {role}; SELECT current_user"),
        );
        assert_eq!(out, role);
    }
}

fn assert_schemas_and_grants(db: &Cluster) {
    for (schema, owner) in [
        ("extensions", MASTER),
        ("graphql_public", MASTER),
        ("auth", "supabase_auth_admin"),
        ("storage", "supabase_storage_admin"),
        ("_realtime", "supabase_admin"),
        ("realtime", "supabase_admin"),
    ] {
        assert_eq!(
            db.sql(&format!(
                "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = '{schema}'"
            )),
            owner,
            "owner of schema {schema}"
        );
    }
    for schema in ["public", "extensions", "graphql_public", "storage", "auth"] {
        for role in API_ROLES {
            assert!(
                db.truthy(&format!(
                    "SELECT has_schema_privilege('{role}', '{schema}', 'USAGE')"
                )),
                "{role} lacks USAGE on {schema}"
            );
        }
    }
    for role in [
        "supabase_auth_admin",
        "supabase_storage_admin",
        "supabase_admin",
    ] {
        assert!(db.truthy(&format!(
            "SELECT has_database_privilege('{role}', current_database(), 'CREATE')"
        )));
    }

    let config = |role: &str| {
        db.sql(&format!(
            "SELECT array_to_string(rolconfig, ' ; ') FROM pg_roles WHERE rolname = '{role}'"
        ))
    };
    assert_eq!(config("supabase_auth_admin"), "search_path=auth");
    assert_eq!(config("supabase_storage_admin"), "search_path=storage");
    assert_eq!(
        config("supabase_admin"),
        r#"search_path="$user", public, auth, extensions"#
    );
    assert_eq!(config("anon"), "statement_timeout=3s");
    assert_eq!(config("authenticated"), "statement_timeout=8s");
    assert_eq!(config("authenticator"), "");

    // Default privileges in public for what the master and supabase_admin create.
    for creator in [MASTER, "supabase_admin"] {
        for kind in ["r", "S", "f"] {
            let grantees: BTreeSet<String> = db
                .sql(&format!(
                    "SELECT a.grantee::regrole FROM pg_default_acl d, aclexplode(d.defaclacl) a
                     WHERE d.defaclrole = '{creator}'::regrole AND d.defaclnamespace = 'public'::regnamespace
                       AND d.defaclobjtype = '{kind}'"
                ))
                .lines()
                .map(str::to_string)
                .collect();
            for role in API_ROLES {
                assert!(
                    grantees.contains(role),
                    "no default privileges ({kind}) for {role} on {creator}'s objects"
                );
            }
        }
    }

    assert_eq!(
        db.sql(
            "SELECT pubowner::regrole, puballtables, (SELECT count(*) FROM pg_publication_tables t WHERE t.pubname = p.pubname)
             FROM pg_publication p WHERE pubname = 'supabase_realtime'"
        ),
        // Owned by supabase_admin so that Studio (postgres-meta, as supabase_admin) can add tables
        // to it; contracts/meta.rs drives that for real.
        "supabase_admin|f|0"
    );
    assert_eq!(
        db.sql(
            "SELECT string_agg(extname || '@' || extnamespace::regnamespace, ',' ORDER BY extname)
             FROM pg_extension WHERE extname IN ('pgcrypto', 'uuid-ossp')"
        ),
        "pgcrypto@extensions,uuid-ossp@extensions"
    );
}

/// The default privileges in action: tables made by the master and by supabase_admin (Studio via
/// postgres-meta) are usable by the API roles; authenticator itself inherits nothing.
fn assert_default_privileges_apply(db: &Cluster, set: &Passwords) {
    db.sql_as(
        MASTER,
        None,
        "CREATE TABLE public.made_by_master (id bigint GENERATED ALWAYS AS IDENTITY)",
    );
    db.sql_as(
        "supabase_admin",
        Some(set.get("supabase_admin")),
        "CREATE TABLE public.made_by_studio (id bigserial)",
    );
    for table in ["made_by_master", "made_by_studio"] {
        for role in API_ROLES {
            assert!(
                db.truthy(&format!(
                    "SELECT has_table_privilege('{role}', 'public.{table}', 'SELECT, INSERT, UPDATE, DELETE')"
                )),
                "{role} cannot use public.{table}"
            );
        }
        assert!(!db.truthy(&format!(
            "SELECT has_table_privilege('authenticator', 'public.{table}', 'SELECT')"
        )));
    }
    assert!(db.truthy("SELECT has_table_privilege('postgres', 'public.made_by_studio', 'SELECT')"));
    db.sql_as(MASTER, None, "DROP TABLE public.made_by_master");
    db.sql_as(
        "supabase_admin",
        Some(set.get("supabase_admin")),
        "DROP TABLE public.made_by_studio",
    );
}

/// Each login role's stored verifier is the one of its password, and the role can log in with it.
fn assert_passwords(db: &Cluster, current: &Passwords, previous: &Passwords) {
    for (role, pw) in &current.0 {
        let verifier = db.sql(&format!(
            "SELECT rolpassword FROM pg_authid WHERE rolname = '{role}'"
        ));
        assert!(
            scram_verifies(&verifier, pw),
            "the stored verifier of {role} is not the one of its password"
        );
        let out = db.try_sql(role, Some(pw), "SELECT current_user");
        assert!(
            out.status.success(),
            "{role} cannot log in with its password:\n{}",
            common::stderr(&out)
        );
        let old = previous.get(role);
        if old != pw {
            assert!(
                !scram_verifies(&verifier, old),
                "{role} still has its old password"
            );
            let out = db.try_sql(role, Some(old), "SELECT 1");
            assert!(
                !out.status.success(),
                "{role} can still log in with its old password"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The test

#[test]
fn bootstrap_and_api_keys_on_postgres() {
    pg::for_each(bootstrap_and_api_keys);
}

fn bootstrap_and_api_keys(db: &Cluster) {
    // First run, then a second with one rotated password: same state, new password in force.
    let first = Passwords::new("One");
    let out = db.run_bootstrap(&first);
    let first_stderr = common::stderr(&out);
    let after_first = state(db);
    let verifiers_first =
        db.sql("SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin ORDER BY 1");

    let second = first.with("supabase_auth_admin", "RotatedAuthAdmin0123456789abcdefXYZ");
    db.run_bootstrap(&second);
    assert_eq!(state(db), after_first, "the second run changed the state");
    let verifiers_second =
        db.sql("SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin ORDER BY 1");
    let auth_admin = |all: &str| {
        all.lines()
            .find(|l| l.starts_with("supabase_auth_admin|"))
            .unwrap()
            .to_string()
    };
    assert_ne!(
        auth_admin(&verifiers_first),
        auth_admin(&verifiers_second),
        "rolpassword did not change"
    );

    // A malformed password stops the run before anything is committed, without printing it.
    let bad = second.with("supabase_admin", "not-letters-and-digits-0123456789");
    let out = db.try_bootstrap(&bad);
    assert!(
        !out.status.success(),
        "bootstrap.sql accepted a malformed password"
    );
    assert!(
        common::stderr(&out).contains(
            "the password for role supabase_admin must be at least 16 letters and digits"
        ),
        "{}",
        common::stderr(&out)
    );
    let out = db.try_bootstrap(&bad.without("supabase_admin"));
    assert!(common::stderr(&out).contains("psql variable supabase_admin_password is not set"));
    assert!(
        !out.status.success(),
        "bootstrap.sql ran without a password variable"
    );
    assert_eq!(state(db), after_first, "a failed run changed the state");

    assert_roles(db, &first_stderr, &second);
    assert_schemas_and_grants(db);
    assert_passwords(db, &second, &first);
    assert_default_privileges_apply(db, &second);
    assert_eq!(state(db), after_first);

    // The services migrate: GoTrue, Storage and Realtime create their objects as their own roles
    // (unqualified names land in the schema their search_path names).
    let auth_pw = second.get("supabase_auth_admin");
    db.sql_as(
        "supabase_auth_admin",
        Some(auth_pw),
        "CREATE SCHEMA IF NOT EXISTS auth;
         CREATE TABLE users (id uuid PRIMARY KEY, email text);
         CREATE FUNCTION uid() RETURNS uuid LANGUAGE sql STABLE
           AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;
         GRANT SELECT ON users TO postgres;",
    );
    db.sql_as(
        "supabase_storage_admin",
        Some(second.get("supabase_storage_admin")),
        "CREATE TABLE objects (id uuid PRIMARY KEY, name text)",
    );
    db.sql_as(
        "supabase_admin",
        Some(second.get("supabase_admin")),
        "CREATE TABLE _realtime.tenants (id bigserial PRIMARY KEY); CREATE SCHEMA IF NOT EXISTS realtime;",
    );
    let objects = "SELECT c.oid, c.relname, c.relnamespace::regnamespace, c.relowner::regrole, c.relacl
                   FROM pg_class c WHERE (c.relnamespace::regnamespace::text, c.relname)
                     IN (('auth', 'users'), ('storage', 'objects'), ('_realtime', 'tenants'))
                   UNION ALL
                   SELECT p.oid, p.proname || ':' || md5(p.prosrc), p.pronamespace::regnamespace, p.proowner::regrole, p.proacl
                   FROM pg_proc p WHERE p.pronamespace = 'auth'::regnamespace
                   ORDER BY 2";
    let migrated = db.sql(objects);
    assert_eq!(
        migrated.lines().count(),
        4,
        "the simulated migrations did not land where expected:\n{migrated}"
    );
    assert!(
        migrated.contains("|users|auth|supabase_auth_admin|"),
        "{migrated}"
    );
    assert!(
        migrated.contains("|objects|storage|supabase_storage_admin|"),
        "{migrated}"
    );
    let uid_source = db.sql("SELECT prosrc FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure");

    // An upgrade re-runs the bootstrap: the services' objects are untouched.
    db.run_bootstrap(&second);
    assert_eq!(
        db.sql(objects),
        migrated,
        "the bootstrap touched objects the services own"
    );
    assert_eq!(
        db.sql("SELECT prosrc FROM pg_proc WHERE oid = 'auth.uid()'::regprocedure"),
        uid_source
    );
    assert!(db.truthy("SELECT has_table_privilege('postgres', 'auth.users', 'SELECT')"));
    // The bootstrap creates schema `realtime` itself (Realtime's tenant migrations need it), so
    // the simulated `CREATE SCHEMA IF NOT EXISTS realtime` above changes nothing either.
    assert_eq!(state(db), after_first, "the re-run changed the state");

    // API keys: minted when the slots are empty...
    let minted = run_mint(db, JWT_SECRET, "", "");
    assert!(minted.changed);
    let now = unix_now();
    for (token, role) in [
        (&minted.anon, "anon"),
        (&minted.service_role, "service_role"),
    ] {
        let (iat, exp) = verify_api_key(token, JWT_SECRET, role);
        assert!((iat - now).abs() < 300, "iat {iat} is not now ({now})");
        let days = (exp - iat) / 86_400;
        assert!(
            (3652..=3653).contains(&days),
            "lifetime of the {role} key is {days} days, not 10 years"
        );
    }
    assert_ne!(minted.anon, minted.service_role);

    // ...kept when they are valid...
    let kept = run_mint(db, JWT_SECRET, &minted.anon, &minted.service_role);
    assert!(!kept.changed);
    assert_eq!(
        (&kept.anon, &kept.service_role),
        (&minted.anon, &minted.service_role)
    );

    // ...and replaced when signed with another secret, expired, or for the wrong role.
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
    let foreign = sign(
        OTHER_SECRET,
        &header,
        &serde_json::json!({"role": "anon", "iss": "supabase", "iat": now, "exp": now + 86_400}),
    );
    let replaced = run_mint(db, JWT_SECRET, &foreign, &minted.service_role);
    assert!(replaced.changed);
    assert_ne!(replaced.anon, foreign);
    verify_api_key(&replaced.anon, JWT_SECRET, "anon");
    assert_eq!(
        replaced.service_role, minted.service_role,
        "the valid service_role key was not kept"
    );

    let expired = sign(
        JWT_SECRET,
        &header,
        &serde_json::json!({"role": "service_role", "iss": "supabase", "iat": now - 7200, "exp": now - 3600}),
    );
    let renewed = run_mint(db, JWT_SECRET, &minted.anon, &expired);
    assert!(renewed.changed);
    assert_eq!(renewed.anon, minted.anon);
    assert_ne!(renewed.service_role, expired);
    verify_api_key(&renewed.service_role, JWT_SECRET, "service_role");

    let swapped = run_mint(db, JWT_SECRET, &minted.service_role, "not-a-jwt");
    assert!(swapped.changed);
    verify_api_key(&swapped.anon, JWT_SECRET, "anon");
    verify_api_key(&swapped.service_role, JWT_SECRET, "service_role");

    // A weak secret is refused without being printed.
    let out = try_mint(db, "Short0123456789", &minted.anon, &minted.service_role);
    assert!(
        !out.status.success(),
        "mint-api-keys.sql accepted a 15-character secret"
    );
    assert!(common::stderr(&out).contains("jwt_secret must be at least 32 letters and digits"));
    assert!(
        common::stdout(&out).is_empty(),
        "mint-api-keys.sql printed keys despite the error"
    );

    // A rotated JWT secret invalidates both keys.
    let rotated = run_mint(db, OTHER_SECRET, &minted.anon, &minted.service_role);
    assert!(rotated.changed);
    verify_api_key(&rotated.anon, OTHER_SECRET, "anon");
    verify_api_key(&rotated.service_role, OTHER_SECRET, "service_role");
}
