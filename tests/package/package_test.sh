#!/bin/bash
# The Debian package, installed, does what the README promises:
#   tests/package/package_test.sh SOURCE_DIR WORK_DIR [DEB]
# builds the package from SOURCE_DIR (debian/build-deb) unless DEB names one already built,
# lints it (no lintian errors), installs it -- with dpkg -i when run as root on a machine
# where firedrill is not installed yet, else extracted into a scratch root under WORK_DIR --
# runs the shipped site-outage scenario, checks that the man pages and the bash completion
# are where man and bash look and cover every command and option of --help, checks the
# systemd units, and removes the package again.
# FIREDRILL_PACKAGE_INSTALL=extract tests the extracted copy even as root.
# Exit 0 passed, 1 failed, 77 could not run (CTest: skipped; the reason is printed).
set -euo pipefail

source_dir=$1
work=$2
deb=${3:-}
failures=0

say() { printf 'package test: %s\n' "$*"; }
fail() { printf 'package test: FAILED: %s\n' "$*"; failures=$((failures + 1)); }
skip() { printf '\npackage test: SKIPPED: %s\n\n' "$*"; exit 77; }

rm -rf "$work"
mkdir -p "$work"

if [ -z "$deb" ]; then
  for tool in dpkg-buildpackage dh fakeroot; do
    command -v "$tool" >/dev/null ||
      skip "cannot build the package: $tool is missing (apt-get install dpkg-dev debhelper" \
           "fakeroot), or pass a built one (cmake -DFIREDRILL_DEB=FILE)"
  done
  say "building the package (debian/build-deb; pass -DFIREDRILL_DEB=FILE to test a built one)"
  "$source_dir/debian/build-deb" "$work/deb" >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log"
    fail "the package did not build (log: $work/build.log)"
    exit 1
  }
  deb=$(ls "$work"/deb/firedrill_*.deb)
fi
[ -f "$deb" ] || { fail "no package at '$deb'"; exit 1; }
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
version=$(dpkg-deb --field "$deb" Version)
say "testing $deb (version $version)"

# ---- the package file ----------------------------------------------------------------
[ "$(dpkg-deb --field "$deb" Package)" = firedrill ] || fail "the package is not called firedrill"
depends=$(dpkg-deb --field "$deb" Depends)
for library in libsimgrid libvirt0 libboost-program-options libsqlite3 libstdc++6; do
  [[ "$depends" == *"$library"* ]] || fail "Depends does not name $library: $depends"
done
if command -v lintian >/dev/null; then
  # --fail-on error: warnings are reported (and printed here) but do not fail the test.
  lintian --fail-on error --tag-display-limit 0 "$deb" >"$work/lintian.txt" 2>&1 ||
    fail "lintian reports errors"
  sed 's/^/  lintian: /' "$work/lintian.txt"
else
  say "NOT CHECKED: lintian is not installed, so nobody looked for lintian errors"
fi

# ---- install ---------------------------------------------------------------------------
installed_by_us=0
if [ "$(id -u)" = 0 ] && [ "${FIREDRILL_PACKAGE_INSTALL:-}" != extract ] &&
   ! dpkg-query -W -f='${Status}' firedrill 2>/dev/null | grep -q installed; then
  say "installing with dpkg -i (root, no firedrill installed before)"
  dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i failed"; exit 1; }
  installed_by_us=1
  root=""
  man_w() { man -w "$1"; }
else
  if [ "${FIREDRILL_PACKAGE_INSTALL:-}" = extract ]; then
    say "FIREDRILL_PACKAGE_INSTALL=extract: testing the package extracted into $work/root"
  elif [ "$(id -u)" = 0 ]; then
    say "firedrill is installed on this machine already: leaving it alone, testing an extracted copy"
  else
    say "not root: testing the package extracted into $work/root (dpkg -i needs root)"
  fi
  dpkg-deb -x "$deb" "$work/root"
  root="$work/root"
  man_w() { man -M "$root/usr/share/man" -w "$1"; }
fi
remove() {
  [ "$installed_by_us" = 1 ] || return 0
  installed_by_us=0
  dpkg --purge firedrill >>"$work/dpkg.log" 2>&1 || fail "dpkg --purge firedrill failed"
  [ ! -e /usr/bin/firedrill ] || fail "/usr/bin/firedrill is still there after dpkg --purge"
  [ ! -e /usr/share/man/man1/firedrill.1.gz ] || fail "firedrill.1.gz is still there after --purge"
}
trap remove EXIT

