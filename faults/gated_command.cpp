#include "faults/gated_command.h"

#include <charconv>

namespace firedrill {
namespace {

// Step 1: the identity, from the wrapper's own /proc entry (read by the shell itself: no
// process is started for it; its command name is "sh", so the line has no newline in it). `set
// --` overwrites $1, so the command is kept in $cmd first.
constexpr char kAnnounce[] =
    R"(read -r s </proc/$$/stat && read -r b </proc/sys/kernel/random/boot_id || exit 125
s=${s##*) }
set -- $s
echo "firedrill-pgid=$$ ${20} $b" >&2
)";

// Steps 2 to 4. A background job's stdin is /dev/null in a non-interactive shell, so the
// watcher gets the gate's stdin explicitly, kept on fd 3 (closed again for the command). `read`
// of dash takes one byte at a time, so nothing after "go" is consumed here.
constexpr char kGate[] = R"(IFS= read -r go || exit 125
[ "$go" = go ] || exit 125
exec 3<&0 </dev/null
/bin/sh -c "$cmd" 3<&- &
c=$!
{ while IFS= read -r _; do :; done; kill -s KILL 0; } <&3 &
w=$!
exec 3<&-
wait "$c"
rc=$?
kill -s KILL "$w" 2>/dev/null
exit "$rc"
)";

}  // namespace

std::string GateScript(bool announce) {
  std::string script = "cmd=$1\n";
  if (announce) script += kAnnounce;
  return script + kGate;
}

std::optional<AnnounceLine> ParseAnnounceLine(std::string_view line) {
  if (line.rfind(kAnnouncePrefix, 0) != 0) return std::nullopt;
  line.remove_prefix(kAnnouncePrefix.size());
  AnnounceLine parsed;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), parsed.pgid);
  if (ec != std::errc() || parsed.pgid <= 1) return std::nullopt;
  std::string_view rest(end, line.data() + line.size() - end);
  if (rest.empty()) return parsed;
  if (rest.front() != ' ') return std::nullopt;
  rest.remove_prefix(1);
  const std::size_t space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  parsed.start_time = std::string(rest.substr(0, space));
  parsed.boot_id = std::string(rest.substr(space + 1));
  while (!parsed.boot_id.empty() &&
         (parsed.boot_id.back() == '\r' || parsed.boot_id.back() == ' ')) {
    parsed.boot_id.pop_back();
  }
  return parsed;
}

}  // namespace firedrill
