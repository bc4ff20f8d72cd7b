#include "orchestrator/cli/publish_command.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>

#include "orchestrator/announce/confluence_page.h"
#include "orchestrator/cli/records_common.h"
#include "orchestrator/cli/rest_credentials.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/report/postmortem_confluence.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

int RunPublish(const Invocation& inv) {
  const std::string& id = inv.args.positionals().front();
  auto url = inv.args.Value("confluence");
  auto space = inv.args.Value("space");
  if (!url || !space || space->empty()) {
    fmt::print(inv.err,
               "firedrill publish: --confluence URL and --space KEY are required (where the "
               "page goes)\n(see firedrill publish --help)\n");
    return kExitUsage;
  }
  Expected<std::string> authorization =
      RestCredentials(inv, "FIREDRILL_CONFLUENCE_CREDENTIALS", "Confluence");
  if (!authorization) {
    fmt::print(inv.err, "firedrill publish: {}\n", authorization.error().message);
    return kExitUsage;
  }
  int exit = kExitOk;
  std::optional<LoadedRun> loaded = LoadRun(inv, "publish", id, inv.args.Value("run"), exit);
  if (!loaded) return exit;
  RunFacts facts = DeriveRunFacts(loaded->events);
  std::optional<DrillRecord> record;
  if (auto rec = DrillTable(loaded->db).GetDrill(facts.drill_id); rec.ok() && *rec) {
    record = **rec;
  }
  const std::string title =
      fmt::format("Postmortem: {} ({})", record ? record->title : facts.drill_id, facts.run_id);
  ConfluenceSite site{*url, *space, inv.args.Value("parent").value_or(""), *authorization};
  DeliveryPolicy policy;
  policy.max_attempts = 4;
  policy.max_backoff = std::chrono::seconds(60);
  Expected<PublishedPage> page =
      PublishConfluencePage(site, title, PostmortemConfluence(facts, record), policy);

  // The outcome goes into the drill's record either way: where its postmortem was published,
  // or that publishing failed.
  auto db = Database::Open(ResolveStateDir(inv.args.Value("state")), OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill publish: {}\n", db.error().ToString());
    return kExitStateError;
  }
  NoticeSent sent{.event = "postmortem-published",
                  .channel = "confluence",
                  .target = page ? page->url : *url,
                  .attempts = page ? page->requests : 0,
                  .status = page ? 200 : 0};
  if (!page) sent.error = page.error().message;
  const std::string actor = inv.args.Value("by").value_or("firedrill publish");
  auto appended =
      AppendTyped(*db, facts.drill_id,
                  page ? EventKind::kNoticeDelivered : EventKind::kNoticeFailed, actor, sent);
  if (!page) {
    fmt::print(inv.err, "firedrill publish: {}\n", page.error().message);
    return kExitFailure;
  }
  if (!appended.ok()) {
    fmt::print(inv.err, "firedrill publish: published, but not recorded: {}\n",
               appended.error().message);
    return kExitStateError;
  }
  if (inv.args.Has("json")) {
    fmt::print(inv.out, "{}\n",
               json::serialize(json::object{{"run", facts.run_id},
                                            {"title", title},
                                            {"page_id", page->id},
                                            {"version", page->version},
                                            {"created", page->created},
                                            {"url", page->url}}));
  } else {
    fmt::print(inv.out, "{} \"{}\" (page {}, version {}): {}\n",
               page->created ? "created" : "updated", title, page->id, page->version, page->url);
  }
  return kExitOk;
}

}  // namespace

Command PublishCommand() {
  return Command{
      "publish",
      "firedrill publish ID --confluence URL --space KEY [--parent PAGE_ID] [--run RUN] "
      "[--credentials-file F] [--by NAME] [--json] [--state DIR]",
      "the postmortem of a drill run as a Confluence page, created once and updated after",
      "Publishes the postmortem of the latest run of drill ID (or of run RUN), as\n"
      "firedrill postmortem ID --format confluence writes it, to the Confluence page titled\n"
      "\"Postmortem: TITLE (RUN)\" in space KEY: created (under PAGE_ID with --parent) the\n"
      "first time, updated with the next version every time after, so publishing again never\n"
      "makes a second page. Through the REST API (URL/rest/api/content); retried after 429\n"
      "(as long as Retry-After says) and 5xx, and after a 409 with the version read again.\n"
      "The page's address, or why publishing failed, is recorded in the drill's record.\n"
      "\n"
      "Credentials are never taken from the command line: $FIREDRILL_CONFLUENCE_CREDENTIALS or\n"
      "the one line of --credentials-file F, either EMAIL:API_TOKEN (Confluence Cloud: Basic)\n"
      "or a personal access token (Data Center: Bearer).\n"
      "\n"
      "Options:\n"
      "  --confluence URL       the REST base: https://SITE.atlassian.net/wiki (Cloud) or the\n"
      "                         Data Center address with its context path\n"
      "  --space KEY            the space key, e.g. OPS\n"
      "  --parent PAGE_ID       publish under this page (default: the top of the space)\n"
      "  --run RUN              a given run of drill ID (see firedrill records show ID)\n"
      "  --credentials-file F   read the credentials from F instead of the environment\n"
      "  --by NAME              who published, for the record (default: firedrill publish)\n"
      "  --json                 {run, title, page_id, version, created, url}\n"
      "\n"
      "Example:\n"
      "  FIREDRILL_CONFLUENCE_CREDENTIALS=\"$(cat ~/.config/confluence)\" \\\n"
      "    firedrill publish checkout-db-blackhole --confluence https://acme.atlassian.net/wiki "
      "--space OPS\n"
      "\n"
      "Exit status: 0 published; 1 Confluence refused it or could not be reached (the reason\n"
      "is printed and recorded); 2 wrong usage or no credentials; 4 if the records cannot be\n"
      "read or written; 7 if no such drill or run.\n",
      ArgSpec{{"json"}, {"confluence", "space", "parent", "run", "credentials-file", "by"}, 1, 1},
      RunPublish};
}

}  // namespace firedrill
