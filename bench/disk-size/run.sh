#!/bin/bash
# Cycle time and bytes shipped against disk size (issue 13): the lab's large-disk plan
# (two guests on qcow2 disks that write 100 kB/s, cycles every 10 s) run on a fresh
# three-host lab once per disk size, RUNS times each. Prints, per size, the medians over
# every incremental cycle that started before the scenario's test failover (at 45 s): its
# time (start to end), bytes shipped and bytes modelled, and the seed's time.
#
#   bench/disk-size/run.sh [BUILD_DIR] [RUNS] [SIZE...]     # defaults: build 2 256MiB 1GiB 4GiB
#   POOL_FS=xfs bench/disk-size/run.sh ...                    # the lab's pools on XFS
#
# Needs root and what the lab needs (real/lab/lab). The lab lives in the folder's own
# filesystem (ext4 here: a clone of a point is libvirt's copy), or with POOL_FS=xfs on a
# loop-mounted XFS with reflink=1 (needs xfsprogs), where a clone is a reflink. Each run's
# output stays in $WORK/SIZE-N (WORK defaults to a new folder under /tmp).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
RUNS="${2:-2}"
shift 2 2>/dev/null || shift $#
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(256MiB 1GiB 4GiB)
SCENARIO="$ROOT/scenarios/lab/large-disk-test-failover.json"
FAILOVER_AT_S=45
RUNNER="$BUILD/firedrill"
[ -x "$RUNNER" ] || { echo "run.sh: no $RUNNER (build the project first)" >&2; exit 2; }
WORK="${WORK:-$(mktemp -d /tmp/bench-disk-size.XXXXXX)}"
mkdir -p "$WORK"
LAB="$WORK/lab"
POOL_FS="${POOL_FS:-}"

cleanup() {
  "$ROOT/real/lab/lab" down "$LAB" > /dev/null 2>&1 || true
  if [ "$POOL_FS" = xfs ]; then umount "$WORK/xfs" 2> /dev/null || true; rm -f "$WORK/xfs.img"; fi
}
trap cleanup EXIT
case "$POOL_FS" in
  "") ;;
  xfs)
    command -v mkfs.xfs > /dev/null || { echo "run.sh: POOL_FS=xfs needs mkfs.xfs (apt-get install xfsprogs)" >&2; exit 2; }
    # Sparse: the image takes only what the runs write.
    truncate -s 64G "$WORK/xfs.img"
    mkfs.xfs -q -m reflink=1 "$WORK/xfs.img"
    mkdir -p "$WORK/xfs"
    mount -o loop "$WORK/xfs.img" "$WORK/xfs"
    LAB="$WORK/xfs/lab"
    ;;
  *) echo "run.sh: POOL_FS is xfs or unset, not '$POOL_FS'" >&2; exit 2 ;;
esac

echo "# $(date -u '+%F %T') UTC, $(git -C "$ROOT" rev-parse --short HEAD), pools on $(stat -f -c %T "$(dirname "$LAB")"), load: $(cut -d' ' -f1-3 /proc/loadavg)"
for size in "${SIZES[@]}"; do
  for run in $(seq 1 "$RUNS"); do
    out="$WORK/$size-$run"
    "$ROOT/real/lab/lab" up 3 "$LAB" > "$WORK/lab-up.log" 2>&1 ||
      { echo "run.sh: the lab did not start ($WORK/lab-up.log)" >&2; exit 1; }
    status=0
    "$RUNNER" run "$SCENARIO" --backend libvirt --hosts-file "$LAB/hosts" --out "$out" \
      --end-when-settled --no-history --no-prediction \
      --set "vms.db.disk=$size" --set "vms.web.disk=$size" > "$out.log" 2>&1 || status=$?
    "$ROOT/real/lab/lab" down "$LAB" > /dev/null 2>&1
    # 0: objectives met; 1: one missed. Either way the cycles were measured.
    [ $status -le 1 ] || { echo "run.sh: the $size run failed (exit $status, $out.log)" >&2; exit 1; }
  done
done

python3 - "$WORK" "$FAILOVER_AT_S" "$RUNS" "${SIZES[@]}" <<'PY'
import json, statistics, sys
work, before_s, runs, sizes = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
rows = []
for size in sizes:
    cycle_s, shipped, modelled, seed_s = [], [], [], []
    for run in range(1, runs + 1):
        evidence = json.load(open(f"{work}/{size}-{run}/libvirt.json"))
        for t in evidence["transfers"]:
            if not t["ok"] or t["end"] is None:
                continue
            if t["copy"] == "seed":
                seed_s.append(t["end"] - t["start"])
            elif t["copy"] == "incremental" and t["start"] < before_s:
                cycle_s.append(t["end"] - t["start"])
                shipped.append(t["bytes"])
                modelled.append(t["modelled_bytes"])
    rows.append((size, len(cycle_s), statistics.median(cycle_s), max(cycle_s),
                 statistics.median(shipped), statistics.median(modelled),
                 statistics.median(seed_s)))
base = rows[0][2]
print("| disk | cycles | cycle s (median) | cycle s (max) | vs " + rows[0][0] +
      " | shipped B (median) | modelled B (median) | seed s (median) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for size, n, med, top, ship, model, seed in rows:
    print(f"| {size} | {n} | {med:.2f} | {top:.2f} | {med / base:.2f} | {ship:,.0f} | {model:,.0f} | {seed:.2f} |")
PY
echo "# outputs: $WORK"
