#!/usr/bin/env bash
# The README's first command: install what is missing, build firedrill, run `firedrill demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DFIREDRILL_BUILD_TESTS=OFF \
  -DFIREDRILL_BUILD_BENCH=OFF >/dev/null
cmake --build build/release --target firedrill -j"$(nproc)"
# A whole drill against a bundled service: break it, detect, recover, restore, summarise.
exec build/release/orchestrator/firedrill demo "$@"
