#!/usr/bin/env bash
# The README's second command and what CI runs: install what is missing, check formatting, build
# every target once (warnings are errors) with AddressSanitizer and UndefinedBehaviorSanitizer,
# run every test under them, run clang-tidy on the files changed since the last full tidy pass,
# and build the fuzzers with clang and give each a short run.
#
# Each stage prints how long the run has taken so far. FUZZ_SECONDS sets each fuzzer's run
# (default 30); FIREDRILL_TIDY_BASE overrides the commit the clang-tidy stage compares with.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n== %s (%ds)\n' "$*" $((SECONDS - started)); }

step "dependencies (apt, only what is missing)"
scripts/install-deps.sh --test
jobs=$(nproc)

step "format check (.clang-format)"
mapfile -t sources < <(git ls-files '*.cpp' '*.h' 2>/dev/null || find . -name '*.cpp' -o -name '*.h')
clang-format --dry-run -Werror "${sources[@]}"

# One build of everything: the product, the benchmarks and the tests, instrumented. At -O1 the
# sanitizers cost little at run time, and the tests compile in about half the time of -O2 -g.
step "build (warnings are errors; AddressSanitizer + UndefinedBehaviorSanitizer; -O1)"
cmake -S . -B build/ci -G Ninja -DFIREDRILL_WERROR=ON -DFIREDRILL_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
cmake --build build/ci -j"$jobs"

step "tests (every test, under the sanitizers; each has a CTest timeout)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/ci --output-on-failure -j"$jobs"

step "clang-tidy (.clang-tidy) on the files changed since the last full pass"
scripts/tidy-changed.sh build/ci

step "fuzzers (clang, libFuzzer): build and a short run each"
cmake -S . -B build/fuzz -G Ninja -DFIREDRILL_FUZZ=ON -DFIREDRILL_BUILD_BENCH=OFF \
  -DFIREDRILL_BUILD_TESTS=ON -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
cmake --build build/fuzz --target drill_loader_fuzz alert_payload_fuzz -j"$jobs"
# Inputs up to the 1 MiB a drill file may have, from the first run on (-len_control=0), so the
# structure-aware mutator can insert deep nesting, long dotted keys and huge strings at once.
fuzz_options=(-max_total_time="${FUZZ_SECONDS:-30}" -max_len=1048576 -len_control=0 -timeout=60
  -rss_limit_mb=4096 -print_final_stats=1)
corpus=$(mktemp -d)
cp drills/examples/*.toml "$corpus"/
build/fuzz/tests/fuzz/drill_loader_fuzz "${fuzz_options[@]}" \
  -dict=tests/fuzz/drill.dict "$corpus" 2>&1 | tail -n 8
rm -rf "$corpus"
corpus=$(mktemp -d)
cp tests/fuzz/alert_corpus/* "$corpus"/
build/fuzz/tests/fuzz/alert_payload_fuzz "${fuzz_options[@]}" \
  -dict=tests/fuzz/alert.dict "$corpus" 2>&1 | tail -n 8
rm -rf "$corpus"

step "done"
