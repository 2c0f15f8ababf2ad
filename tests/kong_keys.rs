//! Kong's mapping of the new API keys, run as Kong runs it: the kong.yml External Secrets writes
//! (rendered with Go's text/template through helm, tests/common/chart.rs `eso_render`) and its
//! request-transformer templates rendered by Penlight's template engine under LuaJIT, with the
//! options, sandbox environment (`type`, lazily `headers` and `query_params`) and replace/add
//! semantics of Kong/kong@3.9.1:kong/plugins/request-transformer/access.lua. Needs `luajit` and
//! Debian's `lua-penlight` (.ci/run installs them); skips loudly without, fails under REQUIRE_TOOLS.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::chart::{Env, KONG_KEYS, environments, eso_render, helm, kong_template};
use serde_json::Value;

const LEGACY_ANON: &str = "legacy.anon.jwt";
const ANON_JWT: &str = "es256.anon.jwt";
const SERVICE_JWT: &str = "es256.service.jwt";
const PK: &str = "sb_publishable_current0000000000000_abcdefgh";
const SK: &str = "sb_secret_current000000000000000000_abcdefgh";
const PK_OLD: &str = "sb_publishable_previous000000000000_abcdefgh";
const SK_OLD: &str = "sb_secret_previous00000000000000000_abcdefgh";

fn luajit() -> bool {
    let ok = Command::new("luajit").args(["-e", "require 'pl.template'"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        common::missing("luajit with Penlight", "installed (apt: luajit lua-penlight)");
    }
    ok
}

/// kong.yml as External Secrets writes it, with or without previous opaque keys.
fn kong_yml(env: &Env, previous: bool) -> Value {
    let data: Vec<(&str, &str)> = KONG_KEYS
        .iter()
        .map(|&(k, v)| match (k, previous) {
            ("publishableKeyPrevious", true) => (k, PK_OLD),
            ("secretKeyPrevious", true) => (k, SK_OLD),
            _ => (k, v),
        })
        .collect();
    let text = eso_render(&helm().unwrap(), kong_template(env), &data);
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: kong.yml does not parse: {e}", env.name))
}

/// The request-transformer `replace` and `add` header entries of a service (or its route).
fn transformer(config: &Value, service: &str) -> (Vec<String>, Vec<String>) {
    let s = config["services"].as_array().unwrap().iter().find(|s| s["name"] == service).unwrap_or_else(|| panic!("no service {service}"));
    let plugins = s["plugins"].as_array().into_iter().chain(s["routes"][0]["plugins"].as_array()).flatten();
    let t = plugins.into_iter().find(|p| p["name"] == "request-transformer").unwrap_or_else(|| panic!("{service}: no request-transformer"));
    let list = |op: &str| t["config"][op]["headers"].as_array().map(|l| l.iter().map(|h| h.as_str().unwrap().to_string()).collect()).unwrap_or_default();
    (list("replace"), list("add"))
}

struct Case<'a> {
    name: &'a str,
    service: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    query: Vec<(&'a str, &'a str)>,
    /// The header to read after the transformation, and what it must be (None: absent).
    header: &'a str,
    want: Option<&'a str>,
}

/// Runs the cases through Penlight's templates as Kong's plugin does; the header each case reads,
/// by case name. HTTP drops the whitespace before a header value, and so do the results.
fn run(config: &Value, cases: &[Case]) -> BTreeMap<String, Option<String>> {
    let long = |s: &str| format!("[==[{s}]==]");
    let list = |l: &[String]| format!("{{{}}}", l.iter().map(|s| long(s)).collect::<Vec<_>>().join(", "));
    let table = |kv: &[(&str, &str)]| {
        let mut grouped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in kv {
            grouped.entry(k).or_default().push(v);
        }
        let fields: Vec<String> = grouped
            .iter()
            .map(|(k, vs)| if vs.len() == 1 { format!("[ {} ] = {}", long(k), long(vs[0])) } else { format!("[ {} ] = {{{}}}", long(k), vs.iter().map(|v| long(v)).collect::<Vec<_>>().join(", ")) })
            .collect();
        format!("{{{}}}", fields.join(", "))
    };
    let mut lua = String::from(include_str!("kong/transform.lua"));
    for c in cases {
        let (replace, add) = transformer(config, c.service);
        lua.push_str(&format!("report({}, {}, {}, {}, {}, {})\n", long(c.name), list(&replace), list(&add), table(&c.headers), table(&c.query), long(c.header)));
    }
    let dir = common::TempDir::new("kong-keys");
    dir.write("cases.lua", &lua);
    let out = Command::new("luajit").arg(dir.path().join("cases.lua")).output().expect("run luajit");
    assert!(out.status.success(), "luajit failed:\n{}", common::stderr(&out));
    common::stdout(&out)
        .lines()
        .map(|l| {
            let (name, value) = l.split_once('\t').unwrap();
            (name.to_string(), (value != "\u{1}").then(|| value.trim_start().to_string()))
        })
        .collect()
}

fn check(env: &Env, config: &Value, cases: &[Case]) {
    let seen = run(config, cases);
    for c in cases {
        assert_eq!(seen[c.name].as_deref(), c.want, "{}: {} ({}): {} is wrong", env.name, c.name, c.service, c.header);
    }
}

fn bearer(s: &str) -> String {
    format!("Bearer {s}")
}

