#include "orchestrator/cli/record_runs.h"

#include <algorithm>
#include <boost/json.hpp>

namespace firedrill {

namespace {

namespace json = boost::json;

std::string Field(const json::object* o, std::string_view key) {
  const json::value* v = o != nullptr ? o->if_contains(key) : nullptr;
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

RecordedRuns GroupByRun(std::span<const Event> events) {
  RecordedRuns out;
  for (const Event& e : events) {
    boost::system::error_code ec;
    json::value payload = json::parse(e.payload_json, ec);
    const json::object* o = !ec && payload.is_object() ? &payload.as_object() : nullptr;
    const std::string run = Field(o, "run");
    if (run.empty()) {
      out.outside.push_back(e);
      continue;
    }
    auto it = std::find_if(out.runs.begin(), out.runs.end(),
                           [&](const RecordedRun& r) { return r.run_id == run; });
    if (it == out.runs.end()) {
      out.runs.push_back(RecordedRun{run, "", {}});
      it = std::prev(out.runs.end());
    }
    if (e.kind == "run-started") it->file = Field(o, "file");
    it->events.push_back(e);
  }
  return out;
}

}  // namespace firedrill
