// Filing an issue in Jira through its REST API (`/rest/api/2`), at most once: an issue carries
// a label of its own, and one that already carries it is found (JQL) instead of filed again.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "drills/expected.h"
#include "orchestrator/announce/rest_client.h"

namespace firedrill {

/// An issue in Jira.
struct FiledIssue {
  std::string key;       ///< e.g. OPS-123
  std::string url;       ///< BASE/browse/KEY
  bool created = false;  ///< false: an issue with the label was there already
};

/// Returns the issue of project `project` labelled `label`, filing it with `fields` (Jira's
/// issue fields: summary, description, issuetype, labels (which must hold `label`), priority,
/// duedate; the project is added) when none is: GET /rest/api/2/search with JQL `project = P
/// AND labels = "label"`, then POST /rest/api/2/issue. Errors say what Jira refused: 401/403
/// (the credentials), 400 (Jira's own messages: an unknown project, a field it does not take),
/// or the last failure after the client's retries.
Expected<FiledIssue> FileJiraIssue(RestClient& client, const std::string& project,
                                   const std::string& label, boost::json::object fields);

}  // namespace firedrill
