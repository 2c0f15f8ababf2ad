#!/bin/sh
# Picks, from the RDS CA bundle, the one certificate the pooler's upstream TLS is to trust.
#
# Supavisor trusts exactly one certificate per tenant (supabase/supavisor@v2.7.4:
# lib/supavisor/helpers.ex, cert_to_bin: a PEM with more than one is refused) and checks the
# database's chain against it, not the host name (lib/supavisor/db_handler.ex). The RDS bundles
# hold many. The right one is the one with which libpq, checking the chain only
# (sslmode=verify-ca), completes the TLS handshake with this database and logs in: the same
# check, made before Supavisor depends on it. Nothing found fails the pod loudly.
#
# Usage: pooler-upstream-ca.sh <bundle.pem> <out.pem>, with PGHOST, PGPORT, PGDATABASE, PGUSER
# and PGPASSWORD set. POSIX sh, awk and psql (the bootstrap Job's postgres image).
set -eu
bundle=$1
out=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk -v dir="$work" '
  /-----BEGIN CERTIFICATE-----/ { n++; file = sprintf("%s/%04d.pem", dir, n) }
  file != "" { print > file }
  /-----END CERTIFICATE-----/ { close(file); file = "" }
' "$bundle"
tried=0
for cert in "$work"/*.pem; do
  [ -e "$cert" ] || break
  tried=$((tried + 1))
  if PGSSLMODE=verify-ca PGSSLROOTCERT="$cert" PGCONNECT_TIMEOUT=10 \
     psql -X -q -A -t -c 'SELECT 1' >/dev/null 2>"$work/error"; then
    cp "$cert" "$out"
    echo "upstream CA: certificate $tried of the bundle verifies the database's chain"
    exit 0
  fi
  # Anything but a refused chain (the database unreachable, the login refused) is not this
  # certificate's fault: say so now instead of trying the rest of the bundle.
  if ! grep -q 'certificate verify failed' "$work/error"; then
    echo "error: the database could not be checked with certificate $tried of $bundle: $(tail -n 1 "$work/error")" >&2
    exit 1
  fi
done
echo "error: none of the $tried certificates of $bundle lets the database's certificate chain verify on its own; last error: $(tail -n 1 "$work/error" 2>/dev/null)" >&2
exit 1
