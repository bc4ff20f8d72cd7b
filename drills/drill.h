// The typed form of a drill file. Produced only by the loader (drill_loader.h); nothing past the
// loader sees TOML.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "drills/fault_kind.h"
#include "drills/recurrence.h"

namespace firedrill {

using SysTime = std::chrono::sys_time<std::chrono::milliseconds>;

/// A person taking part, and the role they play in the drill.
struct Participant {
  std::string name;  ///< usually an e-mail address
  std::string role;  ///< e.g. "incident-commander", "responder", "observer"
};

struct Objectives {
  std::optional<Duration> detect_within;
  std::optional<Duration> recover_within;
  /// Availability objective in percent (e.g. 99.9), for error-budget context in the postmortem.
  std::optional<double> availability;
  /// The period that objective is measured over (default 30d).
  Duration slo_period = std::chrono::hours(24 * 30);
};

/// The announced service window. `start`/`end` are instants; `zone` is how people read them.
struct Window {
  SysTime start;
  SysTime end;
  std::string zone;  ///< IANA name, e.g. "Europe/Copenhagen"
  /// How long after `end` a failing restore is retried before the run gives up.
  Duration grace = std::chrono::minutes(10);
  SourcePos pos;
  /// `repeat = "FREQ=..."`: this window is the first of a series (see Occurrences in
  /// recurrence.h); empty for a one-off drill.
  std::optional<Recurrence> repeat;
};

enum class Channel { kCalendar, kChat, kWebhook };

struct Announce {
  Duration lead = std::chrono::hours(72);  ///< announced at least this long before start
  std::vector<std::string> attendees;
  std::vector<Channel> channels;
};

struct LocalTarget {};
struct SshTarget {
  std::string host;
  int port = 22;
  std::string user;
  std::string identity;     ///< private key file
  std::string known_hosts;  ///< known_hosts file checked strictly
  /// Trust on first use: record an unknown host key in `known_hosts` (the record says so) instead
  /// of refusing. A changed key is refused regardless.
  bool accept_new_host_key = false;
};

struct Target {
  std::string name;
  std::variant<LocalTarget, SshTarget> where;
  SourcePos pos;
  bool is_local() const { return std::holds_alternative<LocalTarget>(where); }
};

/// What to do when a fault that fans out to several targets is injected on some and fails on
/// others.
enum class PartialPolicy {
  kRollback,  ///< abort the drill and restore everything (the default)
  kContinue,  ///< undo it where it failed, record which hosts have it, and go on
};

struct FaultSpec {
  std::string id;    ///< unique in the drill; defaults to "<kind>-<n>"; "ID@TARGET" when fanned out
  std::string kind;  ///< registered kind name
  std::string target;  ///< name of a Target
  /// The fault as written: its id. A fault written with `target = ["a", "b"]` becomes one
  /// FaultSpec per target ("ID@a", "ID@b") sharing this group, injected in parallel.
  std::string group;
  int parallel = 16;  ///< at most this many targets of the group are injected at once
  PartialPolicy on_partial = PartialPolicy::kRollback;
  Duration delay{0};  ///< injected this long after the window opens
  Duration restore_timeout{0};
  std::optional<std::string> restore_command;  ///< replaces the kind's own restore
  std::shared_ptr<const FaultParams> params;   ///< typed by the kind's factory
  ParamValues raw;                             ///< the checked values, for records/plugins
  SourcePos pos;
};

enum class ProbeKind { kHttp, kTcp, kCommand };

struct Probe {
  std::string name;
  ProbeKind kind = ProbeKind::kHttp;
  std::string target;
  Duration interval = std::chrono::seconds(5);
  Duration timeout = std::chrono::seconds(2);
  int healthy_after = 3;    ///< consecutive green checks that count as healthy (recovered)
  int unhealthy_after = 1;  ///< consecutive red checks that count as unhealthy
  // http
  std::string url;
  int expect_status = 200;
  std::string expect_body;  ///< substring the body must contain (empty = no check)
  // tcp
  std::string host;
  int port = 0;
  // command
  std::string command;
  SourcePos pos;
};

enum class GuardKind { kProbe, kCommand, kAlert };

/// A stop condition: when it trips, the drill is aborted and every fault restored at once.
struct Guard {
  std::string name;
  GuardKind kind = GuardKind::kProbe;
  std::string probe;    ///< kProbe: the probe that must not stay red (see WatchesProbe)...
  Duration max_red{0};  ///< ...for longer than this
  std::string command;  ///< kCommand: trips when it exits non-zero
  std::string target;   ///< kCommand: where it runs
  Duration interval = std::chrono::seconds(10);
  std::map<std::string, std::string> match;  ///< kAlert: labels of an alert that trips it
  SourcePos pos;
};

/// True when a probe guard naming `guard_probe` watches the probe named `probe_name`: the same
/// name, or one target's share of a probe written with several targets ("NAME@TARGET").
inline bool WatchesProbe(const std::string& guard_probe, const std::string& probe_name) {
  return probe_name == guard_probe ||
         (probe_name.size() > guard_probe.size() && probe_name.starts_with(guard_probe) &&
          probe_name[guard_probe.size()] == '@');
}

struct Detection {
  std::map<std::string, std::string> match;  ///< alert labels meaning "this drill was detected"
};

/// A period in which no drill may run (release freeze, holiday).
struct Blackout {
  std::string name;
  SysTime start;
  SysTime end;
  SourcePos pos;
};

/// `[wheel]`, the wheel of misfortune: `pick` of the faults named in `faults` are drawn at random
/// for each run (see wheel.h), and the injection moment may be moved by a random offset below
/// `inject_within`. Faults not on the wheel are always injected.
struct Wheel {
  std::vector<std::string> faults;  ///< fault ids as written (FaultSpec::group); may be empty
  int pick = 1;                     ///< how many of `faults` a run injects
  Duration inject_within{0};        ///< 0: no random offset
  SourcePos pos;
};

struct Drill {
  std::string id;
  std::string title;
  std::string service;
  std::string owner;
  std::string playbook;    ///< URL or path
  std::string hypothesis;  ///< what the team expects to happen
  bool briefing_required = false;
  std::vector<Participant> participants;
  Objectives objectives;
  Window window;
  Announce announce;
  std::map<std::string, Target> targets;
  std::vector<FaultSpec> faults;
  std::vector<Probe> probes;
  std::vector<Guard> guards;
  Detection detection;
  std::vector<Blackout> blackouts;
  std::optional<Wheel> wheel;
  std::string source_file;  ///< path as given to the loader
};

}  // namespace firedrill
