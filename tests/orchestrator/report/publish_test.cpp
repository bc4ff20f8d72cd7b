// `firedrill publish` against a local Confluence stand-in that checks what Atlassian's REST API
// (/wiki/rest/api/content) requires of each request: the method and path, the Authorization
// header, the JSON body's shape, the next version on update. It answers as Confluence does,
// errors included: 401 for wrong credentials, 404 for a missing parent, 409 for a stale version,
// 429 with Retry-After and 503. No real Confluence is reachable from here.
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "orchestrator/exit_status.h"
#include "tests/orchestrator/report/recorded_runs.h"
#include "tests/support/cli_run.h"
#include "tests/support/scripted_http_server.h"
#include "tests/support/temp_dir.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
namespace http = boost::beast::http;

// "alice@example.com:api-token" as Confluence Cloud expects it (Basic, base64).
constexpr char kCredentials[] = "alice@example.com:api-token";
constexpr char kBasic[] = "Basic YWxpY2VAZXhhbXBsZS5jb206YXBpLXRva2Vu";

struct Page {
  std::string title;
  std::int64_t version = 1;
  std::string storage;
  std::string parent;
};

// A Confluence stand-in: one space, OPS, with the page 100 to publish under.
class FakeConfluence {
 public:
  FakeConfluence() : server_([this](const Request& req) { return Handle(req); }) {
    pages_["100"] = Page{"Postmortems", 7, "<p>index</p>", ""};
  }

  std::string base() const { return server_.origin() + "/wiki"; }
  /// The next requests get these statuses (429 carries Retry-After: 1).
  void FailNext(std::vector<int> statuses) { server_.FailNext(std::move(statuses)); }
  /// Someone else saves a version of every page right after the next lookup.
  void EditAfterNextLookup() {
    std::lock_guard lock(mu_);
    edit_after_lookup_ = true;
  }
  std::vector<std::string> log() const { return server_.log(); }
  std::map<std::string, Page> pages() {
    std::lock_guard lock(mu_);
    return pages_;
  }

 private:
  using Request = testing::ScriptedHttpServer::Request;
  using Reply = testing::ScriptedHttpServer::Reply;

  static Reply Answer(int status, const json::value& body) {
    return Reply{status, json::serialize(body)};
  }

  static json::object PageJson(const std::string& id, const Page& p) {
    return {{"id", id},
            {"type", "page"},
            {"title", p.title},
            {"version", {{"number", p.version}}},
            {"_links",
             {{"base", "https://acme.atlassian.net/wiki"}, {"webui", "/spaces/OPS/pages/" + id}}}};
  }

  // The checks of Atlassian's REST API documentation for a page in storage format.
  static std::string BodyProblem(const json::value& v, bool update) {
    if (!v.is_object()) return "not a JSON object";
    const json::object& o = v.as_object();
    if (!o.contains("type") || o.at("type") != "page") return "type must be \"page\"";
    if (!o.contains("title") || !o.at("title").is_string()) return "title missing";
    const json::value* space = o.if_contains("space");
    if (space == nullptr || !space->is_object() || !space->as_object().contains("key")) {
      return "space.key missing";
    }
    const json::value* body = o.if_contains("body");
    const json::value* storage =
        body != nullptr && body->is_object() ? body->as_object().if_contains("storage") : nullptr;
    if (storage == nullptr || !storage->is_object() ||
        storage->as_object().if_contains("representation") == nullptr ||
        storage->as_object().at("representation") != "storage" ||
        !storage->as_object().contains("value")) {
      return "body.storage.value with representation \"storage\" missing";
    }
    if (update && (!o.contains("version") || !o.at("version").is_object())) {
      return "version missing";
    }
    return "";
  }

