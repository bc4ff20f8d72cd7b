// Who a started command is, precisely enough to find (and kill) its processes later, after the
// orchestrator died and its pid may have gone to someone else: pid, process group, the kernel's
// start time of the leader and the boot it ran in, and on which target.
#pragma once

#include <sys/types.h>

#include <boost/json/conversion.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <string>
#include <string_view>

#include "drills/expected.h"

namespace firedrill {

/// The identity of a command's process group leader (the gate wrapper of a gated command, see
/// gated_command.h). pid and pgid are equal for every command the runners start. Two
/// identities name the same process iff every field is equal: a reused pid has another start
/// time, a reboot another boot id.
struct ProcessIdentity {
  long pid = 0;
  long pgid = 0;
  std::string start_time;  ///< field 22 of /proc/PID/stat: clock ticks after boot
  std::string boot_id;     ///< /proc/sys/kernel/random/boot_id of the target
  std::string where;       ///< CommandRunner::Describe() of the runner: "local" or user@host:port

  /// Returns "pid 123 (group 123, started at tick 456 of boot 0f3c…) on local".
  std::string Describe() const;

  friend bool operator==(const ProcessIdentity&, const ProcessIdentity&) = default;
};

/// Returns an Error unless the fields are well formed: pid and pgid greater than 1, start_time
/// all digits, boot_id of hex digits and dashes, where not empty. Everything KillRecordedProcesses
/// puts into a shell command passes this first.
Status ValidateIdentity(const ProcessIdentity& identity);

/// Reads the identity of local process `pid` (its own group must be `pid`'s group) from /proc;
/// `where` is set to "local". Returns an Error if the process is gone.
Expected<ProcessIdentity> LocalProcessIdentity(pid_t pid);

/// Boost.JSON conversion (boost::json::value_from): {"pid", "pgid", "start_time", "boot_id",
/// "where"}.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& json,
                const ProcessIdentity& identity);

/// Boost.JSON conversion back (boost::json::try_value_to, and value_to, which throws): fails
/// with boost::json::error::not_object / size_mismatch / not_string / not_number ... when a
/// member is missing or of the wrong type, and with errc::invalid_argument when the identity
/// does not pass ValidateIdentity.
boost::system::result<ProcessIdentity> tag_invoke(
    const boost::json::try_value_to_tag<ProcessIdentity>&, const boost::json::value& json);

/// Returns the identity stored by value_from, or an Error saying which member is missing or
/// malformed (never throws).
Expected<ProcessIdentity> ProcessIdentityFromJson(const boost::json::value& json);

}  // namespace firedrill
