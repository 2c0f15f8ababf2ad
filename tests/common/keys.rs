//! The chart's signing-key minter (files/mint-signing-keys.ts) run as the bootstrap Job runs it:
//! with Deno 2.1.4 (the Job's denoland/deno:distroless-2.1.4; installed into .cache/deno by
//! scripts/install-deno.sh), the same permissions, a directory holding `jwt-secret` and
//! `current-signing-keys`. Also an independent ES256 verifier (RustCrypto p256) for its tokens.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use serde_json::{Value, json};

use super::TempDir;

pub const JWT_SECRET: &str = "q7Rk2ZfW9pLx4Nc8Vb1Hs6Tj3Ym5Ge0Ua7Dn2Kw9Qr4Xz8Lp1Fv6Bh3Cs5Jt0Mg7";

pub fn deno() -> Option<PathBuf> {
    let bin = super::repo().join(".cache/deno/node_modules/@deno/linux-x64-glibc/deno").into_std_path_buf();
    if bin.is_file() {
        Some(bin)
    } else {
        super::missing("Deno 2.1.4", "in .cache/deno (scripts/install-deno.sh installs it)");
        None
    }
}

/// The generations and switches the Job passes (templates/bootstrap/job.yaml).
pub struct Wanted {
    pub signing: u32,
    pub publishable: u32,
    pub secret: u32,
    pub keep_previous: bool,
}

impl Default for Wanted {
    fn default() -> Self {
        Wanted { signing: 1, publishable: 1, secret: 1, keep_previous: true }
    }
}

pub const JWT_EXPIRY: u64 = 3600;
pub const LIFETIME_DAYS: u64 = 3650;

/// One run over `current` (the slot's value, "" when empty). The run's directory stays for
/// inspection; `state` is the stored JSON when the run succeeded.
pub struct Run {
    pub out: Output,
    pub dir: TempDir,
    pub state: Option<Value>,
    pub text: Option<String>,
    pub changed: Option<bool>,
}

pub fn mint(deno: &PathBuf, current: &str, want: &Wanted) -> Run {
    mint_with_secret(deno, current, want, JWT_SECRET)
}

pub fn mint_with_secret(deno: &PathBuf, current: &str, want: &Wanted, secret: &str) -> Run {
    let dir = TempDir::new("mint");
    dir.write("work/jwt-secret", secret);
    dir.write("work/current-signing-keys", current);
    let work = dir.path().join("work");
    let out = Command::new(deno)
        .args(["run", "--no-prompt", "--no-remote", "--no-npm", "--no-config"])
        .arg(format!("--allow-read={work}"))
        .arg(format!("--allow-write={work}"))
        .arg("--allow-env=SIGNING_KEY_GENERATION,PUBLISHABLE_KEY_GENERATION,SECRET_KEY_GENERATION,KEEP_PREVIOUS_KEYS,JWT_EXPIRY_SECONDS,API_KEY_LIFETIME_DAYS")
        .arg(super::repo().join("helm-charts/supabase-custom/files/mint-signing-keys.ts"))
        .arg(&work)
        .env_clear()
        .env("DENO_DIR", dir.path().join("deno"))
        .env("NO_COLOR", "1")
        .env("SIGNING_KEY_GENERATION", want.signing.to_string())
        .env("PUBLISHABLE_KEY_GENERATION", want.publishable.to_string())
        .env("SECRET_KEY_GENERATION", want.secret.to_string())
        .env("KEEP_PREVIOUS_KEYS", want.keep_previous.to_string())
        .env("JWT_EXPIRY_SECONDS", JWT_EXPIRY.to_string())
        .env("API_KEY_LIFETIME_DAYS", LIFETIME_DAYS.to_string())
        .output()
        .expect("run deno");
    let text = std::fs::read_to_string(work.join("signing-keys")).ok();
    let state = text.as_deref().map(|t| serde_json::from_str(t).expect("signing-keys is JSON"));
    let changed = std::fs::read_to_string(work.join("signing-keys-changed")).ok().map(|c| c == "true");
    Run { out, dir, state, text, changed }
}

/// A string field of the state that is itself JSON (jwt_keys, jwks, postgrest_jwks).
pub fn inner(state: &Value, field: &str) -> Value {
    serde_json::from_str(state[field].as_str().unwrap_or_else(|| panic!("{field} is not a string"))).unwrap_or_else(|e| panic!("{field}: {e}"))
}

pub fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).expect("base64url")).expect("JSON")
}

/// Header and claims of an ES256 JWT that verifies against the EC key of `jwks` with its kid
/// (what PostgREST, Storage and Realtime do for a token with a kid), or why it does not.
pub fn verify_es256(token: &str, jwks: &Value) -> Result<(Value, Value), String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, s] = parts[..] else { return Err("not a JWT".into()) };
    let header = decode_part(h);
    if header["alg"] != "ES256" {
        return Err(format!("alg {}", header["alg"]));
    }
    let kid = header["kid"].as_str().ok_or("no kid")?;
    let jwk = jwks["keys"].as_array().unwrap().iter().find(|k| k["kid"] == kid && k["kty"] == "EC").ok_or(format!("no key {kid}"))?;
    let bare = json!({"kty": jwk["kty"], "crv": jwk["crv"], "x": jwk["x"], "y": jwk["y"]});
    let key = p256::PublicKey::from_jwk_str(&bare.to_string()).map_err(|e| e.to_string())?;
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(s).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    VerifyingKey::from(key).verify(format!("{h}.{p}").as_bytes(), &signature).map_err(|_| "bad signature".to_string())?;
    Ok((header, decode_part(p)))
}

/// An ES256 JWT over `claims` with the private key `d` (base64url, as in a JWK), under `kid`.
pub fn es256(d: &str, kid: Option<&str>, claims: &Value) -> String {
    let key = SigningKey::from_slice(&URL_SAFE_NO_PAD.decode(d).unwrap()).unwrap();
    let mut header = json!({"alg": "ES256", "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    let signature: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// A private key that is not the project's (base64url, as `d` of a JWK).
pub const FOREIGN_D: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";

/// The EC key of a state's signing_keys with `status`.
pub fn keys_with(state: &Value, status: &str) -> Vec<Value> {
    state["signing_keys"].as_array().unwrap().iter().filter(|k| k["status"] == status).map(|k| k["jwk"].clone()).collect()
}
