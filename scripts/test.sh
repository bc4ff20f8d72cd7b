#!/usr/bin/env bash
# The README's second command and what CI runs: install what is missing, then build with
# warnings as errors and run every test; build and run the unit tests again under ASan+UBSan;
# check formatting; build the fuzzers with clang and give each a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)
started=$SECONDS
step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - started)); }

step "format check (.clang-format)"
mapfile -t sources < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find . -name '*.cpp' -o -name '*.h')
clang-format --dry-run -Werror "${sources[@]}"

step "build (warnings are errors)"
cmake -S . -B build/ci -G Ninja -DFIREDRILL_WERROR=ON >/dev/null
cmake --build build/ci -j"$jobs"

step "tests"
ctest --test-dir build/ci --output-on-failure -j"$jobs"

step "tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DFIREDRILL_WERROR=ON -DFIREDRILL_SANITIZE=ON \
  -DFIREDRILL_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build/asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j"$jobs"

step "fuzzer (clang, libFuzzer): build and a short run on the examples"
cmake -S . -B build/fuzz -G Ninja -DFIREDRILL_FUZZ=ON -DFIREDRILL_BUILD_BENCH=OFF \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/fuzz --target drill_loader_fuzz -j"$jobs"
corpus=$(mktemp -d)
cp drills/examples/*.toml "$corpus"/
build/fuzz/tests/fuzz/drill_loader_fuzz -max_total_time="${FUZZ_SECONDS:-30}" \
  -dict=tests/fuzz/drill.dict "$corpus" 2>&1 | tail -n 3
rm -rf "$corpus"
cmake --build build/fuzz --target alert_payload_fuzz -j"$jobs"
corpus=$(mktemp -d)
cp tests/fuzz/alert_corpus/* "$corpus"/
build/fuzz/tests/fuzz/alert_payload_fuzz -max_total_time="${FUZZ_SECONDS:-30}" \
  -dict=tests/fuzz/alert.dict "$corpus" 2>&1 | tail -n 3
rm -rf "$corpus"

step "done"
