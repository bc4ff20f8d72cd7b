#include "orchestrator/daemon/freeze_rule.h"

#include <fmt/format.h>

#include <algorithm>

#include "orchestrator/alerts/alert_match.h"

namespace firedrill {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string LabelsText(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [k, v] : labels) {
    if (!out.empty()) out += ',';
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

Expected<std::map<std::string, std::string>> ParseLabelMatch(std::string_view text) {
  std::map<std::string, std::string> out;
  if (Trim(text).empty()) {
    return Error{"takes labels as name=value[,name=value...], e.g. severity=critical"};
  }
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view part = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    std::size_t eq = part.find('=');
    std::string_view name = Trim(part.substr(0, eq));
    std::string_view value = eq == std::string_view::npos ? "" : Trim(part.substr(eq + 1));
    if (eq == std::string_view::npos || name.empty() || value.empty()) {
      return Error{fmt::format("\"{}\" is not name=value (e.g. severity=critical)", Trim(part))};
    }
    if (!out.emplace(std::string(name), std::string(value)).second) {
      return Error{fmt::format("label \"{}\" is given twice", name)};
    }
  }
  return out;
}

std::string IncidentAlertKey(const Alert& alert) {
  return alert.source + "/" +
         (alert.fingerprint.empty() ? LabelsText(alert.labels) : alert.fingerprint);
}

bool IsRealIncident(const Alert& alert, const IncidentRule& rule,
                    const std::vector<const Drill*>& in_play) {
  if (alert.status != "firing" || !AlertMatches(alert, rule.match)) return false;
  return std::none_of(in_play.begin(), in_play.end(),
                      [&alert](const Drill* d) { return AlertMatches(alert, d->detection.match); });
}

FreezeChange NoteIncidentAlert(std::optional<FreezeRecord>& freeze, const Alert& alert,
                               bool real_incident, SysTime now, Duration cooldown) {
  const std::string key = IncidentAlertKey(alert);
  if (alert.status == "firing") {
    if (!real_incident) return FreezeChange::kNone;
    if (!freeze) {
      FreezeRecord r;
      r.cause = "incident";
      r.reason = IncidentReason(alert);
      r.by = "alert from " + alert.source;
      r.started = now;
      r.open_alerts.push_back(key);
      freeze = std::move(r);
      return FreezeChange::kStarted;
    }
    auto& open = freeze->open_alerts;
    bool known = std::find(open.begin(), open.end(), key) != open.end();
    if (known && !freeze->thaw_at) return FreezeChange::kNone;
    if (!known) open.push_back(key);
    freeze->thaw_at.reset();
    return FreezeChange::kHeld;
  }
  if (!freeze) return FreezeChange::kNone;
  auto& open = freeze->open_alerts;
  auto it = std::find(open.begin(), open.end(), key);
  if (it == open.end()) return FreezeChange::kNone;
  open.erase(it);
  if (open.empty() && freeze->cause == "incident") {
    freeze->thaw_at = now + cooldown;
    return FreezeChange::kThawing;
  }
  return FreezeChange::kChanged;
}

std::string IncidentReason(const Alert& alert) {
  return fmt::format("real incident: {} from {} ({})",
                     alert.summary.empty() ? alert.fingerprint : alert.summary, alert.source,
                     LabelsText(alert.labels));
}

}  // namespace firedrill
