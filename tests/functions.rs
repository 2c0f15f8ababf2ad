//! The Edge Functions main service of the chart (`files/functions-main/`), run with Deno 2.1.4,
//! the Deno supabase/edge-runtime v1.70.3 embeds (npm `@deno/linux-x64-glibc`, installed into
//! .cache/deno by scripts/install-deno.sh): it type-checks, and a stand-in of the runtime's
//! `EdgeRuntime.userWorkers.create` (tests/functions/harness.ts) shows which requests reach
//! which function, with which environment. Without Deno the tests skip loudly, and fail under
//! `REQUIRE_TOOLS=1`.

mod common;

use std::path::PathBuf;
use std::process::Command;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The JWT secret the minted keys are made with too (the ES256 test mixes both).
const SECRET: &str = common::keys::JWT_SECRET;

use common::keys::deno;

fn main_dir() -> PathBuf {
    common::repo().join("helm-charts/supabase-custom/files/functions-main").into_std_path_buf()
}

/// An HS256 JWT over `claims` with `secret` (as the bootstrap Job mints the API keys).
fn jwt(claims: &Value, secret: &str, alg: &str) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": alg, "typ": "JWT"}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{header}.{payload}").as_bytes());
    format!("{header}.{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

/// Runs the scenarios through the main service; one result per scenario, by name.
fn run(deno: &PathBuf, env: &[(&str, &str)], scenarios: &Value) -> std::collections::BTreeMap<String, Value> {
    let dir = common::TempDir::new("functions");
    let mut cmd = Command::new(deno);
    cmd.args(["run", "--no-remote", "--no-npm", "--allow-env", "--allow-read"])
        .arg(common::repo().join("tests/functions/harness.ts"))
        .arg(scenarios.to_string())
        .env_clear()
        .env("DENO_DIR", dir.path().join("deno"))
        .env("NO_COLOR", "1")
        .env("ROUTER", format!("file://{}/router.ts", main_dir().display()));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run deno");
    assert!(out.status.success(), "deno failed:\n{}\n{}", common::stdout(&out), common::stderr(&out));
    common::stdout(&out)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .map(|v| (v["name"].as_str().unwrap().to_string(), v))
        .collect()
}

#[test]
fn the_main_service_type_checks_against_the_runtime_it_runs_in() {
    let Some(deno) = deno() else { return };
    let dir = common::TempDir::new("functions-check");
    let out = Command::new(&deno)
        .args(["check", "--no-remote", "--no-npm"])
        .arg(main_dir().join("index.ts"))
        .env_clear()
        .env("DENO_DIR", dir.path().join("deno"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run deno");
    assert!(out.status.success(), "deno check failed:\n{}", common::stderr(&out));
}

/// JWT verification as upstream's self-hosted main does it (VERIFY_JWT on, HS256 with the JWT
/// secret: the anon key passes), and nothing else reaches a function.
#[test]
fn only_requests_with_a_valid_project_jwt_reach_a_function() {
    let Some(deno) = deno() else { return };
    let functions = common::TempDir::new("functions-dir");
    for f in ["hello", "broken"] {
        functions.write(&format!("{f}/index.ts"), "Deno.serve(() => new Response('hi'));\n");
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let anon = jwt(&json!({"role": "anon", "iss": "supabase", "exp": now + 3600}), SECRET, "HS256");
    let expired = jwt(&json!({"role": "anon", "exp": now - 10}), SECRET, "HS256");
    let forged = jwt(&json!({"role": "service_role"}), "another-secret-of-sufficient-length-0000000", "HS256");
    let hs512 = jwt(&json!({"role": "anon"}), SECRET, "HS512");
    let unsigned = format!("{}.{}.", URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#), URL_SAFE_NO_PAD.encode(r#"{"role":"service_role"}"#));
    let scenarios = json!([
        {"name": "anon", "path": "/hello/greet", "token": anon},
        {"name": "no token", "path": "/hello"},
        {"name": "expired", "path": "/hello", "token": expired},
        {"name": "forged", "path": "/hello", "token": forged},
        {"name": "hs512", "path": "/hello", "token": hs512},
        {"name": "alg none", "path": "/hello", "token": unsigned},
        {"name": "preflight", "method": "OPTIONS", "path": "/hello"},
        {"name": "traversal", "path": "/..%2F..%2Fetc/passwd", "token": anon},
        {"name": "dot", "path": "/.hidden", "token": anon},
        {"name": "unknown", "path": "/nosuch", "token": anon},
        {"name": "no name", "path": "/", "token": anon},
        {"name": "health", "path": "/_health"},
        {"name": "broken", "path": "/broken", "token": anon},
    ]);
    let dir = functions.path().as_str();
    let seen = run(&deno, &[("JWT_SECRET", SECRET), ("FUNCTIONS_DIR", dir), ("SUPABASE_URL", "http://kong:8000")], &scenarios);
    let status = |n: &str| seen[n]["status"].as_u64().unwrap();
    let reached = |n: &str| !seen[n]["created"].as_array().unwrap().is_empty();
    assert_eq!(status("anon"), 200);
    assert_eq!(seen["anon"]["body"], format!("worker {dir}/hello /hello/greet"));
    for refused in ["no token", "expired", "forged", "hs512", "alg none"] {
        assert_eq!(status(refused), 401, "{refused}: {}", seen[refused]);
        assert!(!reached(refused), "{refused} reached a worker");
    }
    assert!(seen["expired"]["body"].as_str().unwrap().contains("expired"));
    assert_eq!(status("preflight"), 200, "CORS preflights go to the function");
    for missing in ["traversal", "dot", "unknown"] {
        assert_eq!(status(missing), 404, "{missing}: {}", seen[missing]);
        assert!(!reached(missing));
    }
    assert_eq!(status("no name"), 400);
    assert_eq!(status("health"), 200);
    assert!(!reached("health"));
    assert_eq!(status("broken"), 500);
    assert!(!seen["broken"]["body"].as_str().unwrap().contains("secret detail"), "a worker's error leaked to the caller");
}

/// ES256 tokens (GoTrue's sessions, Kong's JWTs for the publishable and secret keys) verify by
/// their kid against the public signing keys the bootstrap Job mints (tests/common/keys.rs runs
/// its script): the current and the pre-published next key pass; a key that is not the
/// project's, an unknown or missing kid, and an expired token do not.
#[test]
fn es256_tokens_verify_by_kid_against_the_minted_keys() {
    let Some(deno) = deno() else { return };
    let minted = common::keys::mint(&deno, "", &common::keys::Wanted::default());
    assert!(minted.out.status.success(), "{}", common::stderr(&minted.out));
    let state = minted.state.unwrap();
    let current = &common::keys::keys_with(&state, "current")[0];
    let next = &common::keys::keys_with(&state, "next")[0];
    let (current_kid, next_kid) = (current["kid"].as_str().unwrap(), next["kid"].as_str().unwrap());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let session = json!({"role": "authenticated", "sub": "u1", "exp": now + 3600});
    let es256 = common::keys::es256;
    let scenarios = json!([
        {"name": "kong anon", "path": "/hello", "token": state["anon_key"]},
        {"name": "next key", "path": "/hello", "token": es256(next["d"].as_str().unwrap(), Some(next_kid), &session)},
        {"name": "legacy", "path": "/hello", "token": jwt(&json!({"role": "anon", "exp": now + 60}), SECRET, "HS256")},
        {"name": "foreign key", "path": "/hello", "token": es256(common::keys::FOREIGN_D, Some(current_kid), &session)},
        {"name": "unknown kid", "path": "/hello", "token": es256(current["d"].as_str().unwrap(), Some("nosuch"), &session)},
        {"name": "no kid", "path": "/hello", "token": es256(current["d"].as_str().unwrap(), None, &session)},
        {"name": "expired", "path": "/hello", "token": es256(current["d"].as_str().unwrap(), Some(current_kid), &json!({"role": "anon", "exp": now - 5}))},
    ]);
    let functions = common::TempDir::new("functions-es256");
    functions.write("hello/index.ts", "Deno.serve(() => new Response('hi'));\n");
    let jwks = state["jwks"].as_str().unwrap();
    let seen = run(&deno, &[("JWT_SECRET", SECRET), ("JWT_JWKS", jwks), ("FUNCTIONS_DIR", functions.path().as_str())], &scenarios);
    for pass in ["kong anon", "next key", "legacy"] {
        assert_eq!(seen[pass]["status"], 200, "{pass}: {}", seen[pass]);
    }
    for refused in ["foreign key", "unknown kid", "no kid", "expired"] {
        assert_eq!(seen[refused]["status"], 401, "{refused}: {}", seen[refused]);
        assert!(seen[refused]["created"].as_array().unwrap().is_empty(), "{refused} reached a worker");
    }
}

/// A function sees how to call Supabase and its own secrets (files of the functions Secret), never
/// the JWT secret or anything else of the main service's environment.
#[test]
fn functions_see_the_api_and_their_secrets_but_not_the_jwt_secret() {
    let Some(deno) = deno() else { return };
    let functions = common::TempDir::new("functions-env");
    functions.write("hello/index.ts", "Deno.serve(() => new Response('hi'));\n");
    functions.write("secrets/STRIPE_KEY", "sk_test_123");
    functions.write("secrets/..data", "");
    let dir = functions.path().as_str();
    let secrets = format!("{dir}/secrets");
    let seen = run(
        &deno,
        &[
            ("JWT_SECRET", SECRET),
            ("FUNCTIONS_DIR", dir),
            ("FUNCTION_SECRETS_DIR", &secrets),
            ("SUPABASE_URL", "http://kong:8000"),
            ("SUPABASE_ANON_KEY", "anon-key"),
            ("SUPABASE_DB_URL", "postgres://secret"),
            ("VERIFY_JWT", "false"),
        ],
        &json!([{"name": "open", "path": "/hello"}]),
    );
    assert_eq!(seen["open"]["status"], 200, "VERIFY_JWT=false admits requests without a token");
    let options = &seen["open"]["created"][0];
    let env: Vec<(String, String)> = options["envVars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_str().unwrap().to_string()))
        .collect();
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["SUPABASE_URL", "SUPABASE_ANON_KEY", "STRIPE_KEY"], "{env:?}");
    assert!(env.contains(&("STRIPE_KEY".into(), "sk_test_123".into())));
    assert_eq!(options["servicePath"], format!("{dir}/hello"));
    assert_eq!(options["memoryLimitMb"], 150);
}
