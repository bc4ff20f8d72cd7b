#!/usr/bin/env bash
# The Debian package end to end, on this machine, as an operator would use it: build it with
# CPack from the build tree, check it with lintian (no errors), install it with apt, run
# `firedrill demo` from the installed path (the plugins found in libexec, not beside the build's
# binary), check the man pages, the completion and the unit, then purge it and check that
# nothing of it is left.
#
# Usage: package_test.sh BUILD_DIR WORK_DIR
# Needs root, apt, dpkg-deb, lintian and cpack; exits 77 (skipped) with the reason otherwise,
# and when a firedrill package is installed already (it would be replaced and then removed).
set -euo pipefail
build=$1
work=$2

skip() {
  echo "SKIPPED: $*"
  exit 77
}
[[ $(id -u) -eq 0 ]] || skip "installing a package needs root (CI runs as root)"
for tool in apt-get dpkg-deb lintian cpack; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh --test)"
done
if dpkg-query -W -f='${Status}' firedrill 2>/dev/null | grep -q "install ok installed"; then
  skip "a firedrill package is installed on this machine already; not replacing it"
fi

fail() {
  echo "FAILED: $*" >&2
  exit 1
}
purge() {
  if dpkg-query -W firedrill >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq firedrill >/dev/null 2>&1 || true
  fi
}
trap purge EXIT

t0=$SECONDS
stage() { echo "[$((SECONDS - t0))s] $*"; }

rm -rf "$work"
mkdir -p "$work"
stage "cpack"
# gzip instead of the package's xz: this build is the sanitizer build, whose binary takes xz
# over two minutes to compress on two cores; what is tested does not depend on the compression.
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" \
  -D CPACK_DEBIAN_COMPRESSION_TYPE=gzip >"$work/cpack.log" 2>&1 ||
  { cat "$work/cpack.log"; fail "cpack could not build the package"; }
deb=$(ls "$work"/firedrill_*.deb)
echo "package: $(basename "$deb"), $(stat -c %s "$deb") bytes"
dpkg-deb -f "$deb" Depends

contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/firedrill ./usr/libexec/firedrill/plugins/firedrill-plugin-redis \
  ./usr/libexec/firedrill/plugins/firedrill-plugin-postgres \
  ./lib/systemd/system/firedrill.service ./usr/share/man/man1/firedrill.1.gz \
  ./usr/share/man/man1/firedrill-run.1.gz ./usr/share/man/man1/firedrill-records-show.1.gz \
  ./usr/share/bash-completion/completions/firedrill ./usr/share/doc/firedrill/copyright \
  ./usr/share/doc/firedrill/changelog.gz ./usr/share/doc/firedrill/examples/db-port-blackhole.toml; do
  grep -qxF "$path" <<<"$contents" || fail "the package has no $path"
done

stage "lintian"
# lintian as Debian's archive would run it; its warnings are printed, an error fails.
lint=0
lintian --fail-on error "$deb" >"$work/lintian.log" 2>&1 || lint=$?
grep -v "running with root privileges" "$work/lintian.log" || true
((lint == 0)) || fail "lintian reports errors (above)"

stage "apt-get install"
started=$(date +%s%N)
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$work/apt-install.log" 2>&1 ||
  { cat "$work/apt-install.log"; fail "apt could not install the package"; }
echo "install: $((($(date +%s%N) - started) / 1000000)) ms"

installed=/usr/bin/firedrill
[[ -x $installed ]] || fail "$installed is not there after installing"
getent passwd firedrill >/dev/null || fail "the package made no firedrill system user"
[[ -s /etc/firedrill/alert-token ]] || fail "the package made no /etc/firedrill/alert-token"
grep -q "^ExecStart=$installed serve" /lib/systemd/system/firedrill.service ||
  fail "the unit does not start $installed"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify /lib/systemd/system/firedrill.service 2>"$work/verify.log" ||
    { cat "$work/verify.log"; fail "systemd-analyze rejects the unit"; }
fi

# The bundled plugins are found in libexec, with nothing beside the installed binary.
plugins=$(env -u FIREDRILL_PLUGIN_PATH "$installed" plugins list --json)
for name in firedrill-plugin-redis firedrill-plugin-postgres; do
  grep -q "/usr/libexec/firedrill/plugins/$name" <<<"$plugins" ||
    fail "plugins list does not find $name in /usr/libexec/firedrill/plugins: $plugins"
done

# The man pages render, and say what --help says.
if command -v man >/dev/null; then
  man -l /usr/share/man/man1/firedrill-run.1.gz 2>/dev/null | grep -q "run one drill in the foreground" ||
    fail "firedrill-run(1) does not render the summary of firedrill run --help"
fi

# Completion: commands, the second word of a group, options, and drill ids from the records.
complete_words() {
  bash -c 'source /usr/share/bash-completion/completions/firedrill
           COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _firedrill
           echo "${COMPREPLY[*]}"' completion "$@"
}
[[ $(complete_words firedrill rec) == "records recover" ]] || fail "completion of 'rec'"
[[ $(complete_words firedrill records s) == "show" ]] || fail "completion of 'records s'"
[[ $(complete_words firedrill postmortem --fo) == "--format" ]] || fail "completion of '--fo'"

stage "firedrill demo"
# A whole drill from the installed program.
state="$work/state"
"$installed" demo --state "$state" >"$work/demo.log" 2>&1 ||
  { cat "$work/demo.log"; fail "firedrill demo from $installed failed"; }
grep -q "restored" "$work/demo.log" || { cat "$work/demo.log"; fail "the demo restored nothing"; }
ids=$(FIREDRILL_STATE=$state complete_words firedrill postmortem "")
[[ -n $ids ]] || fail "completion offers no drill id after a demo"
FIREDRILL_STATE=$state "$installed" postmortem "${ids%% *}" >/dev/null ||
  fail "the completed id '${ids%% *}' is not a drill"

stage "apt-get purge"
started=$(date +%s%N)
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq firedrill >"$work/apt-purge.log" 2>&1 ||
  { cat "$work/apt-purge.log"; fail "apt could not purge the package"; }
echo "purge: $((($(date +%s%N) - started) / 1000000)) ms"
for gone in /usr/bin/firedrill /usr/libexec/firedrill /lib/systemd/system/firedrill.service \
  /usr/share/man/man1/firedrill.1.gz /usr/share/bash-completion/completions/firedrill \
  /usr/share/doc/firedrill /etc/firedrill; do
  [[ ! -e $gone ]] || fail "$gone is left after purging"
done
! getent passwd firedrill >/dev/null || fail "the firedrill user is left after purging"
echo "package: built, lintian-clean of errors, installed, demo run, purged"
