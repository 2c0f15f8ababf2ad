//! The new API keys as the bootstrap Job mints them (files/mint-signing-keys.ts, run with the
//! Job's Deno by tests/common/keys.rs), checked against what each reader requires at its pinned
//! version, and their rotation: overlapping, one generation at a time, refused otherwise.

mod common;

use common::keys::{self, JWT_EXPIRY, JWT_SECRET, LIFETIME_DAYS, Wanted, inner, keys_with, mint, verify_es256};
use regex::Regex;
use serde_json::{Value, json};

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn kids(keys: &[Value]) -> Vec<String> {
    keys.iter().map(|k| k["kid"].as_str().unwrap().to_string()).collect()
}

fn ok(run: &keys::Run) -> &Value {
    assert!(run.out.status.success(), "mint failed: {}", common::stderr(&run.out));
    run.state.as_ref().unwrap()
}

#[test]
fn a_first_run_mints_keys_every_reader_accepts() {
    let Some(deno) = keys::deno() else { return };
    let run = mint(&deno, "", &Wanted::default());
    let state = ok(&run);
    assert_eq!(run.changed, Some(true));
    let current = keys_with(state, "current");
    let next = keys_with(state, "next");
    assert_eq!((current.len(), next.len(), keys_with(state, "previous").len()), (1, 1, 0));

    // GoTrue (supabase/auth@v2.186.0:internal/conf/jwk.go): a JSON array; exactly one key whose
    // key_ops hold "sign" (Validate refuses none or several), with its private part; every key has
    // an alg (GetSigningAlg falls back to HS256 without one) and a distinct kid (keys are a map by
    // kid); the JWT secret as a kid-less oct key keeps HS256 among the valid methods
    // (configuration.go derives them from the keys), so legacy keys and older sessions verify.
    let jwt_keys = inner(state, "jwt_keys");
    let list = jwt_keys.as_array().expect("GOTRUE_JWT_KEYS is an array");
    let signers: Vec<&Value> = list.iter().filter(|k| k["key_ops"].as_array().unwrap().contains(&json!("sign"))).collect();
    assert_eq!(signers.len(), 1, "{jwt_keys}");
    assert_eq!(signers[0]["kid"], current[0]["kid"]);
    assert_eq!(signers[0]["d"], current[0]["d"], "the signer carries its private key");
    assert!(list.iter().all(|k| k["alg"].is_string()), "a key without alg: {jwt_keys}");
    assert_eq!(list.iter().filter(|k| k["d"].is_string()).count(), 1, "only the signer's private part goes to GoTrue");
    let oct: Vec<&Value> = list.iter().filter(|k| k["kty"] == "oct").collect();
    assert_eq!(oct.len(), 1);
    assert!(oct[0].get("kid").is_none(), "the legacy secret's key must be kid-less");
    assert_eq!(oct[0]["alg"], "HS256");
    assert_eq!(oct[0]["k"], base64_url(JWT_SECRET));
    assert_eq!(oct[0]["key_ops"], json!(["verify"]));
    let mut all_kids: Vec<_> = list.iter().filter_map(|k| k["kid"].as_str()).collect();
    all_kids.dedup();
    assert_eq!(all_kids.len(), 2, "current and next, distinct: {all_kids:?}");

    // Storage (JWT_JWKS), Realtime (API_JWT_JWKS, stored in plain text in _realtime.tenants) and
    // the functions router: {"keys": [...]}, public EC keys only, current and next.
    let jwks = inner(state, "jwks");
    let public = jwks["keys"].as_array().unwrap();
    assert_eq!(kids(public), [kids(&current), kids(&next)].concat());
    for k in public {
        assert!(k.get("d").is_none() && k["kty"] == "EC" && k["crv"] == "P-256" && k["alg"] == "ES256", "{k}");
    }
    // PostgREST (PGRST_JWT_SECRET, PostgREST/postgrest@v14.5:src/PostgREST/Config.hs parseSecret):
    // the same keys plus the secret, kid-less, for tokens without kid.
    let postgrest = inner(state, "postgrest_jwks");
    let pk = postgrest["keys"].as_array().unwrap();
    assert_eq!(&pk[..public.len()], &public[..]);
    assert_eq!(pk[public.len()], json!({"kty": "oct", "k": base64_url(JWT_SECRET), "alg": "HS256"}));

    // Kong's internal JWTs: ES256 with the current kid, verified by an independent implementation.
    for (field, role) in [("anon_key", "anon"), ("service_role_key", "service_role")] {
        let (header, claims) = verify_es256(state[field].as_str().unwrap(), &jwks).unwrap_or_else(|e| panic!("{field}: {e}"));
        assert_eq!(header["kid"], current[0]["kid"]);
        assert_eq!(claims["role"], role);
        assert_eq!(claims["iss"], "supabase");
        let exp = claims["exp"].as_u64().unwrap();
        assert!(exp.abs_diff(now() + LIFETIME_DAYS * 86400) < 120, "{claims}");
    }

    // The opaque keys, in upstream's shape; no previous ones yet.
    let shape = |prefix: &str| Regex::new(&format!("^{prefix}[A-Za-z0-9_-]{{22}}_[A-Za-z0-9_-]{{8}}$")).unwrap();
    assert!(shape("sb_publishable_").is_match(state["publishable_key"].as_str().unwrap()));
    assert!(shape("sb_secret_").is_match(state["secret_key"].as_str().unwrap()));
    assert_eq!((state["publishable_key_previous"].as_str(), state["secret_key_previous"].as_str()), (Some(""), Some("")));

    // Nothing secret in the log.
    let log = format!("{}{}", common::stdout(&run.out), common::stderr(&run.out));
    for secret in [state["secret_key"].as_str().unwrap(), state["publishable_key"].as_str().unwrap(), current[0]["d"].as_str().unwrap(), JWT_SECRET] {
        assert!(!log.contains(secret), "the log shows key material: {log}");
    }
    assert!(log.contains(current[0]["kid"].as_str().unwrap()), "the log names the current kid: {log}");
}

