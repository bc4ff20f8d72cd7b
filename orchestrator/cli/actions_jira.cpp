#include "orchestrator/cli/actions_jira.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <vector>

#include "orchestrator/announce/jira_issue.h"
#include "orchestrator/announce/rest_client.h"
#include "orchestrator/cli/rest_credentials.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/action_items.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {

int FileActionItemsInJira(const Invocation& inv, const RunFacts& facts,
                          const std::filesystem::path& file, const std::string& markdown) {
  const std::string url = *inv.args.Value("jira");
  auto project = inv.args.Value("project");
  if (!project || project->empty()) {
    fmt::print(inv.err,
               "firedrill actions: --jira URL needs --project KEY (the project the issues go "
               "to)\n");
    return kExitUsage;
  }
  if (inv.args.Value("format") || inv.args.Value("output")) {
    fmt::print(inv.err,
               "firedrill actions: --jira files the items; --format and --output "
               "write them, and do not go with it\n");
    return kExitUsage;
  }
  Expected<std::string> authorization = RestCredentials(inv, "FIREDRILL_JIRA_CREDENTIALS", "Jira");
  if (!authorization) {
    fmt::print(inv.err, "firedrill actions: {}\n", authorization.error().message);
    return kExitUsage;
  }
  auto db = Database::Open(ResolveStateDir(inv.args.Value("state")), OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill actions: {}\n", db.error().ToString());
    return kExitStateError;
  }
  const std::vector<ActionItem> items = ActionItemsOf(markdown);
  if (items.empty()) {
    fmt::print(inv.out, "no action items in {} (the table under \"## Action items\" has none)\n",
               file.string());
    return kExitOk;
  }
  DeliveryPolicy policy;
  policy.max_attempts = 4;
  RestClient client(url, *authorization, policy);
  const std::string actor = inv.args.Value("by").value_or("firedrill actions");
  std::vector<std::string> tickets(items.size());
  bool refused = false;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const ActionItem& item = items[i];
    if (!item.ticket.empty()) {
      fmt::print(inv.out, "{}  already in the table: {}\n", item.ticket, item.action);
      continue;
    }
    const std::string label = ActionItemLabel(item, facts.run_id);
    const int requests_before = client.requests();
    Expected<FiledIssue> issue = FileJiraIssue(
        client, *project, label, JiraIssueFields(item, facts.drill_id, facts.run_id, label));
    NoticeSent sent{.event = "action-item-filed",
                    .channel = "jira",
                    .target = issue ? issue->url : url,
                    .attempts = client.requests() - requests_before,
                    .status = issue ? 200 : 0};
    if (!issue) sent.error = issue.error().message + " (item: " + item.action + ")";
    auto recorded =
        AppendTyped(*db, facts.drill_id,
                    issue ? EventKind::kNoticeDelivered : EventKind::kNoticeFailed, actor, sent);
    if (!recorded.ok()) {
      fmt::print(inv.err, "firedrill actions: not recorded: {}\n", recorded.error().message);
      return kExitStateError;
    }
    if (!issue) {
      fmt::print(inv.err, "firedrill actions: {} (item: {})\n", issue.error().message, item.action);
      refused = true;
      continue;
    }
    tickets[i] = issue->key;
    fmt::print(inv.out, "{}  {}: {}  {}\n", issue->key,
               issue->created ? "filed" : "found (filed before)", item.action, issue->url);
  }
  // The keys go into the team's table, so that the postmortem says where each item is tracked.
  if (std::any_of(tickets.begin(), tickets.end(),
                  [](const std::string& t) { return !t.empty(); })) {
    const std::filesystem::path partial = file.string() + ".firedrill-tmp";
    {
      std::ofstream out(partial, std::ios::binary | std::ios::trunc);
      out << WithTickets(markdown, tickets);
      if (!out.flush()) {
        fmt::print(inv.err, "firedrill actions: cannot write {}\n", partial.string());
        return kExitStateError;
      }
    }
    std::error_code ec;
    std::filesystem::rename(partial, file, ec);
    if (ec) {
      fmt::print(inv.err, "firedrill actions: cannot replace {}: {}\n", file.string(),
                 ec.message());
      return kExitStateError;
    }
    fmt::print(inv.out, "wrote the keys into the Ticket column of {}\n", file.string());
  }
  return refused ? kExitFailure : kExitOk;
}

}  // namespace firedrill
