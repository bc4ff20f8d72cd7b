#include "orchestrator/announce/jira_issue.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace firedrill {
namespace {

namespace json = boost::json;

// Jira's own words from an error answer: {"errorMessages": [...], "errors": {"field": "..."}}.
std::string JiraMessages(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return "";
  std::string out;
  auto add = [&out](std::string_view m) { out += (out.empty() ? "" : "; ") + std::string(m); };
  if (const json::value* list = v.as_object().if_contains("errorMessages");
      list != nullptr && list->is_array()) {
    for (const json::value& m : list->as_array()) {
      if (m.is_string()) add(m.as_string());
    }
  }
  if (const json::value* errors = v.as_object().if_contains("errors");
      errors != nullptr && errors->is_object()) {
    for (const auto& [field, m] : errors->as_object()) {
      if (m.is_string()) add(fmt::format("{}: {}", std::string_view(field), m.as_string()));
    }
  }
  return out;
}

Error Refused(const DeliveryResult& r, const std::string& project, const std::string& doing) {
  if (r.last_status == 401 || r.last_status == 403) {
    return Error(fmt::format(
        "Jira refused the credentials while {} (HTTP {}): check the e-mail address and API token "
        "(or the personal access token) and their permission to create issues in project {}",
        doing, r.last_status, project));
  }
  const std::string said = JiraMessages(r.body);
  return Error(
      fmt::format("Jira: {} failed: {}", doing,
                  said.empty() ? r.last_error : fmt::format("HTTP {}: {}", r.last_status, said)));
}

}  // namespace

Expected<FiledIssue> FileJiraIssue(RestClient& client, const std::string& project,
                                   const std::string& label, json::object fields) {
  const std::string jql = fmt::format("project = \"{}\" AND labels = \"{}\"", project, label);
  DeliveryResult found =
      client.Call("GET", "/rest/api/2/search?jql=" + QueryValue(jql) + "&fields=key&maxResults=1");
  const std::string looking = fmt::format("looking for an issue labelled {}", label);
  if (!found.delivered) return Refused(found, project, looking);
  boost::system::error_code ec;
  json::value answer = json::parse(found.body, ec);
  const json::value* issues =
      !ec && answer.is_object() ? answer.as_object().if_contains("issues") : nullptr;
  if (issues == nullptr || !issues->is_array()) {
    return Error(fmt::format("Jira answered {} without an issues list", looking));
  }
  FiledIssue issue;
  if (!issues->as_array().empty()) {
    const json::value& first = issues->as_array().front();
    if (!first.is_object() || !first.as_object().contains("key") ||
        !first.as_object().at("key").is_string()) {
      return Error("Jira answered an issue without a key");
    }
    issue.key = std::string(first.as_object().at("key").as_string());
  } else {
    fields["project"] = json::object{{"key", project}};
    DeliveryResult created =
        client.Call("POST", "/rest/api/2/issue", json::serialize(json::object{{"fields", fields}}));
    if (!created.delivered) return Refused(created, project, "creating an issue");
    json::value made = json::parse(created.body, ec);
    if (ec || !made.is_object() || !made.as_object().contains("key") ||
        !made.as_object().at("key").is_string()) {
      return Error("Jira answered the new issue without a key");
    }
    issue.key = std::string(made.as_object().at("key").as_string());
    issue.created = true;
  }
  issue.url = client.base() + "/browse/" + issue.key;
  return issue;
}

}  // namespace firedrill
