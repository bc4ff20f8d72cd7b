#!/usr/bin/env bash
# Runs clang-tidy (the repository's .clang-tidy, warnings are errors) on the first-party .cpp
# files changed since the last full tidy pass, and on the .cpp file of every changed header.
#   scripts/tidy-changed.sh BUILD_DIR      (BUILD_DIR holds compile_commands.json)
# The base is the commit named in .ci/tidy-base (the last commit a full pass was clean on), or
# $FIREDRILL_TIDY_BASE. After a full pass (`scripts/tidy-changed.sh BUILD_DIR --all`) is clean,
# write the commit it ran on into .ci/tidy-base.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/tidy-changed.sh BUILD_DIR [--all]}
base=${FIREDRILL_TIDY_BASE:-$(cat .ci/tidy-base 2>/dev/null || true)}
code='^(drills|faults|plugins|orchestrator)/.*\.(cpp|h)$'
if [[ "${2:-}" == "--all" ]]; then
  mapfile -t changed < <(git ls-files | grep -E "$code")
elif [[ -n "$base" ]] && git cat-file -e "$base^{commit}" 2>/dev/null; then
  mapfile -t changed < <(git diff --name-only --diff-filter=AM "$base" -- | grep -E "$code" || true)
else
  echo "tidy: base commit '${base:-none}' is not in this clone; checking the last commit's files"
  mapfile -t changed < <(git show --name-only --diff-filter=AM --format= HEAD | grep -E "$code" || true)
fi
files=()
for f in "${changed[@]}"; do
  cpp=$f
  [[ "$f" == *.h ]] && cpp=${f%.h}.cpp
  [[ -f "$cpp" ]] && files+=("$cpp")
done
mapfile -t files < <(printf '%s\n' "${files[@]}" | sort -u | grep . || true)
if ((${#files[@]} == 0)); then
  echo "tidy: no first-party source changed since ${base:-the last commit}"
  exit 0
fi
echo "tidy: ${#files[@]} file(s) since ${base:-the last commit}"
# The compile database holds GCC's precompiled-header flags, which clang cannot read: drop them.
tidy_db=$(mktemp -d)
trap 'rm -rf "$tidy_db"' EXIT
python3 - "$build/compile_commands.json" "$tidy_db/compile_commands.json" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
for e in entries:
    e["command"] = re.sub(r" -Winvalid-pch| -include \S+cmake_pch\.hxx", "", e["command"])
    e["command"] = re.sub(r" -fsanitize=\S+| -fno-sanitize-recover=\S+", "", e["command"])
    # GCC-only warning switches (CMakeLists.txt, GCC 12's false positives; the sanitizer
    # build's -Wno-maybe-uninitialized) that clang rejects.
    e["command"] = re.sub(r" -Wno-stringop-\S+| -Wno-maybe-uninitialized", "", e["command"])
json.dump(entries, open(sys.argv[2], "w"))
PY
printf '%s\n' "${files[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$tidy_db" --quiet
