#include "orchestrator/engine/run_recorder.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <ostream>

#include "drills/zoned_time.h"
#include "orchestrator/store/event_log.h"

namespace firedrill {

namespace json = boost::json;

void RunRecorder::Record(const std::string& kind, json::object payload, const std::string& text,
                         const std::string& actor) {
  RecordAt(run_.clock.UtcNow(), kind, std::move(payload), text, actor);
}

void RunRecorder::RecordAt(SysTime at, const std::string& kind, json::object payload,
                           const std::string& text, const std::string& actor) {
  payload["run"] = run_.run_id;
  std::string body = json::serialize(payload);
  auto ev = EventLog(db_).Append({run_.drill.id, kind, actor, body, at});
  if (!ev.ok()) fmt::print(err_, "firedrill: could not record {}: {}\n", kind, ev.error().message);
  if (opt_.on_event) opt_.on_event(kind, payload, text);
  if (opt_.json) {
    json::object line{{"ts", FormatUtc(at)}, {"event", kind}, {"drill", run_.drill.id}};
    line["payload"] = std::move(payload);
    out_ << json::serialize(line) << "\n" << std::flush;
  } else {
    fmt::print(out_, "{}  {}\n", FormatInZone(at, run_.drill.window.zone).substr(11, 8), text);
    out_.flush();
  }
}

void RunRecorder::Say(const std::string& text) {
  if (opt_.json) return;
  fmt::print(out_, "{}  {}\n",
             FormatInZone(run_.clock.UtcNow(), run_.drill.window.zone).substr(11, 8), text);
  out_.flush();
}

}  // namespace firedrill
