#include "orchestrator/announce/grafana_annotation.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace firedrill {

std::string GrafanaAnnotationJson(const Drill& drill, AnnotationMoment moment, SysTime at,
                                  const std::string& run, const std::string& detail) {
  const bool injected = moment == AnnotationMoment::kInjected;
  std::string text = injected
                         ? fmt::format("firedrill drill {} ({}): faults in place (T0), run {}",
                                       drill.id, drill.title, run)
                         : fmt::format("firedrill drill {} ({}): restoring every fault, run {}",
                                       drill.id, drill.title, run);
  if (!detail.empty()) text += ": " + detail;
  boost::json::object body;
  body["time"] =
      std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
  body["tags"] = boost::json::array{"firedrill", "drill:" + drill.id, "service:" + drill.service,
                                    injected ? "injected" : "restore"};
  body["text"] = text;
  return boost::json::serialize(body);
}

}  // namespace firedrill
