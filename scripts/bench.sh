#!/usr/bin/env bash
# Benchmark of the release binary: `generate --all` (writing into an up-to-date tree, the common
# case; nothing is rewritten) and `generate --all --check`, for configs of N environments, each
# answered from the up-to-date stamp (generator/output/stamp.rs) and with --no-stamp (the full
# pipeline: load, resolve, plan, render, compare every file).
# Reports the median wall time and the maximum RSS over the runs, and checks that unchanged
# files keep their modification times.
#
#   scripts/bench.sh [N ...]     default: 1 20 100; RUNS=<k> sets runs per measurement (21)
#
# Above 100 environments the config is split (service-tiers.yaml plus one
# environments/<region>/<env>.yaml each), the layout a team with thousands uses.
# PEER_CDKTF=1 also runs the same stack as a CDK for Terraform app (../shared/bench/peer-cdktf,
# installed from npm) for one environment in the same run, times ours the way it times the peer,
# and prints the ratio of medians.
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
  if [ "$n" -gt 100 ]; then "$gen" "$n" "$dir"; else "$gen" "$n" > "$dir/service-tiers.yaml"; fi
  # A clean config: rendering warnings would be measured too, and would hide a broken bench config.
  "$bin" --config "$dir/service-tiers.yaml" validate 2>&1 | grep -q '; 0 warnings$' \
    || { "$bin" --config "$dir/service-tiers.yaml" validate >&2; echo "error: the bench config is not warning-free" >&2; exit 1; }
  cold0=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" --config "$dir/service-tiers.yaml" generate --all > "$dir/first.txt"
  cold1=$(date +%s%N)
  files=$(find "$dir/out" "$dir/modules" -type f | wc -l)
  before=$(find "$dir/out" "$dir/modules" -type f -printf '%T@ %p\n' | sort | md5sum)
  echo "-- $n environments: $files files, $(du -sk "$dir/out" | cut -f1) KiB; first write $(( (cold1 - cold0) / 1000000 )) ms, $(( $(tail -n 1 "$work/rss") / 1024 )) MiB"
  measure "--all --no-stamp" --config "$dir/service-tiers.yaml" generate --all --no-stamp
  measure "--check --no-stamp" --config "$dir/service-tiers.yaml" generate --all --check --no-stamp
  # The stamp covers only files over 2 s old (see stamp.rs); the first run records it.
  sleep 2.1
  "$bin" --config "$dir/service-tiers.yaml" generate --all > /dev/null
  SUPABASE_AWS_GEN_TIMINGS=1 "$bin" --config "$dir/service-tiers.yaml" generate --all 2>&1 >/dev/null | grep -q '^load ' \
    && { echo "error: an up-to-date tree was not answered from its stamp" >&2; exit 1; }
  measure "generate --all" --config "$dir/service-tiers.yaml" generate --all
  measure "generate --all --check" --config "$dir/service-tiers.yaml" generate --all --check
  after=$(find "$dir/out" "$dir/modules" -type f -printf '%T@ %p\n' | sort | md5sum)
  [ "$before" = "$after" ] && echo "unchanged files kept their mtimes" || { echo "error: an unchanged file was rewritten" >&2; exit 1; }
done

if [ "${PEER_CDKTF:-0}" = 1 ]; then
  peer="$(cd .. && pwd)/shared/bench/peer-cdktf/run.sh"
  [ -x "$peer" ] || { echo "error: PEER_CDKTF=1 needs $peer" >&2; exit 1; }
  dir="$work/peer"; mkdir -p "$dir"
  "$gen" 1 > "$dir/service-tiers.yaml"
  "$bin" --config "$dir/service-tiers.yaml" generate --all > /dev/null
  sleep 2.1
  echo "-- side by side, 1 environment, all layers ($runs runs each, timed alike)"
  # Timed exactly as run.sh times the peer (Python's perf_counter around the process, one
  # warm-up run left out, median): /usr/bin/time would add its own start to ours only.
  median() {
    python3 - "$runs" "$bin" --config "$dir/service-tiers.yaml" generate --all "$@" <<'PY'
import statistics, subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
ts = []
for i in range(runs + 1):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    ts.append(time.perf_counter() - t)
print(f"{statistics.median(ts[1:]):.6f}")
PY
  }
  # The warm-up run of the first records the stamp the second is answered from.
  full_s=$(median --no-stamp)
  ours_s=$(median)
  peer_s=$("$peer" 1 "$runs")
  ms() { awk -v s="$1" 'BEGIN { printf "%9.1f ms", s * 1000 }'; }
  ratio() { awk -v p="$peer_s" -v o="$1" 'BEGIN { printf "%.0f", p / o }'; }
  printf '%-34s %s  (%sx faster)\n' "ours: generate --all" "$(ms "$ours_s")" "$(ratio "$ours_s")"
  printf '%-34s %s  (%sx faster)\n' "ours: generate --all --no-stamp" "$(ms "$full_s")" "$(ratio "$full_s")"
  printf '%-34s %s\n' "CDK for Terraform app" "$(ms "$peer_s")"
fi
