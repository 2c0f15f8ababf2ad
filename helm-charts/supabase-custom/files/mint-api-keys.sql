-- Mints (or keeps) the Supabase API keys: the anon and service_role HS256 JWTs.
--
-- Run by the bootstrap Job after bootstrap.sql (which installs pgcrypto in schema `extensions`):
--
--   psql -X -q -v ON_ERROR_STOP=1 \
--        -v jwt_secret=... -v current_anon_key=... -v current_service_role_key=... \
--        [-v api_key_lifetime_days=N] -f mint-api-keys.sql > /tmpfs/api-keys
--
-- current_anon_key and current_service_role_key are what the Secrets Manager slots hold now (empty
-- strings while they are still empty). A current key is kept unchanged when it is a well-formed
-- HS256 JWT signed with jwt_secret, carrying the expected "role" claim and not expired, so keys stay
-- stable across upgrades. Any other value is replaced by a new key: header {"alg":"HS256","typ":"JWT"},
-- payload {"role":...,"iss":"supabase","iat":now,"exp":now + 10 years (or api_key_lifetime_days)}.
--
-- Standard output is exactly three lines and nothing else:
--   anon=<token>
--   service_role=<token>
--   changed=<true|false>        (true when at least one key was minted)
--
-- Only plain queries: nothing is created in the database. The secret and the keys reach the server
-- as transaction-local settings, so they do not appear in the text of the query that does the work
-- (nor in the excerpt psql prints if that query fails).

\set ON_ERROR_STOP on
\set ECHO none
\set QUIET on

\if :{?jwt_secret}
\else
  \warn 'mint-api-keys.sql: psql variable jwt_secret is not set'
  \set mint_missing_variable true
\endif
\if :{?current_anon_key}
\else
  \warn 'mint-api-keys.sql: psql variable current_anon_key is not set (pass an empty string when there is no key yet)'
  \set mint_missing_variable true
\endif
\if :{?current_service_role_key}
\else
  \warn 'mint-api-keys.sql: psql variable current_service_role_key is not set (pass an empty string when there is no key yet)'
  \set mint_missing_variable true
\endif
\if :{?api_key_lifetime_days}
\else
  \set api_key_lifetime_days ''
\endif
\if :{?mint_missing_variable}
  DO $$ BEGIN RAISE EXCEPTION 'mint-api-keys.sql: required psql variables are missing (see above)'; END $$;
\endif

BEGIN READ ONLY;
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL supabase_mint.jwt_secret = :'jwt_secret';
SET LOCAL supabase_mint.current_anon_key = :'current_anon_key';
SET LOCAL supabase_mint.current_service_role_key = :'current_service_role_key';
SET LOCAL supabase_mint.lifetime_days = :'api_key_lifetime_days';

SELECT current_setting('supabase_mint.jwt_secret') ~ '^[A-Za-z0-9]{32,}$' AS mint_secret_ok,
       current_setting('supabase_mint.lifetime_days') ~ '^([1-9][0-9]{0,5})?$' AS mint_lifetime_ok
\gset
\if :mint_secret_ok
\else
  DO $$ BEGIN RAISE EXCEPTION 'mint-api-keys.sql: jwt_secret must be at least 32 letters and digits (the value is not shown)'; END $$;
\endif
\if :mint_lifetime_ok
\else
  DO $$ BEGIN RAISE EXCEPTION 'mint-api-keys.sql: api_key_lifetime_days must be a positive whole number of days'; END $$;
\endif

\pset pager off
\pset format unaligned
\pset tuples_only on

WITH input AS MATERIALIZED (
  SELECT convert_to(current_setting('supabase_mint.jwt_secret'), 'UTF8') AS secret,
         extract(epoch FROM now())::numeric AS now_epoch,
         floor(extract(epoch FROM now()))::bigint AS iat,
         floor(extract(epoch FROM now() + coalesce(
           make_interval(days => nullif(current_setting('supabase_mint.lifetime_days'), '')::int),
           interval '10 years')))::bigint AS exp
),
current_keys AS MATERIALIZED (
  SELECT *
  FROM (VALUES
    (1, 'anon',         current_setting('supabase_mint.current_anon_key')),
    (2, 'service_role', current_setting('supabase_mint.current_service_role_key'))
  ) AS v(ord, role, token)
),
parts AS (
  SELECT k.ord, k.role, k.token, i.secret,
         k.token ~ '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$' AS well_formed,
         split_part(k.token, '.', 1) AS h,
         split_part(k.token, '.', 2) AS p,
         split_part(k.token, '.', 3) AS s
  FROM current_keys k CROSS JOIN input i
),
signed AS (
  SELECT parts.*,
         well_formed
           AND length(h) % 4 <> 1 AND length(p) % 4 <> 1
           AND s = rtrim(translate(encode(
                     extensions.hmac(convert_to(h || '.' || p, 'UTF8'), secret, 'sha256'),
                     'base64'), E'+/\n', '-_'), '=') AS signature_ok
  FROM parts
),
decoded AS (
  -- Decoded only once the signature is known to be ours (CASE keeps the order).
  SELECT signed.*,
         CASE WHEN signature_ok THEN convert_from(decode(
           rpad(translate(h, '-_', '+/'), (length(h) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb END AS header,
         CASE WHEN signature_ok THEN convert_from(decode(
           rpad(translate(p, '-_', '+/'), (length(p) + 3) / 4 * 4, '='), 'base64'), 'UTF8')::jsonb END AS payload
  FROM signed
),
verdict AS (
  SELECT d.ord, d.role, d.token,
         coalesce(d.signature_ok
                  AND jsonb_typeof(d.header) = 'object'
                  AND jsonb_typeof(d.payload) = 'object'
                  AND d.header ->> 'alg' = 'HS256'
                  AND d.payload ->> 'role' = d.role
                  AND CASE WHEN jsonb_typeof(d.payload -> 'exp') = 'number'
                           THEN (d.payload ->> 'exp')::numeric > i.now_epoch
                           ELSE false END, false) AS keep
  FROM decoded d CROSS JOIN input i
),
unsigned AS (
  SELECT v.ord, v.role, v.keep, v.token, i.secret,
         rtrim(translate(encode(convert_to('{"alg":"HS256","typ":"JWT"}', 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
         || '.' ||
         rtrim(translate(encode(convert_to(
           '{"role":"' || v.role || '","iss":"supabase","iat":' || i.iat || ',"exp":' || i.exp || '}', 'UTF8'),
           'base64'), E'+/\n', '-_'), '=') AS signing_input
  FROM verdict v CROSS JOIN input i
),
result AS (
  SELECT ord, role, keep,
         CASE WHEN keep THEN token
              ELSE signing_input || '.' || rtrim(translate(encode(
                     extensions.hmac(convert_to(signing_input, 'UTF8'), secret, 'sha256'),
                     'base64'), E'+/\n', '-_'), '=')
         END AS token
  FROM unsigned
)
SELECT line
FROM (
  SELECT ord, role || '=' || token AS line FROM result
  UNION ALL
  SELECT 3, 'changed=' || (NOT bool_and(keep))::text FROM result
) AS lines
ORDER BY ord;

COMMIT;
