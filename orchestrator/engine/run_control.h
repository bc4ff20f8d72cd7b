// The control API of a running drill as the engine answers it: list, ack, abort. The server
// (orchestrator/control) has already matched the route and checked the token, size and JSON.
#pragma once

#include <boost/json/object.hpp>

#include "orchestrator/control/control_handler.h"
#include "orchestrator/engine/run_recorder.h"
#include "orchestrator/engine/run_state.h"

namespace firedrill {

/// Answers control requests for one run. Runs on the loop thread, between the engine's awaits;
/// never blocks (an ack is one durable append).
class RunControl : public ControlHandler {
 public:
  /// `run` and `recorder` must outlive this object.
  RunControl(RunState& run, RunRecorder& recorder) : run_(run), rec_(recorder) {}

  /// GET /v1/drills → the run and its phase, as the daemon lists running drills (with
  /// "foreground": true). GET /v1/drills/{id} → its status as the daemon gives it (state
  /// "running", phase, run, T0, window). POST .../ack → records `ack-detected` or
  /// `ack-recovered` with its offset from T0 (409 before T0; only the first of each kind sets
  /// TTD/TTR, later ones are recorded too; `by` is recorded as the participant it names,
  /// see MatchParticipant, and an ambiguous `by` is refused with 400). POST .../abort → requests
  /// the abort (202; the restore runs after the answer). 404 for another drill's id, 400 for wrong
  /// fields.
  ControlResponse Handle(const ControlRequest& request) override;

 private:
  boost::json::object Status() const;
  // `given`: the name as the responder gave it, matched to a participant (MatchParticipant);
  // 400 naming the candidates when it could mean several.
  ControlResponse Ack(const std::string& what, const std::string& given, const std::string& note);
  ControlResponse Abort(const std::string& by, const std::string& reason);

  RunState& run_;
  RunRecorder& rec_;
};

}  // namespace firedrill
