#!/usr/bin/env bash
# firedrill's developer entry point. On a fresh Debian 12 machine:
#   ./dev.sh demo       install what is missing, build, run the site-outage scenario
#   ./dev.sh test       install what is missing (the real-host lab too), build, run every test
#                       but the package's
#   ./dev.sh sanitize   the tests but the lab's, Slurm's and the package's, built with clang++ (the
#                       second compiler; warnings are errors there too) and AddressSanitizer +
#                       UndefinedBehaviorSanitizer into build-sanitize/, with the fuzz target
#   ./dev.sh build      install the build dependencies and build only
#   ./dev.sh release    build the Debian package (Release, zero warnings) into build-release/,
#                       then lint, install, run and remove it (the package test)
# Dependencies come from Debian packages only (apt-get), as root, through sudo, or -- when
# neither works -- the exact apt-get line is printed for you to run.
set -euo pipefail
cd "$(dirname "$0")"

# python3 writes the man pages and bash completion from --help (app/help_docs.py).
# libxml2-dev: `firedrill import` reads libvirt's XML with it (real/import/). libnbd-dev: a
# disk's dirty blocks over NBD (real/blocks/).
BUILD_PACKAGES=(g++ cmake make pkg-config libsimgrid-dev libvirt-dev libxml2-dev libnbd-dev nlohmann-json3-dev
                libboost-program-options-dev libgtest-dev libsqlite3-dev python3)
# The real-host lab (real/lab/lab; its SSH-reached host: openssh-server, netcat-openbsd), the guest agent tests (a host-side qemu-ga), the HTML
# rendering test, the fuzz target and the sweeps on a scheduler (tests/cluster: Slurm on
# one machine, GNU parallel).
TEST_PACKAGES=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
               iptables dnsmasq-base busybox-static linux-image-cloud-amd64 cpio iproute2 kmod
               chromium fonts-dejavu-core clang libclang-rt-14-dev qemu-guest-agent
               slurm-wlm munge parallel openssh-server netcat-openbsd)
# Building the Debian package (debian/) and its test (tests/package: lintian, man -w).
PACKAGE_PACKAGES=(build-essential debhelper dpkg-dev fakeroot lintian man-db)

log() { printf '==> %s\n' "$*" >&2; }

missing_packages() {
  local package
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
      printf '%s\n' "$package"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local apt=(apt-get install -y --no-install-recommends "${missing[@]}")
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${apt[@]}"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive "${apt[@]}"
  else
    echo "firedrill: missing Debian packages; run as root:" >&2
    echo "  apt-get update && ${apt[*]}" >&2
    exit 1
  fi
}

# Developers' and CI builds treat warnings as errors (FIREDRILL_WERROR); a user's plain
# cmake build does not, so a newer compiler's new warning cannot stop it.
# The developers' build (demo, build, test): -g1 (line tables: enough for a backtrace and a
# sanitizer's report) compiles a file about 30% faster than -g (outcome_json.cpp: 8.1 s
# against 13.4 s with GCC 12). For variables in a debugger, build your own tree with plain
# cmake, whose RelWithDebInfo keeps -O2 -g.
DEVELOPER_FLAGS='-O2 -g1'
build() {  # build DIR OPT_FLAGS [cmake args...]
  local dir=$1 flags=$2
  shift 2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIREDRILL_WERROR=ON \
        "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$flags -DNDEBUG" "$@" >/dev/null
  cmake --build "$dir" -j "$(nproc)"
}

run_tests() {  # run_tests DIR [ctest args...]
  local dir=$1
  shift
  ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" "$@"
}

case "${1:-}" in
  demo)
    install_packages "${BUILD_PACKAGES[@]}"
    build build "$DEVELOPER_FLAGS"
    log "running scenarios/site-outage.json on the simulator"
    build/firedrill run scenarios/site-outage.json
    ;;
  build)
    install_packages "${BUILD_PACKAGES[@]}"
    build build "$DEVELOPER_FLAGS"
    ;;
  release)
    # The package is the Release build CI makes (-O3 finds warnings -O2 does not: GCC bug
    # 105329's -Wrestrict was one), product targets only, so this step costs one build.
    # Its test is configured on its own (cmake -S tests/package) and tests that .deb.
    install_packages "${BUILD_PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}"
    # terse: the compiler's commands are not echoed (its warnings and errors still are).
    FIREDRILL_WERROR=1 DEB_BUILD_OPTIONS="terse ${DEB_BUILD_OPTIONS:-}" debian/build-deb build-release
    cmake -S tests/package -B build-release/test \
          -DFIREDRILL_DEB="$(ls "$PWD"/build-release/firedrill_*.deb)" >/dev/null
    run_tests build-release/test
    ;;
  test)
    install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build build "$DEVELOPER_FLAGS"
    # The package test (label package) would build the whole product again: release runs it.
    run_tests build -LE package
    ;;
  sanitize)
    install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    # One build serves both the sanitizers and the second compiler: clang finds warnings GCC lets
    # through, and only clang builds the libFuzzer target (tests/fuzz). No man pages (they would
    # run the sanitized binary at build time for nothing tested here), no benchmarks (nothing
    # here runs them). -O0 -g1 halves the build against -O1 (outcome_json.cpp: 5.8 s against
    # 11.2 s) and costs the tests less than that: 8 min 43 s of build and 3 min 5 s of tests,
    # against 13 min 28 s and 2 min 12 s at -O1 (2 cores, 2026-12-07).
    build build-sanitize '-O0 -g1' -DCMAKE_CXX_COMPILER=clang++ -DFIREDRILL_SANITIZE=ON \
      -DFIREDRILL_DOCS=OFF -DFIREDRILL_BENCH=OFF
    # The lab suite (label real) drives real QEMU guests and the cluster suite (label
    # cluster) real Slurm daemons; each runs once, in `test`. The package's runs in release.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_tests build-sanitize -LE 'real|cluster|package'
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
