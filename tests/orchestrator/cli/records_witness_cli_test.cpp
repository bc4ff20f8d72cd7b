// The witness from the command line: records checkpoint publishes to the operator's list (a file
// and an HTTP witness on 127.0.0.1), and records verify --witness reads them back, as a file, a
// URL or exported journal lines, and catches what the key holder did to the records.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "orchestrator/cli/command.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/witness_list.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/cli_run.h"
#include "tests/support/scoped_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_text.h"
#include "tests/support/witness_receiver.h"

using namespace firedrill;
using firedrill::testing::ScopedEnv;
using firedrill::testing::TempDir;
using firedrill::testing::WitnessReceiver;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

using Run = testing::CliResult;
using testing::Cli;

using firedrill::testing::ReadFile;

void Append(const fs::path& state, int first, int last) {
  auto db = Database::Open(state, OpenMode::kReadWrite);
  REQUIRE(db.ok());
  for (int i = first; i <= last; ++i) {
    REQUIRE(
        EventLog(*db)
            .Append({"drill-a", "step", "orchestrator", "{\"step\":" + std::to_string(i) + "}", {}})
            .ok());
  }
}

// Records with two checkpoints (after events 4 and 8), each published to a witness file and an
// HTTP witness named in the operator's list; events 9-10 after them. The public key is kept
// apart, as an auditor holds it.
struct Witnessed {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::path witness_file = tmp.path() / "audit" / "checkpoints.jsonl";
  fs::path list = tmp.path() / "witnesses";
  fs::path pem = tmp.path() / "firedrill.pub";
  WitnessReceiver http;
  ScopedEnv env{std::string(kWitnessListEnv), list.string()};

  Witnessed() {
    fs::create_directories(witness_file.parent_path());
    std::ofstream(list) << "# the operator's witnesses\norigin shop/checkout\nfile "
                        << witness_file.string() << "\nhttp " << http.url() << " timeout=5s\n";
    for (int round = 0; round < 2; ++round) {
      Append(state, 4 * round + 1, 4 * round + 4);
      Run cp = Cli({"records", "checkpoint", "--state", state.string()});
      INFO(cp.out << cp.err);
      REQUIRE(cp.status == kExitOk);
      std::string id = std::to_string(round + 1);
      CHECK_THAT(cp.out, Catch::Contains("checkpoint " + id + " published to file " +
                                         witness_file.string()));
      CHECK_THAT(cp.out,
                 Catch::Contains("checkpoint " + id + " published to http http://127.0.0.1:"));
    }
    Append(state, 9, 10);
    std::ofstream(pem) << Cli({"records", "pubkey", "--state", state.string()}).out;
  }

  Run Verify(const std::string& witness) {
    return Cli({"records", "verify", "--pubkey", pem.string(), "--witness", witness, "--state",
                state.string()});
  }
};

}  // namespace

TEST_CASE("records checkpoint publishes to every witness and verify --witness agrees",
          "[cli][records][witness]") {
  Witnessed f;
  CHECK(f.http.lines().size() == 2);
  CHECK(ReadFile(f.witness_file) == f.http.lines()[0] + "\n" + f.http.lines()[1] + "\n");

  for (const std::string& source : {f.witness_file.string(), f.http.url()}) {
    Run v = f.Verify(source);
    INFO(source << "\n" << v.out << v.err);
    CHECK(v.status == kExitOk);
    CHECK_THAT(v.out, Catch::Contains("ok: the records match all 2 checkpoints witnessed in"));
    CHECK_THAT(v.out, Catch::Contains("(origin shop/checkout); the newest, checkpoint 2"));
    CHECK_THAT(v.out, Catch::Contains("2 events (#9..#10) after the last witnessed checkpoint"));
  }
  // The URL's path is not repeated in the output: it may hold a secret.
  CHECK_THAT(f.Verify(f.http.url()).out, !Catch::Contains("/firedrill/checkpoints"));

  auto o = json::parse(Cli({"records", "verify", "--json", "--pubkey", f.pem.string(), "--witness",
                            f.witness_file.string(), "--state", f.state.string()})
                           .out)
               .as_object();
  CHECK(o.at("ok") == true);
  CHECK(o.at("witness").at("witnessed") == 2);
  CHECK(o.at("witness").at("last_witnessed").at("id") == 2);
  CHECK(o.at("witness").at("origin") == "shop/checkout");
}

