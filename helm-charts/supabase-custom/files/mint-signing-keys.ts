// Mints (or keeps, or rotates) the new Supabase API keys: the asymmetric JWT signing keys (ES256,
// published as a JWKS) and the opaque publishable and secret keys (sb_publishable_..., sb_secret_...).
//
// Run by the bootstrap Job with Deno (denoland/deno:distroless, the Deno tests/signing_keys.rs runs):
//
//   deno run --no-prompt --no-remote --no-npm --allow-read=/work --allow-write=/work \
//     --allow-env=SIGNING_KEY_GENERATION,PUBLISHABLE_KEY_GENERATION,SECRET_KEY_GENERATION,KEEP_PREVIOUS_KEYS,JWT_EXPIRY_SECONDS,API_KEY_LIFETIME_DAYS \
//     mint-signing-keys.ts /work
//
// Input, in the directory: `jwt-secret` (the legacy HS256 secret) and `current-signing-keys` (what the
// Secrets Manager slot holds now; empty on the first run). Output: `signing-keys` (the JSON to store)
// and `signing-keys-changed` (`true` or `false`). Standard output names key ids and generations only;
// no key material is ever printed.
//
// The state is a JSON object whose string fields are what the components read (External Secrets
// picks them by name, so each Kubernetes Secret holds only its readers' share):
//   jwt_keys        GoTrue's GOTRUE_JWT_KEYS: a JSON array; the current EC key with its private part
//                   and key_ops [sign, verify] (exactly one signer: supabase/auth@v2.186.0:
//                   internal/conf/jwk.go Validate), the next and previous EC keys public and verify-only,
//                   and the legacy secret as a kid-less oct key, verify-only, so GoTrue keeps HS256 among
//                   its valid methods (internal/conf/configuration.go derives them from these keys).
//   jwks            {"keys": [EC public keys]}: Storage's JWT_JWKS, Realtime's API_JWT_JWKS (stored in
//                   plain text in _realtime.tenants: public keys only) and the Edge Functions' router.
//   postgrest_jwks  jwks plus the legacy secret as a kid-less oct key: PostgREST takes one JWKS for
//                   everything (PostgREST/postgrest@v14.5:src/PostgREST/Config.hs parseSecret) and
//                   tries every key for a token without kid (legacy keys, old sessions).
//   anon_key, service_role_key
//                   ES256 JWTs with the current key's kid: what Kong forwards in place of a
//                   publishable or secret key. Only Kong reads them.
//   publishable_key, secret_key, publishable_key_previous, secret_key_previous
//                   the opaque keys clients hold; a previous one ("" when none) keeps working until
//                   the next rotation of its kind, or until keep_previous_keys is false.
// plus the state itself: the generations and signing_keys (every EC key with its private part and
// its status: current, next or previous, with the time it was retired).
//
// Rotation overlaps by construction. The next signing key is published (in every JWKS) one
// rotation ahead of use, so when GoTrue starts signing with it every verifier already trusts it,
// whatever order the pods restart in; the retired key stays trusted for the token lifetime plus a
// margin (previous keys are dropped only once no token it signed can still be valid), unless
// keep_previous_keys is false (a leaked key: a hard cut).
//
// A generation in the values may equal the stored one (nothing rotates) or exceed it by one (rotate
// that kind once). Anything else stops the run with a message: the values and the slot disagree,
// and guessing would throw keys away.

const FORMAT = 1;
const MARGIN_SECONDS = 600; // clock skew plus GoTrue's JWKS cache (Cache-Control: max-age=600)
const RENEW_BEFORE_SECONDS = 30 * 86400; // re-sign Kong's internal JWTs a month before they expire

type Jwk = Record<string, unknown> & { kid?: string };
type SigningKey = { status: "current" | "next" | "previous"; retired_at: number | null; jwk: Jwk };
type State = {
  format: number;
  signing_key_generation: number;
  publishable_key_generation: number;
  secret_key_generation: number;
  signing_keys: SigningKey[];
  publishable_key: string;
  publishable_key_previous: string;
  secret_key: string;
  secret_key_previous: string;
  anon_key: string;
  service_role_key: string;
  jwt_keys: string;
  jwks: string;
  postgrest_jwks: string;
};

class Refusal extends Error {}

function fail(message: string): never {
  throw new Refusal(message);
}

function generation(name: string): number {
  const raw = Deno.env.get(name) ?? "";
  if (!/^[1-9][0-9]{0,8}$/.test(raw)) fail(`${name} must be a whole number from 1 (got "${raw}")`);
  return Number(raw);
}

