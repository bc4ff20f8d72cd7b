// `firedrill actions ID --jira URL --project KEY` against a local Jira stand-in that checks what
// Jira's REST API (/rest/api/2) requires of each request: the Authorization header, a JSON body
// of issue fields (project key, summary, issue type, labels without spaces, a known priority, a
// due date as YYYY-MM-DD), and the JQL search by label. It answers as Jira does, errors included
// (401, 400 with errorMessages and errors, 429 with Retry-After). No real Jira is reachable here.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/exit_status.h"
#include "orchestrator/report/action_items.h"
#include "orchestrator/report/postmortem.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/cli_run.h"
#include "tests/support/scripted_http_server.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace http = boost::beast::http;
using testing::ScriptedHttpServer;

constexpr char kJiraCredentials[] = "alice@example.com:jira-token";
constexpr char kJiraBasic[] = "Basic YWxpY2VAZXhhbXBsZS5jb206amlyYS10b2tlbg==";

struct Issue {
  std::string key;
  json::object fields;
};

// A Jira stand-in with one project, OPS.
class FakeJira {
 public:
  FakeJira() : server_([this](const ScriptedHttpServer::Request& r) { return Handle(r); }) {}

  std::string base() const { return server_.origin(); }
  void FailNext(std::vector<int> statuses) { server_.FailNext(std::move(statuses)); }
  std::vector<Issue> issues() {
    std::lock_guard lock(mu_);
    return issues_;
  }

 private:
  using Reply = ScriptedHttpServer::Reply;

  static Reply Errors(int status, const json::object& errors) {
    return Reply{status, json::serialize(
                             json::object{{"errorMessages", json::array{}}, {"errors", errors}})};
  }

  // What Jira checks of the fields of a new issue.
  static std::string FieldProblem(const json::object& f) {
    if (!f.contains("summary") || !f.at("summary").is_string() ||
        f.at("summary").as_string().empty()) {
      return "summary";
    }
    if (!f.contains("issuetype") || !f.at("issuetype").is_object()) return "issuetype";
    if (!f.contains("labels") || !f.at("labels").is_array()) return "labels";
    for (const json::value& l : f.at("labels").as_array()) {
      if (!l.is_string() || std::string(l.as_string()).find(' ') != std::string::npos) {
        return "labels";
      }
    }
    if (const json::value* p = f.if_contains("priority")) {
      static const std::vector<std::string> kKnown = {"Highest", "High", "Medium", "Low", "Lowest"};
      if (std::find(kKnown.begin(), kKnown.end(), std::string(p->at("name").as_string())) ==
          kKnown.end()) {
        return "priority";
      }
    }
    if (const json::value* d = f.if_contains("duedate")) {
      const std::string due(d->as_string());
      if (due.size() != 10 || due[4] != '-' || due[7] != '-') return "duedate";
    }
    return "";
  }

  Reply Handle(const ScriptedHttpServer::Request& req) {
    std::lock_guard lock(mu_);
    if (req[http::field::authorization] != kJiraBasic) return Reply{401, ""};
    const std::string target(req.target());
    const std::string search = "/rest/api/2/search?jql=";
    if (req.method() == http::verb::get && target.rfind(search, 0) == 0) {
      const std::string jql = testing::DecodeQuery(target.substr(search.size()));
      json::array found;
      for (const Issue& issue : issues_) {
        for (const json::value& l : issue.fields.at("labels").as_array()) {
          if (jql.find("labels = \"" + std::string(l.as_string()) + "\"") != std::string::npos &&
              std::string(l.as_string()).rfind("firedrill-item-", 0) == 0) {
            found.push_back(json::object{{"key", issue.key}});
          }
        }
      }
      return Reply{200, json::serialize(json::object{{"issues", found}})};
    }
    if (req.method() == http::verb::post && target == "/rest/api/2/issue") {
      if (req[http::field::content_type] != "application/json") return Reply{415, ""};
      boost::system::error_code ec;
      json::value body = json::parse(req.body(), ec);
      if (ec || !body.is_object() || !body.as_object().contains("fields")) {
        return Reply{400, R"({"errorMessages":["Unexpected body"],"errors":{}})"};
      }
      json::object fields = body.at("fields").as_object();
      if (!fields.contains("project") || fields.at("project").at("key") != "OPS") {
        return Errors(400, {{"project", "valid project is required"}});
      }
      if (std::string field = FieldProblem(fields); !field.empty()) {
        return Errors(400, {{field, "is not valid"}});
      }
      Issue issue{"OPS-" + std::to_string(100 + issues_.size()), fields};
      issues_.push_back(issue);
      return Reply{
          201, json::serialize(json::object{{"id", std::to_string(10000 + issues_.size())},
                                            {"key", issue.key},
                                            {"self", base() + "/rest/api/2/issue/" + issue.key}})};
    }
    return Reply{404, R"({"errorMessages":["Not found"],"errors":{}})"};
  }

  std::mutex mu_;
  std::vector<Issue> issues_;
  ScriptedHttpServer server_;  // last: stops before the issues go
};

