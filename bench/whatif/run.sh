#!/usr/bin/env bash
# The what-if benchmark: runs per second of `firedrill whatif` (fork + SimGrid + reduce per
# run) for the three-tier site outage and for a 500-VM plan. Not a test: run it by hand,
# on an idle machine, and record the figures in bench/README.md.
#
#   bench/whatif/run.sh [BUILD_DIR] [THREE_TIER_RUNS] [LARGE_RUNS]
#
# Defaults: build/, 1000 runs of three-tier, 200 runs of the 500-VM plan (with the WAN
# limited to 64 transfers at once, then without a limit), --jobs = nproc.
set -euo pipefail
cores=$(nproc)
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$repo/build}
three_tier_runs=${2:-1000}
large_runs=${3:-200}
firedrill=$build/firedrill
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -x "$firedrill" ] || { echo "no $firedrill: build first" >&2; exit 2; }

# One sweep; prints the wall-clock rate and the CPU time per run (user + system, parent
# and children), which does not depend on what else the machine is doing.
measure() {
  local name=$1 runs=$2 jobs=$3
  shift 3
  /usr/bin/time -o "$work/time" -f "%e %U %S" "$firedrill" whatif "$@" --runs "$runs" \
    --jobs "$jobs" --quiet --out "$work/$name-$jobs" >/dev/null \
    || { echo "$name: firedrill whatif failed" >&2; exit 1; }
  local completed
  completed=$(sed -n 's/^  "runs_completed": \([0-9]*\),$/\1/p' "$work/$name-$jobs/whatif.json")
  awk -v n="$name" -v r="$completed" -v j="$jobs" -v c="$cores" '{
    cpu = $2 + $3
    printf "%s: %d runs, jobs %d: %.2f s wall = %.1f runs/s; CPU %.1f ms/run (%d cores busy: %.0f runs/s)\n",
           n, r, j, $1, r / $1, 1000 * cpu / r, c, c * r / cpu }' "$work/time"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "firedrill: $("$firedrill" --version); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# The three-tier plan under a site outage at a uniformly random time (so runs differ).
at='scenario.events[0].at={"dist":"uniform","min":"1h","max":"5h"}'
measure three-tier "$three_tier_runs" "$cores" "$repo/scenarios/site-outage.json" --set "$at"
measure three-tier "$three_tier_runs" 1 "$repo/scenarios/site-outage.json" --set "$at"

# 500 VMs in 50 application groups, a site outage at a random time: with the WAN limited to
# 64 concurrent transfers (as bench/scale's plan, 16 appliances of 4 tasks), then without.
large=$(python3 "$repo/bench/whatif/make_large_plan.py" "$work" --vms 500)
measure large-500-limit-64 "$large_runs" "$cores" "$large" \
  --set links.wan.max_concurrent_transfers=64
measure large-500 "$large_runs" "$cores" "$large"