function seconds(name: string, min: number): number {
  const raw = Deno.env.get(name) ?? "";
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < min) fail(`${name} must be a whole number of at least ${min}`);
  return Number(raw);
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
const utf8 = (s: string) => new TextEncoder().encode(s);
const fromB64url = (s: string) => Uint8Array.from(atob(s.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0));
const jsonOf = (s: string) => JSON.parse(new TextDecoder().decode(fromB64url(s)));
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

async function newSigningKey(status: SigningKey["status"]): Promise<SigningKey> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const { kty, crv, x, y, d } = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return { status, retired_at: null, jwk: { kty, crv, x, y, d, kid: crypto.randomUUID(), alg: "ES256", use: "sig" } };
}

// An opaque key in the shape upstream's self-hosted scripts give it: prefix, 22 random base64url
// characters, "_", an 8-character checksum. Nothing checks the checksum (Kong matches the whole
// string); it lets a client library recognise a mistyped key.
async function newOpaqueKey(prefix: "sb_publishable_" | "sb_secret_"): Promise<string> {
  const body = prefix + b64url(random(16));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(`supabase-self-hosted|${body}`)));
  return `${body}_${b64url(digest).slice(0, 8)}`;
}

const publicPart = ({ kty, crv, x, y, kid, alg }: Jwk): Jwk => ({ kty, crv, x, y, kid, alg, use: "sig", key_ops: ["verify"] });

async function sign(key: Jwk, claims: Record<string, unknown>): Promise<string> {
  const { kty, crv, x, y, d } = key;
  const privateKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y, d } as JsonWebKey, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const input = `${b64url(utf8(JSON.stringify({ alg: "ES256", typ: "JWT", kid: key.kid })))}.${b64url(utf8(JSON.stringify(claims)))}`;
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, privateKey, utf8(input)));
  return `${input}.${b64url(signature)}`;
}

// The claims of a JWT we signed, when its signature is the current key's and it carries `role`.
async function ownClaims(token: string, key: Jwk, role: string): Promise<Record<string, unknown> | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const header = jsonOf(parts[0]);
    if (header.alg !== "ES256" || header.kid !== key.kid) return null;
    const { kty, crv, x, y } = key;
    const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y } as JsonWebKey, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const signature = fromB64url(parts[2]);
    if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, utf8(`${parts[0]}.${parts[1]}`)))) return null;
    const claims = jsonOf(parts[1]);
    return claims.role === role ? claims : null;
  } catch {
    return null;
  }
}

function parseState(text: string): State | null {
  if (text.trim() === "") return null;
  let state: State;
  try {
    state = JSON.parse(text);
  } catch {
    fail("the signing-keys secret does not hold JSON (restore its previous version in Secrets Manager, or empty it to mint new keys)");
  }
  const ok = state !== null && typeof state === "object" && state.format === FORMAT &&
    Number.isInteger(state.signing_key_generation) && Number.isInteger(state.publishable_key_generation) &&
    Number.isInteger(state.secret_key_generation) && Array.isArray(state.signing_keys) &&
    state.signing_keys.every((k) => k && ["current", "next", "previous"].includes(k.status) && typeof k.jwk?.d === "string" && typeof k.jwk?.kid === "string") &&
    state.signing_keys.filter((k) => k.status === "current").length === 1 &&
    state.signing_keys.filter((k) => k.status === "next").length === 1 &&
    ["publishable_key", "secret_key", "publishable_key_previous", "secret_key_previous"].every((f) => typeof (state as Record<string, unknown>)[f] === "string");
  if (!ok) fail(`the signing-keys secret is not in format ${FORMAT} (restore its previous version in Secrets Manager, or empty it to mint new keys)`);
  return state;
}

// desired vs stored: false (keep), true (rotate once), or a refusal.
function rotates(kind: string, desired: number, stored: number): boolean {
  if (desired === stored) return false;
  if (desired === stored + 1) return true;
  fail(
    `${kind} generation ${desired} in the values, ${stored} in Secrets Manager: set ${stored} to keep the keys, or ${stored + 1} to rotate once`,
  );
}