#[test]
fn a_second_run_keeps_every_key() {
    let Some(deno) = keys::deno() else { return };
    let first = mint(&deno, "", &Wanted::default());
    let again = mint(&deno, first.text.as_deref().unwrap(), &Wanted::default());
    ok(&again);
    assert_eq!(again.changed, Some(false));
    assert_eq!(again.text, first.text, "an unchanged run must store nothing new");
}

#[test]
fn a_new_jwt_secret_reaches_every_jwks_and_keeps_the_signing_keys() {
    let Some(deno) = keys::deno() else { return };
    let first = mint(&deno, "", &Wanted::default());
    let other = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe9Dc8Ba7Zx6Yw5Vu4Ts3Rq2Po1Nm0Lk9J";
    let run = keys::mint_with_secret(&deno, first.text.as_deref().unwrap(), &Wanted::default(), other);
    let state = ok(&run);
    assert_eq!(run.changed, Some(true));
    assert_eq!(state["signing_keys"], first.state.as_ref().unwrap()["signing_keys"]);
    assert_eq!(state["anon_key"], first.state.as_ref().unwrap()["anon_key"]);
    assert!(state["postgrest_jwks"].as_str().unwrap().contains(&base64_url(other)));
    assert!(state["jwt_keys"].as_str().unwrap().contains(&base64_url(other)));
}

/// Rotation: the next key (published one rotation ahead) signs, the old one stays trusted, and a
/// new next key is published; tokens signed before the rotation still verify everywhere.
#[test]
fn rotating_the_signing_key_overlaps_old_and_new() {
    let Some(deno) = keys::deno() else { return };
    let first = mint(&deno, "", &Wanted::default());
    let before = first.state.as_ref().unwrap();
    let rotated = mint(&deno, first.text.as_deref().unwrap(), &Wanted { signing: 2, ..Wanted::default() });
    let after = ok(&rotated);
    assert_eq!(rotated.changed, Some(true));
    assert_eq!(kids(&keys_with(after, "current")), kids(&keys_with(before, "next")), "the published next key signs");
    assert_eq!(kids(&keys_with(after, "previous")), kids(&keys_with(before, "current")));
    let new_next = kids(&keys_with(after, "next"));
    assert!(!kids(&keys_with(before, "current")).contains(&new_next[0]) && !kids(&keys_with(before, "next")).contains(&new_next[0]));

    // Verifiers still on the old JWKS accept what GoTrue now signs; verifiers on the new JWKS
    // accept what it signed before.
    let old_jwks = inner(before, "jwks");
    let new_jwks = inner(after, "jwks");
    verify_es256(after["anon_key"].as_str().unwrap(), &old_jwks).expect("new tokens verify against the JWKS before the rotation");
    verify_es256(before["service_role_key"].as_str().unwrap(), &new_jwks).expect("old tokens verify against the JWKS after the rotation");
    assert_ne!(after["anon_key"], before["anon_key"], "Kong's JWTs are re-signed with the new key");
    let signer: Vec<Value> = inner(after, "jwt_keys").as_array().unwrap().iter().filter(|k| k["key_ops"].as_array().unwrap().contains(&json!("sign"))).cloned().collect();
    assert_eq!(kids(&signer), kids(&keys_with(after, "current")));
    // The opaque keys did not move.
    assert_eq!(after["secret_key"], before["secret_key"]);
    assert_eq!(after["publishable_key"], before["publishable_key"]);

    // A hard cut (keep_previous_keys false): the old key is gone from every set at once.
    let cut = mint(&deno, rotated.text.as_deref().unwrap(), &Wanted { signing: 2, keep_previous: false, ..Wanted::default() });
    let cut_state = ok(&cut);
    assert!(keys_with(cut_state, "previous").is_empty());
    assert!(verify_es256(before["service_role_key"].as_str().unwrap(), &inner(cut_state, "jwks")).is_err());
}

