#!/usr/bin/env bash
# The what-if benchmark: runs per second of `firedrill whatif` (fork + SimGrid + reduce per
# run) for the three-tier site outage and for a 500-VM plan. Not a test: run it by hand,
# on an idle machine, and record the figures in bench/README.md.
#
#   bench/whatif/run.sh [BUILD_DIR] [THREE_TIER_RUNS] [LARGE_RUNS]
#
# Defaults: build/, 1000 runs of three-tier, 200 runs of the 500-VM plan, --jobs = nproc.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
three_tier_runs=${2:-1000}
large_runs=${3:-200}
firedrill=$build/firedrill
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$firedrill" ] || { echo "no $firedrill: build first" >&2; exit 2; }

# One sweep; prints "NAME: RUNS runs in SECONDS s = RATE runs/s (jobs J)".
measure() {
  local name=$1 runs=$2 jobs=$3
  shift 3
  local start end
  start=$(date +%s.%N)
  "$firedrill" whatif "$@" --runs "$runs" --jobs "$jobs" --quiet --out "$work/$name-$jobs" \
    || { echo "$name: firedrill whatif failed with status $?" >&2; exit 1; }
  end=$(date +%s.%N)
  local completed
  completed=$(sed -n 's/^  "runs_completed": \([0-9]*\),$/\1/p' "$work/$name-$jobs/whatif.json")
  awk -v n="$name" -v r="$completed" -v s="$start" -v e="$end" -v j="$jobs" \
    'BEGIN { printf "%s: %d runs in %.2f s = %.0f runs/s (jobs %d)\n", n, r, e - s, r / (e - s), j }'
}

cores=$(nproc)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "firedrill: $("$firedrill" --version)"

# The three-tier plan under a site outage at a uniformly random time (so runs differ).
at='scenario.events[0].at={"dist":"uniform","min":"1h","max":"5h"}'
measure three-tier "$three_tier_runs" "$cores" "$repo/scenarios/site-outage.json" --set "$at"
measure three-tier "$three_tier_runs" 1 "$repo/scenarios/site-outage.json" --set "$at"

# 500 VMs in 50 application groups, a site outage at a random time.
large=$(python3 "$repo/bench/whatif/make_large_plan.py" "$work" --vms 500)
measure large-500 "$large_runs" "$cores" "$large"