#[test]
fn every_key_reaches_the_services_as_a_jwt_of_its_role() {
    if !luajit() {
        return;
    }
    let Some(envs) = environments() else { return };
    let (anon, service, legacy) = (bearer(ANON_JWT), bearer(SERVICE_JWT), bearer(LEGACY_ANON));
    let (auth_pk, auth_sk, unknown) = (bearer(PK), bearer(SK), bearer("sb_secret_unknown0000000000000000000_abcdefgh"));
    for env in envs {
        let config = kong_yml(env, false);
        let mut cases = vec![
            Case { name: "publishable key", service: "rest-v1", headers: vec![("apikey", PK)], query: vec![], header: "authorization", want: Some(&anon) },
            Case { name: "secret key", service: "rest-v1", headers: vec![("apikey", SK)], query: vec![], header: "authorization", want: Some(&service) },
            Case { name: "in the query", service: "auth-v1", headers: vec![], query: vec![("apikey", PK)], header: "authorization", want: Some(&anon) },
            Case { name: "legacy key", service: "rest-v1", headers: vec![("apikey", LEGACY_ANON)], query: vec![], header: "authorization", want: Some(&legacy) },
            Case { name: "user session", service: "rest-v1", headers: vec![("apikey", PK), ("authorization", "Bearer user.session.jwt")], query: vec![], header: "authorization", want: Some("Bearer user.session.jwt") },
            Case { name: "sb key as bearer", service: "rest-v1", headers: vec![("apikey", PK), ("authorization", &auth_sk)], query: vec![], header: "authorization", want: Some(&service) },
            Case { name: "duplicate authorization", service: "rest-v1", headers: vec![("apikey", SK), ("authorization", "x"), ("authorization", "y")], query: vec![], header: "authorization", want: Some(&service) },
            // An empty previous slot never matches: an empty apikey is not a secret key.
            Case { name: "empty apikey", service: "rest-v1", headers: vec![("apikey", "")], query: vec![], header: "authorization", want: Some("") },
            Case { name: "previous key without overlap", service: "rest-v1", headers: vec![("apikey", SK_OLD)], query: vec![], header: "authorization", want: Some("") },
            Case { name: "storage with a key", service: "storage-v1", headers: vec![("authorization", &auth_pk)], query: vec![], header: "authorization", want: Some(&anon) },
            Case { name: "storage signed URL", service: "storage-v1", headers: vec![("apikey", PK)], query: vec![], header: "authorization", want: None },
            Case { name: "storage unknown sb key", service: "storage-v1", headers: vec![("authorization", &unknown)], query: vec![], header: "authorization", want: Some(&unknown) },
            Case { name: "realtime socket", service: "realtime-v1-ws", headers: vec![], query: vec![("apikey", PK)], header: "x-api-key", want: Some(ANON_JWT) },
            Case { name: "realtime spoofed header", service: "realtime-v1-ws", headers: vec![("x-api-key", "spoof")], query: vec![("apikey", SK)], header: "x-api-key", want: Some(SERVICE_JWT) },
            Case { name: "realtime legacy", service: "realtime-v1-ws", headers: vec![], query: vec![("apikey", LEGACY_ANON)], header: "x-api-key", want: Some(LEGACY_ANON) },
            Case { name: "realtime rest", service: "realtime-v1-rest", headers: vec![("apikey", SK)], query: vec![], header: "authorization", want: Some(&service) },
        ];
        if config["services"].as_array().unwrap().iter().any(|s| s["name"] == "functions-v1") {
            cases.push(Case { name: "function with a key", service: "functions-v1", headers: vec![("authorization", &auth_pk)], query: vec![], header: "authorization", want: Some(&anon) });
        }
        check(env, &config, &cases);
    }
}

/// During an overlap both the current and the previous opaque key of each role are credentials of
/// that role's consumer and map to its JWT; an empty previous slot adds no credential.
#[test]
fn previous_keys_work_during_the_overlap_and_only_then() {
    if !luajit() {
        return;
    }
    let Some(envs) = environments() else { return };
    let (anon, service) = (bearer(ANON_JWT), bearer(SERVICE_JWT));
    for env in envs {
        let credentials = |config: &Value, consumer: &str| -> Vec<String> {
            let c = config["consumers"].as_array().unwrap().iter().find(|c| c["username"] == consumer).unwrap();
            c["keyauth_credentials"].as_array().unwrap().iter().map(|k| k["key"].as_str().unwrap().to_string()).collect()
        };
        let without = kong_yml(env, false);
        assert_eq!(credentials(&without, "anon"), [LEGACY_ANON, PK], "{}", env.name);
        assert_eq!(credentials(&without, "service_role"), ["legacy.service.jwt", SK], "{}", env.name);
        let with = kong_yml(env, true);
        assert_eq!(credentials(&with, "anon"), [LEGACY_ANON, PK, PK_OLD], "{}", env.name);
        assert_eq!(credentials(&with, "service_role"), ["legacy.service.jwt", SK, SK_OLD], "{}", env.name);
        check(
            env,
            &with,
            &[
                Case { name: "previous secret key", service: "rest-v1", headers: vec![("apikey", SK_OLD)], query: vec![], header: "authorization", want: Some(&service) },
                Case { name: "previous publishable key", service: "auth-v1", headers: vec![("apikey", PK_OLD)], query: vec![], header: "authorization", want: Some(&anon) },
                Case { name: "current key", service: "rest-v1", headers: vec![("apikey", PK)], query: vec![], header: "authorization", want: Some(&anon) },
                Case { name: "previous on the socket", service: "realtime-v1-ws", headers: vec![], query: vec![("apikey", SK_OLD)], header: "x-api-key", want: Some(SERVICE_JWT) },
            ],
        );
    }
}