// A recorded run of the restore-failed fixture with the team's edited postmortem.
struct RecordedWithPostmortem {
  testing::TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path credentials = tmp.path() / "jira";
  fs::path postmortem;
  RecordedWithPostmortem() {
    testing::RecordRunIn(state, "restore-failed");
    postmortem = PostmortemPath(state, testing::RecordedRunId("restore-failed"));
    fs::create_directories(postmortem.parent_path());
    std::ofstream(postmortem) << testing::kEditedPostmortem;
    std::ofstream(credentials) << kJiraCredentials << "\n";
  }
  testing::CliResult File(const FakeJira& jira, const std::string& project = "OPS",
                          const fs::path* with = nullptr) {
    return testing::Cli({"actions", "checkout-restore-failed", "--jira", jira.base(), "--project",
                         project, "--credentials-file",
                         (with != nullptr ? *with : credentials).string(), "--state",
                         state.string()});
  }
  std::string Text() const {
    std::ifstream in(postmortem, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> Jira() {
    std::vector<std::string> out;
    for (const auto& [kind, p] : testing::NoticesIn(state, "checkout-restore-failed")) {
      if (p.at("channel") != "jira") continue;
      out.push_back(kind + " " + std::string(p.at("target").as_string()) + " " +
                    std::to_string(p.at("attempts").as_int64()));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("actions --jira files each item once and writes the keys into the postmortem",
          "[report][actions][jira]") {
  FakeJira jira;
  RecordedWithPostmortem rec;
  jira.FailNext({429});
  testing::CliResult first = rec.File(jira);
  INFO(first.out << first.err);
  REQUIRE(first.status == kExitOk);
  // OPS-12 was in the table already; the other two are filed.
  CHECK_THAT(first.out, Catch::Contains("OPS-12  already in the table"));
  std::vector<Issue> issues = jira.issues();
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].fields.at("summary") ==
        "Page the DBA on-call too, not only SRE | with \"context\", please");
  CHECK(issues[0].fields.at("priority").at("name") == "Medium");
  CHECK_FALSE(issues[1].fields.contains("priority"));  // "urgent-ish" is not Jira's
  CHECK(issues[0].fields.at("labels").as_array().at(1) == "drill-checkout-restore-failed");
  // The keys are in the Ticket cells; every other line is as the team wrote it.
  const std::string text = rec.Text();
  CHECK_THAT(text, Catch::Contains("| process | Page the DBA on-call too, not only SRE \\| with "
                                   "\"context\", please | bob | Medium | OPS-100 |  |"));
  CHECK_THAT(text, Catch::Contains("| mitigate | Add a query probe for PostgreSQL |  | "
                                   "urgent-ish | OPS-101 |  |"));
  CHECK(WithTickets(testing::kEditedPostmortem, {"", "OPS-100", "OPS-101"}) == text);
  CHECK(ActionItemsOf(text).at(1).ticket == "OPS-100");
  // Requests per item: the search and the creation, and the first item's search once more
  // after the 429.
  std::vector<std::string> recorded = rec.Jira();
  CHECK(recorded ==
        std::vector<std::string>{"notice-delivered " + jira.base() + "/browse/OPS-100 3",
                                 "notice-delivered " + jira.base() + "/browse/OPS-101 2"});

  // Again: every item has its ticket; nothing is filed.
  testing::CliResult again = rec.File(jira);
  CHECK(again.status == kExitOk);
  CHECK(jira.issues().size() == 2);

  // The table lost its keys (a crash before they were written, or another copy): the issues
  // are found by their labels, not filed twice.
  std::ofstream(rec.postmortem, std::ios::trunc) << testing::kEditedPostmortem;
  testing::CliResult found = rec.File(jira);
  INFO(found.out << found.err);
  CHECK(found.status == kExitOk);
  CHECK_THAT(found.out, Catch::Contains("OPS-100  found (filed before)"));
  CHECK(jira.issues().size() == 2);
  CHECK(rec.Text() == text);
}

TEST_CASE("actions --jira says what Jira refused and leaves the postmortem as it was",
          "[report][actions][jira]") {
  FakeJira jira;
  RecordedWithPostmortem rec;
  const fs::path wrong = rec.tmp.path() / "wrong";
  std::ofstream(wrong) << "alice@example.com:revoked\n";
  testing::CliResult refused = rec.File(jira, "OPS", &wrong);
  CHECK(refused.status == kExitFailure);
  CHECK_THAT(refused.err,
             Catch::Contains("Jira refused the credentials") && Catch::Contains("HTTP 401"));
  CHECK_THAT(refused.err, !Catch::Contains("revoked"));
  CHECK(rec.Text() == testing::kEditedPostmortem);

  testing::CliResult unknown = rec.File(jira, "NOPE");
  CHECK(unknown.status == kExitFailure);
  CHECK_THAT(unknown.err, Catch::Contains("project: valid project is required"));
  CHECK(jira.issues().empty());
  CHECK(rec.Text() == testing::kEditedPostmortem);
  const std::vector<std::string> recorded = rec.Jira();
  REQUIRE(recorded.size() == 4);
  for (const std::string& r : recorded) CHECK_THAT(r, Catch::StartsWith("notice-failed"));

  CHECK(testing::Cli({"actions", "checkout-restore-failed", "--jira", jira.base(), "--state",
                      rec.state.string()})
            .status == kExitUsage);  // no --project
}

}  // namespace firedrill