TEST_CASE("records verify --witness catches what the key holder rewrote and re-signed",
          "[cli][records][witness]") {
  Witnessed f;
  // Whoever can write the state directory can read the key there: the last checkpoint deleted,
  // the events after the first one rewritten, and a new checkpoint signed with the real key.
  testing::TamperSql(f.state,
                     "DELETE FROM checkpoints WHERE id = 2;" +
                         testing::RewriteEventsSql(f.state, 6, "{\"step\":6,\"ok\":true}"));
  {
    ScopedEnv no_witness(std::string(kWitnessListEnv), (f.tmp.path() / "none").string());
    Run resign = Cli({"records", "checkpoint", "--state", f.state.string()});
    CHECK(resign.status == kExitFailure);  // the list it was pointed at does not exist
    CHECK_THAT(resign.out, Catch::Contains("checkpoint 2 NOT published to any witness"));
  }

  // The key and the chain agree with the forgery: without a witness it passes.
  Run alone = Cli({"records", "verify", "--pubkey", f.pem.string(), "--state", f.state.string()});
  CHECK(alone.status == kExitOk);
  CHECK_THAT(alone.out, Catch::Contains("not checked against a witness"));

  for (const std::string& source : {f.witness_file.string(), f.http.url()}) {
    Run v = f.Verify(source);
    INFO(source << "\n" << v.out << v.err);
    CHECK(v.status == kExitTampered);
    CHECK_THAT(v.out, Catch::Contains("TAMPERED: checkpoint 2 differs from the one "));
    CHECK_THAT(v.out, Catch::Contains(" line 2 holds (witnessed vs records: events up to #8 vs "
                                      "#10"));
    CHECK_THAT(v.out,
               Catch::Contains("TAMPERED: event 8 does not match checkpoint 2 witnessed at"));
    CHECK_THAT(v.out, Catch::Contains("events 5..8 were rewritten"));
    CHECK_THAT(v.out, Catch::Contains("bad checkpoint: 2"));
  }

  // The syslog witness, as an auditor gets it: lines exported from the journal.
  fs::path journal = f.tmp.path() / "journal.txt";
  {
    std::ofstream out(journal);
    out << "Mar 01 10:00:00 host sshd[9]: Accepted publickey for ops\n";
    std::istringstream lines(ReadFile(f.witness_file));
    for (std::string line; std::getline(lines, line);) {
      out << "Mar 01 10:00:01 host firedrill[42]: firedrill-checkpoint " << line << "\n";
    }
  }
  Run j = f.Verify(journal.string());
  CHECK(j.status == kExitTampered);
  CHECK_THAT(j.out, Catch::Contains("journal.txt line 3 holds"));
}

TEST_CASE("records checkpoint exits 1 naming the witness that did not get it",
          "[cli][records][witness]") {
  Witnessed f;
  f.http.FailWith(503);
  Append(f.state, 11, 11);
  Run cp = Cli({"records", "checkpoint", "--json", "--state", f.state.string()});
  CHECK(cp.status == kExitFailure);
  CHECK_THAT(cp.err, Catch::Contains("checkpoint 3 is signed and stored, but not every witness"));
  auto o = json::parse(cp.out).as_object();
  CHECK(o.at("id") == 3);
  const json::array& witnesses = o.at("witnesses").as_array();
  REQUIRE(witnesses.size() == 2);
  CHECK(witnesses[0].at("ok") == true);
  CHECK(witnesses[1].at("ok") == false);
  CHECK_THAT(std::string(witnesses[1].at("error").as_string()), Catch::Contains("HTTP 503"));
  // The file witness has it; the records are intact; the HTTP witness lags behind, which verify
  // notes without calling it tampering.
  Run v = f.Verify(f.http.url());
  CHECK(v.status == kExitOk);
  CHECK_THAT(v.out, Catch::Contains("note: the records hold 1 checkpoint newer than any in"));
}

TEST_CASE("records verify --witness refuses a source it cannot use, naming it",
          "[cli][records][witness]") {
  Witnessed f;
  Run missing = f.Verify((f.tmp.path() / "nope.jsonl").string());
  CHECK(missing.status == kExitFailure);
  CHECK_THAT(missing.err, Catch::Contains("nope.jsonl"));

  fs::path empty = f.tmp.path() / "empty.txt";
  std::ofstream(empty) << "nothing here\n";
  Run none = f.Verify(empty.string());
  CHECK(none.status == kExitFailure);
  CHECK_THAT(none.err, Catch::Contains("holds no witnessed firedrill checkpoint"));

  fs::path two = f.tmp.path() / "two.jsonl";
  {
    std::string line = f.http.lines()[0];
    std::string other = line;
    other.replace(other.find("shop/checkout"), 13, "shop/billing!");
    std::ofstream(two) << line << "\n" << other << "\n";
  }
  Run ambiguous = f.Verify(two.string());
  CHECK(ambiguous.status == kExitFailure);
  CHECK_THAT(ambiguous.err, Catch::Contains("--origin"));
  Run chosen = Cli({"records", "verify", "--pubkey", f.pem.string(), "--witness", two.string(),
                    "--origin", "shop/checkout", "--state", f.state.string()});
  CHECK(chosen.status == kExitOk);

  Run usage = Cli({"records", "verify", "--origin", "x", "--state", f.state.string()});
  CHECK(usage.status == kExitUsage);
}

TEST_CASE("records checkpoint without a witness list says nothing was published",
          "[cli][records][witness]") {
  if (fs::exists(std::string(kDefaultWitnessList))) {
    WARN("skipped: this machine has " << kDefaultWitnessList << ", which would be used");
    return;
  }
  TempDir tmp;
  ScopedEnv none(std::string(kWitnessListEnv), "");
  fs::path state = tmp.path() / "state";
  Append(state, 1, 2);
  Run cp = Cli({"records", "checkpoint", "--state", state.string()});
  CHECK(cp.status == kExitOk);
  CHECK_THAT(cp.out, Catch::Contains("checkpoint 1 not published to a witness: no witness list"));
}