async function main(dir: string): Promise<void> {
  const want = {
    signing: generation("SIGNING_KEY_GENERATION"),
    publishable: generation("PUBLISHABLE_KEY_GENERATION"),
    secret: generation("SECRET_KEY_GENERATION"),
  };
  const keep = Deno.env.get("KEEP_PREVIOUS_KEYS") ?? "";
  if (keep !== "true" && keep !== "false") fail("KEEP_PREVIOUS_KEYS must be true or false");
  const keepPrevious = keep === "true";
  const jwtExpiry = seconds("JWT_EXPIRY_SECONDS", 60);
  const lifetime = seconds("API_KEY_LIFETIME_DAYS", 1) * 86400;
  const secret = await Deno.readTextFile(`${dir}/jwt-secret`);
  if (!/^[A-Za-z0-9]{32,}$/.test(secret)) fail("jwt-secret must be at least 32 letters and digits (the value is not shown)");
  const before = await Deno.readTextFile(`${dir}/current-signing-keys`);
  const stored = parseState(before);
  const now = Math.floor(Date.now() / 1000);

  let keys: SigningKey[];
  let publishable: [string, string];
  let secretKeys: [string, string];
  if (stored === null) {
    keys = [await newSigningKey("current"), await newSigningKey("next")];
    publishable = [await newOpaqueKey("sb_publishable_"), ""];
    secretKeys = [await newOpaqueKey("sb_secret_"), ""];
  } else {
    keys = stored.signing_keys.map((k) => ({ ...k }));
    publishable = [stored.publishable_key, stored.publishable_key_previous];
    secretKeys = [stored.secret_key, stored.secret_key_previous];
    if (rotates("signing key", want.signing, stored.signing_key_generation)) {
      for (const k of keys) {
        if (k.status === "current") Object.assign(k, { status: "previous", retired_at: now });
        else if (k.status === "next") k.status = "current";
      }
      keys.push(await newSigningKey("next"));
    }
    if (rotates("publishable key", want.publishable, stored.publishable_key_generation)) {
      publishable = [await newOpaqueKey("sb_publishable_"), publishable[0]];
    }
    if (rotates("secret key", want.secret, stored.secret_key_generation)) {
      secretKeys = [await newOpaqueKey("sb_secret_"), secretKeys[0]];
    }
  }
  // A retired key goes once no token it signed can still be valid; at once without keep_previous_keys.
  keys = keys.filter((k) =>
    k.status !== "previous" || (keepPrevious && (k.retired_at ?? 0) + jwtExpiry + MARGIN_SECONDS > now)
  );
  if (!keepPrevious) {
    publishable[1] = "";
    secretKeys[1] = "";
  }

  const current = keys.find((k) => k.status === "current")!.jwk;
  const apiJwt = async (role: string, held: string | undefined) => {
    const claims = held ? await ownClaims(held, current, role) : null;
    if (claims && typeof claims.exp === "number" && claims.exp - now > RENEW_BEFORE_SECONDS) return held!;
    return await sign(current, { role, iss: "supabase", iat: now, exp: now + lifetime });
  };
  const oct = { kty: "oct", k: b64url(utf8(secret)), alg: "HS256" };
  const order = { current: 0, next: 1, previous: 2 };
  keys.sort((a, b) => order[a.status] - order[b.status] || (b.retired_at ?? 0) - (a.retired_at ?? 0));
  const publicKeys = keys.map((k) => publicPart(k.jwk));
  const state: State = {
    format: FORMAT,
    signing_key_generation: want.signing,
    publishable_key_generation: want.publishable,
    secret_key_generation: want.secret,
    signing_keys: keys,
    publishable_key: publishable[0],
    publishable_key_previous: publishable[1],
    secret_key: secretKeys[0],
    secret_key_previous: secretKeys[1],
    anon_key: await apiJwt("anon", stored?.anon_key),
    service_role_key: await apiJwt("service_role", stored?.service_role_key),
    jwt_keys: JSON.stringify([
      { ...current, use: "sig", key_ops: ["sign", "verify"] },
      ...publicKeys.slice(1),
      { ...oct, key_ops: ["verify"] },
    ]),
    jwks: JSON.stringify({ keys: publicKeys }),
    postgrest_jwks: JSON.stringify({ keys: [...publicKeys, oct] }),
  };
  const after = JSON.stringify(state);
  const changed = after !== before;
  await Deno.writeTextFile(`${dir}/signing-keys`, after, { mode: 0o600 });
  await Deno.writeTextFile(`${dir}/signing-keys-changed`, String(changed), { mode: 0o600 });
  const kids = (status: string) => keys.filter((k) => k.status === status).map((k) => k.jwk.kid).join(", ") || "none";
  console.log(
    `signing keys: generation ${want.signing}, current ${kids("current")}, next ${kids("next")}, previous ${kids("previous")}; ` +
      `publishable key generation ${want.publishable}${publishable[1] ? " (+ previous)" : ""}; ` +
      `secret key generation ${want.secret}${secretKeys[1] ? " (+ previous)" : ""}; changed=${changed}`,
  );
}

try {
  if (Deno.args.length !== 1) fail("usage: mint-signing-keys.ts <directory>");
  await main(Deno.args[0]);
} catch (e) {
  // Only our own messages and file errors are shown: nothing else may echo key material.
  const shown = e instanceof Refusal || (e instanceof Error && e.name in Deno.errors);
  console.error(`mint-signing-keys: ${shown ? (e as Error).message : `failed (${(e as Error).name})`}`);
  Deno.exit(1);
}