/// A retired signing key stays until no token it signed can be valid (the token lifetime plus a
/// 600 s margin), then goes at the next run.
#[test]
fn a_retired_signing_key_goes_once_its_tokens_have_expired() {
    let Some(deno) = keys::deno() else { return };
    let rotated = mint(&deno, "", &Wanted::default());
    let rotated = mint(&deno, rotated.text.as_deref().unwrap(), &Wanted { signing: 2, ..Wanted::default() });
    let mut state = ok(&rotated).clone();
    let set_retired = |state: &mut Value, at: u64| {
        for k in state["signing_keys"].as_array_mut().unwrap() {
            if k["status"] == "previous" {
                k["retired_at"] = json!(at);
            }
        }
    };
    set_retired(&mut state, now() - JWT_EXPIRY - 500);
    let kept = mint(&deno, &state.to_string(), &Wanted { signing: 2, ..Wanted::default() });
    assert_eq!(keys_with(ok(&kept), "previous").len(), 1, "dropped while its tokens may still be valid");
    set_retired(&mut state, now() - JWT_EXPIRY - 700);
    let gone = mint(&deno, &state.to_string(), &Wanted { signing: 2, ..Wanted::default() });
    assert!(keys_with(ok(&gone), "previous").is_empty(), "kept after every token it signed expired");
    assert_eq!(gone.changed, Some(true));
}

/// Publishable and secret keys rotate on their own; the previous one keeps working until the
/// next rotation of its kind, or goes at once with keep_previous_keys false.
#[test]
fn rotating_an_opaque_key_keeps_the_previous_one_for_the_overlap() {
    let Some(deno) = keys::deno() else { return };
    let first = mint(&deno, "", &Wanted::default());
    let before = first.state.as_ref().unwrap();
    let rotated = mint(&deno, first.text.as_deref().unwrap(), &Wanted { secret: 2, ..Wanted::default() });
    let after = ok(&rotated);
    assert_ne!(after["secret_key"], before["secret_key"]);
    assert_eq!(after["secret_key_previous"], before["secret_key"]);
    assert_eq!(after["publishable_key"], before["publishable_key"]);
    assert_eq!(after["publishable_key_previous"], "");
    assert_eq!(after["signing_keys"], before["signing_keys"]);
    let again = mint(&deno, rotated.text.as_deref().unwrap(), &Wanted { secret: 3, ..Wanted::default() });
    assert_eq!(ok(&again)["secret_key_previous"], after["secret_key"], "only the last previous key stays");
    let revoked = mint(&deno, again.text.as_deref().unwrap(), &Wanted { secret: 3, keep_previous: false, ..Wanted::default() });
    assert_eq!(ok(&revoked)["secret_key_previous"], "");
    assert_eq!(ok(&revoked)["secret_key"], ok(&again)["secret_key"]);
}

/// What the Job must refuse, without writing anything and without echoing the slot.
#[test]
fn a_mismatch_or_a_damaged_slot_stops_the_job() {
    let Some(deno) = keys::deno() else { return };
    let first = mint(&deno, "", &Wanted::default());
    let stored = first.text.as_deref().unwrap();
    let damaged = stored.replace("\"format\":1", "\"format\":9");
    let not_json = format!("{{oops {}", &stored[..200]);
    let cases: Vec<(&str, keys::Run, &str)> = vec![
        ("skipping a generation", mint(&deno, stored, &Wanted { signing: 3, ..Wanted::default() }), "signing key generation 3 in the values, 1 in Secrets Manager: set 1 to keep the keys, or 2 to rotate once"),
        ("going back", mint(&deno, &mint(&deno, stored, &Wanted { publishable: 2, ..Wanted::default() }).text.unwrap(), &Wanted::default()), "publishable key generation 1 in the values, 2 in Secrets Manager"),
        ("another format", mint(&deno, &damaged, &Wanted::default()), "not in format 1"),
        ("not JSON", mint(&deno, &not_json, &Wanted::default()), "does not hold JSON"),
        ("a short JWT secret", keys::mint_with_secret(&deno, "", &Wanted::default(), "short"), "jwt-secret must be at least 32"),
    ];
    for (what, run, message) in cases {
        assert!(!run.out.status.success(), "{what}: accepted");
        let err = common::stderr(&run.out);
        assert!(err.contains(message), "{what}: {err}");
        assert!(run.text.is_none() && run.changed.is_none(), "{what}: wrote output");
        assert!(!err.contains(&stored[..60]) && !err.contains("\"d\""), "{what}: the message echoes the slot: {err}");
    }
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
