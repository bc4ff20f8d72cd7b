// The operator's list of witnesses: where every signed checkpoint is published besides the state
// directory. It is read from a file outside the state directory (by default
// /etc/firedrill/witnesses, owned by root), never from the state directory or the database:
// whoever can rewrite the records must not be able to redirect their witnesses.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/expected.h"

namespace firedrill {

/// Where a witness keeps what it is sent.
enum class WitnessKind {
  kFile,    ///< appended, one line per checkpoint, to a file (on another volume or host mount)
  kSyslog,  ///< one message to a syslog socket (journald, rsyslog; forwarded from there)
  kHttp,    ///< POSTed to a URL, which also answers GET with every line it holds
};

/// One witness of the list.
struct Witness {
  WitnessKind kind = WitnessKind::kFile;
  /// kFile: the file (absolute); kSyslog: the socket (absolute, default /dev/log); kHttp: the
  /// URL as written.
  std::string target;
  std::chrono::milliseconds timeout{5000};       ///< kHttp: for the whole request
  std::optional<std::filesystem::path> ca_file;  ///< kHttp over https: trust only these CAs
  std::int64_t line = 0;                         ///< where the list names it

  /// Returns how messages name it: "file PATH", "syslog PATH" or "http ORIGIN/…" (a URL's path
  /// may hold a secret, so it is never shown).
  std::string Describe() const;
};

/// A parsed witness list.
struct WitnessList {
  std::filesystem::path file;  ///< where it was read from
  /// Names these records in every witness line, so that one witness can serve several state
  /// directories: the list's `origin`, else "HOSTNAME:STATE_DIR".
  std::string origin;
  std::vector<Witness> witnesses;  ///< at least one
  /// Weaknesses worth telling the operator, e.g. a list the firedrill account may rewrite.
  std::vector<std::string> warnings;
};

/// The environment variable that names the list instead of the default file.
inline constexpr std::string_view kWitnessListEnv = "FIREDRILL_WITNESSES";
/// The default list.
inline constexpr std::string_view kDefaultWitnessList = "/etc/firedrill/witnesses";

/// Parses a witness list. One entry per line, '#' starts a comment:
///   origin NAME                  at most once; NAME without spaces
///   file /absolute/path
///   syslog [/absolute/socket]    default /dev/log
///   http URL [timeout=5s] [ca=/absolute/ca.pem]
/// `name` names the text in errors, which read "NAME:LINE: what is wrong". `default_origin` is
/// used when the list has no origin line. Fails on an unknown entry, a relative path, a bad URL
/// or option, a second origin, or a list without witnesses.
Expected<WitnessList> ParseWitnessList(std::string_view text, std::string_view name,
                                       std::string default_origin);

/// Returns the list file firedrill reads: $FIREDRILL_WITNESSES when set and not empty, else
/// kDefaultWitnessList.
std::filesystem::path WitnessListPath();

/// Loads the witness list for the records in `state_dir`. nullopt when none is configured (the
/// default file does not exist and FIREDRILL_WITNESSES is not set). Fails, naming the file, when
/// FIREDRILL_WITNESSES names a file that does not exist, when the list cannot be read or parsed,
/// or when the list, or a file witness, is inside `state_dir` (whoever can rewrite the records
/// could rewrite it too). Warns (WitnessList::warnings) when the list is writable by this process
/// or by group or others. Creates nothing.
Expected<std::optional<WitnessList>> LoadWitnessList(const std::filesystem::path& state_dir);

}  // namespace firedrill