  Reply Handle(const Request& req) {
    std::lock_guard lock(mu_);
    if (req[http::field::authorization] != kBasic) {
      return Answer(401, json::object{{"message", "Unauthorized"}});
    }
    const std::string target(req.target());
    const std::string api = "/wiki/rest/api/content";
    if (req.method() == http::verb::get && target.rfind(api + "?", 0) == 0) {
      const std::string query = testing::DecodeQuery(target.substr(api.size() + 1));
      json::array results;
      for (const auto& [id, page] : pages_) {
        if (query.find("spaceKey=OPS&") != std::string::npos &&
            query.find("&title=" + page.title + "&") != std::string::npos) {
          results.push_back(PageJson(id, page));
        }
      }
      if (edit_after_lookup_) {
        for (auto& [id, page] : pages_) ++page.version;
        edit_after_lookup_ = false;
      }
      return Answer(200, json::object{{"results", results}, {"size", results.size()}});
    }
    if (req[http::field::content_type] != "application/json") {
      return Answer(415, json::object{{"message", "Unsupported Media Type"}});
    }
    boost::system::error_code ec;
    json::value body = json::parse(req.body(), ec);
    if (ec) return Answer(400, json::object{{"message", "invalid JSON"}});
    if (req.method() == http::verb::post && target == api) {
      if (std::string problem = BodyProblem(body, false); !problem.empty()) {
        return Answer(400, json::object{{"message", problem}});
      }
      const json::object& o = body.as_object();
      if (o.at("space").at("key") != "OPS") {
        return Answer(404, json::object{{"message", "No space with key"}});
      }
      Page page{std::string(o.at("title").as_string()), 1,
                std::string(o.at("body").at("storage").at("value").as_string()), ""};
      if (const json::value* ancestors = o.if_contains("ancestors")) {
        page.parent = std::string(ancestors->at(0).at("id").as_string());
        if (!pages_.contains(page.parent)) {
          return Answer(404, json::object{{"message", "No parent page"}});
        }
      }
      const std::string id = std::to_string(200 + pages_.size());
      pages_[id] = page;
      return Answer(200, PageJson(id, page));
    }
    if (req.method() == http::verb::put && target.rfind(api + "/", 0) == 0) {
      const std::string id = target.substr(api.size() + 1);
      auto it = pages_.find(id);
      if (it == pages_.end()) return Answer(404, json::object{{"message", "No page"}});
      if (std::string problem = BodyProblem(body, true); !problem.empty()) {
        return Answer(400, json::object{{"message", problem}});
      }
      if (body.at("version").at("number").as_int64() != it->second.version + 1) {
        return Answer(409, json::object{{"message", "Version must be incremented"}});
      }
      it->second.version += 1;
      it->second.storage = std::string(body.at("body").at("storage").at("value").as_string());
      return Answer(200, PageJson(id, it->second));
    }
    return Answer(404, json::object{{"message", "No such resource"}});
  }

  std::mutex mu_;
  std::map<std::string, Page> pages_;
  bool edit_after_lookup_ = false;
  testing::ScriptedHttpServer server_;  // last: stops before the pages go
};

// A state directory holding one recorded run of the restore-failed fixture.
struct Recorded {
  testing::TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path credentials = tmp.path() / "confluence";
  Recorded() {
    testing::RecordRunIn(state, "restore-failed");
    std::ofstream(credentials) << kCredentials << "\n";
  }
  testing::CliResult Publish(const FakeConfluence& confluence, std::vector<std::string> extra = {},
                             const fs::path* with = nullptr) {
    std::vector<std::string> args{"publish",
                                  "checkout-restore-failed",
                                  "--confluence",
                                  confluence.base(),
                                  "--space",
                                  "OPS",
                                  "--credentials-file",
                                  (with != nullptr ? *with : credentials).string(),
                                  "--state",
                                  state.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return testing::Cli(args);
  }
  // The (channel, target or error) of every notice event of the drill, in order.
  std::vector<std::string> Notices() {
    std::vector<std::string> out;
    for (const auto& [kind, p] : testing::NoticesIn(state, "checkout-restore-failed")) {
      out.push_back(kind + " " + std::string(p.at("channel").as_string()) + " " +
                    std::string(p.contains("error") ? p.at("error").as_string()
                                                    : p.at("target").as_string()));
    }
    return out;
  }
};

}  // namespace

