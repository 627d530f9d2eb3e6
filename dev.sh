#!/usr/bin/env bash
# firedrill's developer entry point. On a fresh Debian 12 machine:
#   ./dev.sh demo       install what is missing, build, run the site-outage scenario
#   ./dev.sh test       install what is missing (the real-host lab too), build, run every test
#                       but the package's
#   ./dev.sh sanitize   the same tests built with AddressSanitizer + UndefinedBehaviorSanitizer
#   ./dev.sh clang      the product and its tests built with clang++ into build-clang/ (warnings
#                       are errors there too), then the fast tests (no lab, agent, Slurm, package)
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
build() {  # build DIR [cmake args...]
  local dir=$1
  shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIREDRILL_WERROR=ON "$@" >/dev/null
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
    build build
    log "running scenarios/site-outage.json on the simulator"
    build/firedrill run scenarios/site-outage.json
    ;;
  build)
    install_packages "${BUILD_PACKAGES[@]}"
    build build
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
    build build
    # The package test (label package) would build the whole product again: release runs it.
    run_tests build -LE package
    ;;
  sanitize)
    install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    # No man pages: they would run the sanitized binary at build time for nothing tested here;
    # no benchmarks: nothing here runs them. -O1 -g1 (the optimisation AddressSanitizer's
    # documentation suggests, and line tables, which is all a sanitizer's report prints) halves
    # this build against -O2 -g: 13.7 s against 26.1 s for engine/outcome_json.cpp.
    build build-sanitize -DFIREDRILL_SANITIZE=ON -DFIREDRILL_DOCS=OFF -DFIREDRILL_BENCH=OFF \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
    # The lab suite (label real) drives real QEMU guests and the cluster suite (label
    # cluster) real Slurm daemons; each runs once, in `test`. The package's runs in release.
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_tests build-sanitize -LE 'real|cluster|package'
    ;;
  clang)
    # A second compiler finds what GCC lets through (and builds the libFuzzer target, which
    # only clang can). The suites that need exclusive machine resources or a host-side agent
    # (labels real, cluster, package, agent) run in `test` with GCC's build.
    # Built at -O1 without debug information: clang's warnings come from its front end, so
    # they are the same at any -O, and without -g the build is cheap: 4 min 52 s on 2 cores,
    # then 26 s of tests (measured 2026-12-04). -O1 keeps the tests' simulations quick.
    install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build build-clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_CXX_FLAGS_DEBUG=-O1 -DFIREDRILL_DOCS=OFF -DFIREDRILL_BENCH=OFF
    run_tests build-clang -LE 'real|cluster|package|agent'
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
