// The action items of a postmortem, as the team wrote them into the Markdown postmortem's
// "Action items" table, and the same items in Jira's CSV import shape, so that they become issues
// where the team tracks work.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace firedrill {

/// One row of the "Action items" table: | Type | Action | Owner | Priority | Ticket | Due |.
struct ActionItem {
  std::string type{};  ///< "mitigate", "prevent", "process", or what the team wrote
  std::string action{};
  std::string owner{};
  std::string priority{};
  std::string ticket{};
  std::string due{};
};

/// Returns the rows of the table under the "## Action items" heading of a Markdown postmortem,
/// in order, cells trimmed and "\|" read as "|"; rows whose Action is empty (the template's
/// blank row) are left out. Empty when the heading or its table is missing.
std::vector<ActionItem> ActionItemsOf(std::string_view markdown);

/// Returns `items` as CSV (RFC 4180, CRLF line ends) for Jira's CSV import: a header row
/// "Summary,Description,Issue Type,Priority,Assignee,Due date,Labels,Labels,Labels" and one row
/// per item: the action as the summary, a description naming the drill, the run and the item's
/// type, issue type Task, the priority when it is one of Jira's (Highest, High, Medium, Low,
/// Lowest; P1 to P5 map onto them; else empty), the owner as assignee, the due date as written,
/// and the labels "firedrill", "drill-<drill id>" and the type (spaces made '-').
std::string JiraCsv(const std::vector<ActionItem>& items, const std::string& drill_id,
                    const std::string& run_id);

/// Returns the label that marks the Jira issue of `item` of run `run_id`, so that it is filed
/// once: "firedrill-item-" and the first 12 hex digits of the SHA-256 of the run id, the type and
/// the action.
std::string ActionItemLabel(const ActionItem& item, const std::string& run_id);

/// Returns Jira's issue fields for `item` (as the CSV has them, through the REST API): summary,
/// description, issuetype Task, labels (firedrill, drill-<id>, the type, `label`), the priority
/// when it is one of Jira's (P1 to P5 mapped), and duedate when the due date is YYYY-MM-DD. No
/// assignee: Jira Cloud takes account ids, not the names a postmortem holds (the owner is in the
/// description).
boost::json::object JiraIssueFields(const ActionItem& item, const std::string& drill_id,
                                    const std::string& run_id, const std::string& label);

/// Returns `markdown` with the Ticket cell of the action items' rows set to `tickets[i]` for the
/// i-th item ActionItemsOf reads (an empty string leaves that row as it is); every other line,
/// and every row not changed, byte for byte as it was.
std::string WithTickets(std::string_view markdown, const std::vector<std::string>& tickets);

}  // namespace firedrill
