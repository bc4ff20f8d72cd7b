#!/usr/bin/env bash
# The README's first command: install what is missing, build firedrill, run the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DFIREDRILL_BUILD_TESTS=OFF \
  -DFIREDRILL_BUILD_BENCH=OFF >/dev/null
cmake --build build/release --target firedrill -j"$(nproc)"
fd=build/release/orchestrator/firedrill
# Until `firedrill demo` exists, show the two commands a team lead starts with.
echo "== firedrill validate drills/examples/*.toml"
"$fd" validate drills/examples/*.toml
echo
echo "== firedrill plan drills/examples/web-process-crash.toml"
"$fd" plan drills/examples/web-process-crash.toml
