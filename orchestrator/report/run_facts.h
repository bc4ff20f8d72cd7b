// The facts of one drill run, derived from its recorded events alone: the drill (re-parsed from
// the text recorded in `run-started`, or for the audit only the drill facts recorded next to it),
// the timeline, T0, TTD and TTR, who recovered, what was injected and whether it was restored. The
// postmortem and the audit report are renderings of these facts. Derivation is pure (no I/O, no
// clock); run_events.h reads a run's events from the records.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "drills/timestamp.h"
#include "orchestrator/report/drill_facts.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"

namespace firedrill {

/// The restore reason the engine records when nothing cut the drill short; any other reason in
/// `restore-started` means the run was aborted (signal, guard, failed injection, abort request).
inline constexpr char kWindowEndReason[] = "the restore point of the window was reached";

/// One line of a run's timeline.
struct TimelineEntry {
  SysTime ts;
  /// The event kind, or "window-opens" / "window-closes" for the announced window boundaries
  /// (taken from `run-started`, not separate events).
  std::string kind;
  std::string actor;  ///< who or what caused it ("orchestrator", a person)
  std::string text;   ///< one line describing it; states what happened, never whose fault it was
};

/// One fault of the run: when it went in and how (and whether) it was undone.
struct FaultFact {
  std::string id;
  std::string kind;
  std::string target;
  std::optional<SysTime> injected_at;  ///< `fault-injected`: verified in place
  std::optional<SysTime> restored_at;  ///< `fault-restored`
  bool restored = false;
  bool verified = false;    ///< the kind's check confirmed it gone (false: restore command only)
  std::string restored_by;  ///< actor of `fault-restored` ("orchestrator", "recover", ...)
  std::string restore_message;              ///< as recorded by the restorer
  std::vector<std::string> restore_errors;  ///< each `restore-failed` message, in order
  /// Restored from a ledger row still `injecting`: the run died after the fault's inject began,
  /// so whether it was in place then is unknown (it may have been: it was restored anyway).
  bool unknown_at_crash = false;
};

/// A fault the run could not restore (`restore-incomplete`).
struct UnrestoredFault {
  std::string fault;
  std::string error;
  std::string undo;  ///< what a person can run to undo it by hand
};

/// An acknowledgement (`ack-detected` / `ack-recovered`).
struct AckFact {
  SysTime ts;
  std::string by;
  std::string note;
  Duration since_t0{0};
};

/// The first alert matched after T0 (`alert-detected`).
struct AlertFact {
  SysTime ts;
  std::string source;
  std::string fingerprint;
  Duration since_t0{0};
};

/// A guard that tripped (`guard-tripped`).
struct GuardTrip {
  SysTime ts;
  std::string guard;
  std::string probe;
};

/// A period in which one probe was red: from `probe-red` to its `probe-green`, or, when it never
/// went green, to the restore: the last `fault-restored` when every injected fault was restored,
/// else the run's last event.
struct RedInterval {
  std::string probe;
  SysTime from;
  SysTime to;
  bool green_again = false;  ///< ended by `probe-green` (false: ended by the restore)
};

/// Someone who took part: listed in the drill, or seen acknowledging or aborting.
struct ParticipantFact {
  std::string name;
  std::string role;     ///< from the drill; "not listed in the drill" for others
  bool listed = false;  ///< named in the drill's [[participants]]
  /// What they did during the run, in order, each once: "acknowledged detection", "marked
  /// recovered", "requested an abort", "recorded the briefing".
  std::vector<std::string> actions;
};

/// How a run ended, as far as its events tell.
enum class RunOutcome {
  kInProgress,   ///< no ending event: still running (or its process died and nobody restored yet)
  kRefused,      ///< preflight refused; nothing was injected
  kNotInjected,  ///< ended (aborted) before any fault was verified in place
  /// The team recovered: their "recovered" mark (a drill without probes), or every probe that
  /// went red green again after a recorded team action (an ack).
  kRecoveredByTeam,
  /// The system absorbed the fault: every probe that went red was green again while the fault
  /// was still in place and nobody had acted. Not the team's recovery: no team TTR.
  kAbsorbed,
  kAutoRestored,  ///< the team did not recover; firedrill restored at the window's end
  kAborted,       ///< aborted after injecting, before the team recovered; all restored
  /// The fault had no observable effect: no probe turned red and no alert fired (nor, without
  /// probes, did anyone acknowledge), so detection was not tested. Restored at window end.
  kInconclusive,
  /// The process running the run died; whoever restored its faults (recover, the daemon at its
  /// restart) closed it.
  kInterrupted,
  kRestoreIncomplete,  ///< a fault may still be in place: manual action was needed
};

/// Returns a stable lowercase name: "in-progress", "refused", "not-injected",
/// "recovered-by-team", "absorbed", "auto-restored", "aborted", "inconclusive", "interrupted",
/// "restore-incomplete".
std::string OutcomeName(RunOutcome outcome);

/// Who or what ended the impact, for people: "the team", "the system absorbed the fault",
/// "firedrill's auto-restore at window end", ... One phrase per outcome.
std::string RecoveredByText(RunOutcome outcome);

/// Everything derived from one run's events.
struct RunFacts {
  std::string run_id;
  std::string drill_id;
  std::string drill_file;  ///< as recorded in `run-started`
  std::string source;      ///< the drill file's text, as recorded in `run-started`
  /// The drill re-parsed from `source`; missing when there was no source or it no longer loads
  /// (a kind from a plugin that is not installed, an older format): see `drill_problem`. Also
  /// missing, with `drill_problem` empty, when DeriveRunFacts was asked for DrillDetail::kFactsOnly
  /// and `run-started` recorded the drill facts.
  std::shared_ptr<const Drill> drill;
  std::string drill_problem;  ///< why `drill` is missing; empty when it is there
  /// What the audit reads of the drill: as recorded in `run-started` ("drill_facts") when it is
  /// there and readable, else taken from `drill`; nullopt when neither is.
  std::optional<DrillFacts> drill_facts;