firedrill="$root/usr/bin/firedrill"
[ -x "$firedrill" ] || { fail "no executable $firedrill"; exit 1; }
[ "$("$firedrill" --version)" = "firedrill $version" ] ||
  fail "firedrill --version says '$("$firedrill" --version)', the package is $version"

# ---- the shipped scenario --------------------------------------------------------------
scenario="$root/usr/share/firedrill/scenarios/site-outage.json"
mkdir -p "$work/run"
set +e
(cd "$work/run" && "$firedrill" run "$scenario") >"$work/run/output.txt" 2>&1
status=$?
set -e
sed 's/^/  run: /' "$work/run/output.txt"
[ "$status" = 0 ] || fail "firedrill run site-outage.json exited $status (want 0: objectives met)"
grep -q "objectives met; 4 recovered, 0 failed, 0 lost" "$work/run/output.txt" ||
  fail "the run's summary does not say 'objectives met; 4 recovered, 0 failed, 0 lost'"
for file in report.json report.html junit.xml; do
  [ -s "$work/run/reports/site-outage/$file" ] || fail "the run wrote no reports/site-outage/$file"
done

# ---- man pages and completion against --help --------------------------------------------
# Commands from the Usage lines of `firedrill --help`; options from the start of each line
# of a command's option table (read here with grep, independently of app/help_docs.py).
mapfile -t commands < <("$firedrill" --help | grep -oE '^  firedrill [a-z]+' | awk '{print $2}' | sort -u)
[ "${#commands[@]}" -ge 5 ] || fail "firedrill --help names only ${#commands[*]} commands"
completion="$root/usr/share/bash-completion/completions/firedrill"
[ -f "$completion" ] || fail "no bash completion at $completion"
complete_words() {  # complete_words WORD... : what <TAB> after these words offers
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _firedrill
           printf "%s\n" "${COMPREPLY[@]}"' completion "$completion" "$@"
}
offered=$(complete_words firedrill "")
for page in firedrill "${commands[@]/#/firedrill-}"; do
  path=$(man_w "$page" 2>/dev/null) || { fail "man -w $page finds no page"; continue; }
  [ "$path" = "$root/usr/share/man/man1/$page.1.gz" ] || fail "man -w $page: $path"
done
for command in "${commands[@]}"; do
  grep -qx "$command" <<<"$offered" || fail "completion of 'firedrill ' does not offer $command"
  page=$(MANWIDTH=200 man -l "$root/usr/share/man/man1/firedrill-$command.1.gz" 2>&1) ||
    fail "man -l firedrill-$command.1.gz: $page"
  options=$(complete_words firedrill "$command" --)
  for option in $("$firedrill" "$command" --help | sed -n '/^Options:/,$p' |
                  grep -oE '^  (-[a-zA-Z] \[ )?--[a-z][a-z-]*' | grep -oE -- '--[a-z-]+'); do
    grep -qx -- "$option" <<<"$options" || fail "completion of 'firedrill $command --' lacks $option"
    grep -q -- "$option" <<<"$page" || fail "man firedrill-$command does not mention $option"
  done
done
backends=$(complete_words firedrill run --backend "")
[ "$(echo $backends)" = "sim libvirt" ] || fail "completion of 'run --backend ' offers: $backends"

# ---- systemd units, lab, docs ------------------------------------------------------------
units="$root/usr/lib/systemd/system"
for unit in firedrill-drill@.service firedrill-drill@.timer; do
  [ -f "$units/$unit" ] || fail "no $units/$unit"
done
grep -qx 'Environment=FIREDRILL=/usr/bin/firedrill' "$units/firedrill-drill@.service" ||
  fail "the service does not run /usr/bin/firedrill"
for file in usr/share/firedrill/lab/lab usr/share/firedrill/lab/guest/init; do
  [ -x "$root/$file" ] || fail "no executable /$file"
done
for file in README.md docs/reports.md docs/lab.md copyright changelog.gz examples/firedrill-drill.cron; do
  [ -f "$root/usr/share/doc/firedrill/$file" ] || fail "no /usr/share/doc/firedrill/$file"
done

remove
trap - EXIT
if [ "$failures" -gt 0 ]; then
  say "$failures checks failed"
  exit 1
fi
say "passed"
