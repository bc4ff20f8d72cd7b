#include "faults/command_shell.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "faults/command_runner.h"

namespace firedrill {

const char kCommandShellScript[] = R"(m=$1
gate=$2
d=$(mktemp -d "${TMPDIR:-/tmp}/firedrill-shell.XXXXXX") || exit 125
trap 'rm -rf "$d"' EXIT
trap 'exit 129' HUP INT TERM PIPE
echo "$m ready $d"
while IFS=' ' read -r id n g; do
  exec 3>&-
  c=''
  while [ "$n" -gt 0 ]; do
    IFS= read -r l || exit 0
    c="$c$l
"
    n=$((n - 1))
  done
  if [ "$g" = g ]; then
    if ! mkfifo -m 600 "$d/gate"; then
      echo "$m $id" >&2
      echo "$m $id 125"
      continue
    fi
    exec 3<>"$d/gate" 4<"$d/gate"
    rm -f "$d/gate"
    {
      setsid /bin/sh -c "$gate" firedrill-gate "$c" <&4 4<&-
      r=$?
      echo "$m $id" >&2
      echo "$m $id $r"
    } 3>&- &
    exec 4<&-
    IFS= read -r v || exit 0
    if [ "$v" = "$id go" ]; then echo go >&3; else exec 3>&-; fi
    continue
  fi
  setsid /bin/sh -c "$c" </dev/null &
  p=$!
  echo "$p" >"$d/pgid"
  wait "$p"
  r=$?
  echo "$m $id" >&2
  echo "$m $id $r"
done
)";

std::string NewShellMarker() {
  std::random_device rd;
  std::string m;
  for (int i = 0; i < 4; ++i) m += fmt::format("{:08x}", rd());
  return m;
}

void CaptureOutput(std::string& text, bool& truncated, const char* data, std::size_t n) {
  std::size_t room = kMaxCapturedOutput - std::min(text.size(), kMaxCapturedOutput);
  text.append(data, std::min(n, room));
  if (n > room) truncated = true;
}

void ShellStream::Feed(const char* data, std::size_t n) {
  if (ended) {
    after.append(data, n);
    return;
  }
  pending.append(data, n);
  const std::size_t at = pending.find(end);
  if (at != std::string::npos) {
    CaptureOutput(kept, cut, pending.data(), at);
    after = pending.substr(at + end.size());
    pending.clear();
    ended = true;
    return;
  }
  // Whatever cannot be the beginning of `end` is output.
  if (pending.size() >= end.size()) {
    const std::size_t safe = pending.size() - (end.size() - 1);
    CaptureOutput(kept, cut, pending.data(), safe);
    pending.erase(0, safe);
  }
}

std::string ShellStream::Output() const { return cut ? kept + kTruncatedNote : kept; }

std::optional<std::string> ShellStream::FirstLine() const {
  const std::string seen = kept + pending;
  const std::size_t nl = seen.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  return seen.substr(0, nl);
}

}  // namespace firedrill