  std::optional<SysTime> started;  ///< `run-started`
  std::optional<SysTime> last_event;
  std::optional<SysTime> window_start;  ///< from `run-started`
  std::optional<SysTime> window_end;

  std::vector<TimelineEntry> timeline;  ///< time order (ties: record order)

  std::optional<SysTime> t0;  ///< the earliest `fault-injected`
  std::optional<Duration> ttd_human;
  std::optional<Duration> ttd_alert;
  std::optional<Duration> ttr_probe;  ///< `recovered` {by: "probes"}
  std::optional<Duration> ttr_team;   ///< the first `ack-recovered`
  std::optional<AlertFact> first_alert;
  std::vector<AckFact> detected_acks;
  std::vector<AckFact> recovered_acks;

  bool team_recovered = false;  ///< outcome is kRecoveredByTeam: only then is there a team TTR
  bool auto_restored = false;   ///< outcome is kAutoRestored
  /// When every probe that went red was green again (the `recovered` event), whoever did it.
  std::optional<SysTime> recovered_at;
  /// The first acknowledgement by a person (detected or recovered), if any.
  std::optional<SysTime> first_team_action;
  /// Something showed the fault: a probe turned red, a matching alert fired, or (a drill
  /// without probes) someone acknowledged.
  bool effect_observed = false;
  /// Closing an interrupted run: who did it ("recover", "serve") and when.
  std::string closed_by;
  bool aborted = false;
  std::string abort_reason;
  std::vector<std::string> refusal_reasons;
  std::vector<GuardTrip> guard_trips;

  std::vector<FaultFact> faults;  ///< in order of first mention
  /// What `restore-incomplete` listed as still in place when the run ended (a later restore by
  /// `firedrill recover` shows in `faults`, not here: the run still needed manual action).
  std::vector<UnrestoredFault> restore_incomplete;

  std::optional<SysTime> announced_at;  ///< `announced` (not recorded by this version)
  std::string announce_override;        ///< reason of `announce-overridden`, when recorded
  std::optional<SysTime> briefed_at;    ///< `briefed` (not recorded by this version)
  std::string briefed_by;

  std::vector<RedInterval> red_intervals;
  /// Time at least one probe was red: the union of `red_intervals`.
  Duration impact{0};
  /// True when a red probe never went green and a fault was never restored: `impact` then runs
  /// to the run's last event and is a lower bound.
  bool impact_lower_bound = false;

  std::vector<ParticipantFact> participants;
  RunOutcome outcome = RunOutcome::kInProgress;
  std::string outcome_text;  ///< one sentence for people
};

/// Re-parses drill texts recorded in `run-started`, once per distinct (file, text): an audit of
/// thousands of runs of the same few drills parses each drill once. Not thread-safe.
class DrillSourceCache {
 public:
  /// Returns the drill, or nullptr with `problem` set to the first diagnostic.
  std::shared_ptr<const Drill> Load(const std::string& source, const std::string& file,
                                    std::string& problem);

 private:
  struct Entry {
    std::shared_ptr<const Drill> drill;
    std::string problem;
  };
  std::unordered_map<std::string, Entry> entries_;  // key: file, NUL, source
};

/// Returns the run id of an event (its payload's "run"), or "" when it has none or the payload
/// is not a JSON object. Payloads as the engine writes them are read without a full parse.
std::string RunIdOf(const Event& event);

/// Returns the id of the latest run among `events` (one drill's events in seq order): the run of
/// the last `run-started`, else of the last event that names a run; nullopt when none does.
std::optional<std::string> LatestRunId(std::span<const Event> events);

/// Whether DeriveRunFacts writes the timeline (the audit does not need it).
enum class TimelineDetail { kFull, kNone };

/// Whether DeriveRunFacts re-parses the drill text: always (the postmortem needs participants,
/// faults, the hypothesis...), or only when `run-started` recorded no drill facts (the audit,
/// which reads nothing else of the drill).
enum class DrillDetail { kParsed, kFactsOnly };

/// Derives the facts of one run from its events (in seq order; events of other runs must have
/// been filtered out). `cache`, when given, is used to re-parse the drill. Never fails: anything
/// missing or malformed is left out of the facts. With TimelineDetail::kNone, `timeline` is left
/// empty and everything else is the same. With DrillDetail::kFactsOnly and drill facts recorded,
/// the text is not parsed: `drill` is null, `drill_problem` and `participants` are empty, and
/// everything else is the same.
RunFacts DeriveRunFacts(std::span<const Event> events, DrillSourceCache* cache = nullptr,
                        TimelineDetail detail = TimelineDetail::kFull,
                        DrillDetail drill_detail = DrillDetail::kParsed);

/// Formats an offset from T0: "T0+1m30s", "T0-2s", "T0".
std::string SinceT0(Duration d);

}  // namespace firedrill