TEST_CASE("publish creates the postmortem page once, under its parent, then updates it in place",
          "[report][publish]") {
  FakeConfluence confluence;
  Recorded rec;
  testing::CliResult first = rec.Publish(confluence, {"--parent", "100", "--json"});
  INFO(first.err);
  REQUIRE(first.status == kExitOk);
  json::object out = json::parse(first.out).as_object();
  CHECK(out.at("created").as_bool());
  CHECK(out.at("version").as_int64() == 1);
  const std::string id(out.at("page_id").as_string());
  CHECK(std::string(out.at("url").as_string()) ==
        "https://acme.atlassian.net/wiki/spaces/OPS/pages/" + id);
  std::map<std::string, Page> pages = confluence.pages();
  REQUIRE(pages.size() == 2);
  CHECK(pages.at(id).parent == "100");
  CHECK_THAT(pages.at(id).title, Catch::StartsWith("Postmortem: ") &&
                                     Catch::Contains(testing::RecordedRunId("restore-failed")));
  CHECK_THAT(pages.at(id).storage, Catch::Contains("<ac:structured-macro"));

  // Published again: the same page, the next version, no second page.
  testing::CliResult again = rec.Publish(confluence, {"--parent", "100"});
  INFO(again.err);
  REQUIRE(again.status == kExitOk);
  CHECK_THAT(again.out, Catch::StartsWith("updated \"Postmortem: ") &&
                            Catch::Contains("(page " + id + ", version 2)"));
  CHECK(confluence.pages().size() == 2);
  CHECK(confluence.pages().at(id).version == 2);
  // Someone edits the page between the lookup and the update: 409, read again, saved on top.
  confluence.EditAfterNextLookup();
  testing::CliResult edited = rec.Publish(confluence);
  INFO(edited.err);
  REQUIRE(edited.status == kExitOk);
  CHECK(confluence.pages().at(id).version == 4);
  const std::vector<std::string> log = confluence.log();
  CHECK(std::count_if(log.begin(), log.end(),
                      [](const std::string& l) { return l.rfind("PUT ", 0) == 0; }) == 3);
  // Each publish is in the record, with where the page is.
  const std::vector<std::string> notices = rec.Notices();
  REQUIRE(notices.size() == 3);
  for (const std::string& n : notices) {
    CHECK(n ==
          "notice-delivered confluence https://acme.atlassian.net/wiki/spaces/OPS/pages/" + id);
  }
}

TEST_CASE("publish waits out 429 and 503, and says what Confluence refused", "[report][publish]") {
  FakeConfluence confluence;
  Recorded rec;
  confluence.FailNext({429, 503});
  testing::CliResult busy = rec.Publish(confluence);
  INFO(busy.err);
  CHECK(busy.status == kExitOk);
  CHECK_THAT(busy.out, Catch::StartsWith("created "));

  const fs::path wrong = rec.tmp.path() / "wrong";
  std::ofstream(wrong) << "alice@example.com:expired\n";
  testing::CliResult refused = rec.Publish(confluence, {}, &wrong);
  CHECK(refused.status == kExitFailure);
  CHECK_THAT(refused.err, Catch::Contains("refused the credentials") &&
                              Catch::Contains("HTTP 401") && Catch::Contains("space OPS"));
  CHECK_THAT(refused.err, !Catch::Contains("expired"));  // the secret is never printed

  FakeConfluence empty;
  testing::CliResult orphan = rec.Publish(empty, {"--parent", "999"});
  CHECK(orphan.status == kExitFailure);
  CHECK_THAT(orphan.err, Catch::Contains("parent page 999") && Catch::Contains("No parent page"));
  CHECK(empty.pages().size() == 1);

  const std::vector<std::string> notices = rec.Notices();
  REQUIRE(notices.size() == 3);
  CHECK_THAT(notices[0], Catch::StartsWith("notice-delivered confluence https://"));
  CHECK_THAT(notices[1], Catch::StartsWith("notice-failed confluence Confluence refused"));
  CHECK_THAT(notices[2], Catch::StartsWith("notice-failed confluence Confluence found no"));
}

TEST_CASE("publish takes credentials from a file or the environment, never the command line",
          "[report][publish]") {
  FakeConfluence confluence;
  Recorded rec;
  testing::CliResult none =
      testing::Cli({"publish", "checkout-restore-failed", "--confluence", confluence.base(),
                    "--space", "OPS", "--state", rec.state.string()});
  CHECK(none.status == kExitUsage);
  CHECK_THAT(none.err, Catch::Contains("FIREDRILL_CONFLUENCE_CREDENTIALS"));
  CHECK(confluence.log().empty());
  ::setenv("FIREDRILL_CONFLUENCE_CREDENTIALS", kCredentials, 1);
  testing::CliResult env =
      testing::Cli({"publish", "checkout-restore-failed", "--confluence", confluence.base(),
                    "--space", "OPS", "--state", rec.state.string()});
  ::unsetenv("FIREDRILL_CONFLUENCE_CREDENTIALS");
  INFO(env.err);
  CHECK(env.status == kExitOk);
  CHECK(
      testing::Cli({"publish", "no-such-drill", "--confluence", confluence.base(), "--space", "OPS",
                    "--credentials-file", rec.credentials.string(), "--state", rec.state.string()})
          .status == kExitNotFound);
}

}  // namespace firedrill
