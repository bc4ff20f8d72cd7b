#!/usr/bin/env bash
# Installs the Debian 12 packages firedrill needs, only those missing. Run as root.
#   scripts/install-deps.sh           build and run dependencies
#   scripts/install-deps.sh --test    also what the test suite needs (clang for the fuzzer, a
#                                     headless Chromium for the console, lintian for the
#                                     package, ...)
#   scripts/install-deps.sh --bench   also the peer tools of bench/ (pdsh, ansible)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config ccache tzdata
  libboost1.81-dev libboost-json1.81-dev libboost-filesystem1.81-dev
  libtomlplusplus-dev libfmt-dev libhowardhinnant-date-dev
  libssh-dev libsqlite3-dev libssl-dev nftables stress-ng iproute2 procps
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(catch2 clang-format clang-tidy clang-14 libclang-rt-14-dev libfuzzer-14-dev
             openssh-server openssh-client redis-server postgresql python3-icalendar
             prometheus prometheus-alertmanager wrk
             chromium chromium-driver python3-selenium libxml2-utils
             lintian dpkg-dev man-db)
fi
if [[ "${1:-}" == "--bench" ]]; then
  # The peer tools the benchmarks compare with, side by side in the same run.
  packages+=(openssh-server openssh-client pdsh ansible-core wrk)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "error: missing packages and not root; run: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
