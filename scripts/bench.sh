#!/usr/bin/env bash
# Benchmark of the release binary: `generate --all` (writing into an up-to-date tree, the common
# case; nothing is rewritten) and `generate --all --check`, for configs of N environments.
# Reports the median wall time and the maximum RSS over the runs, and checks that unchanged
# files keep their modification times.
#
#   scripts/bench.sh [N ...]     default: 1 20 100; RUNS=<k> sets runs per measurement (21)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=("${@:-1 20 100}")
sizes=(${sizes[*]})
runs="${RUNS:-21}"
# A fixed "today" (the support calendar's date): the bench measures the generator, and a version
# nearing the end of its support must not turn the bench config's warnings on as weeks pass.
export SUPABASE_AWS_GEN_TODAY="${SUPABASE_AWS_GEN_TODAY:-2026-11-26}"

[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is needed for RSS (Debian package: time)" >&2; exit 1; }
cargo build --release --quiet --bin supabase-aws-gen --example bench_config
bin="$PWD/target/release/supabase-aws-gen"
gen="$PWD/target/release/examples/bench_config"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# measure <label> <args...>: prints "<label> median_ms max_rss_kib"
measure() {
  local label="$1"; shift
  local times=() rss=0 r t0 t1
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$work/rss" "$bin" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
    r=$(tail -n 1 "$work/rss"); [ "$r" -gt "$rss" ] && rss=$r
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-22s %9.1f ms %9d KiB\n' "$label" "$(echo "$median" | awk '{print $1 / 1000}')" "$rss"
}

echo "runs per measurement: $runs (median wall time, max RSS)"
for n in "${sizes[@]}"; do
  dir="$work/n$n"; mkdir -p "$dir"
  "$gen" "$n" > "$dir/service-tiers.yaml"
  # A clean config: rendering warnings would be measured too, and would hide a broken bench config.
  "$bin" --config "$dir/service-tiers.yaml" validate 2>&1 | grep -q '; 0 warnings$' \
    || { "$bin" --config "$dir/service-tiers.yaml" validate >&2; echo "error: the bench config is not warning-free" >&2; exit 1; }
  cold0=$(date +%s%N)
  "$bin" --config "$dir/service-tiers.yaml" generate --all > "$dir/first.txt"
  cold1=$(date +%s%N)
  files=$(find "$dir/out" "$dir/modules" -type f | wc -l)
  before=$(find "$dir/out" "$dir/modules" -type f -printf '%T@ %p\n' | sort | md5sum)
  echo "-- $n environments: $files files, $(du -sk "$dir/out" | cut -f1) KiB; first write $(( (cold1 - cold0) / 1000000 )) ms"
  measure "generate --all" --config "$dir/service-tiers.yaml" generate --all
  measure "generate --all --check" --config "$dir/service-tiers.yaml" generate --all --check
  after=$(find "$dir/out" "$dir/modules" -type f -printf '%T@ %p\n' | sort | md5sum)
  [ "$before" = "$after" ] && echo "unchanged files kept their mtimes" || { echo "error: an unchanged file was rewritten" >&2; exit 1; }
done
