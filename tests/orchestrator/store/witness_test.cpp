// Witnesses: the operator's list, publishing a checkpoint to a file, a syslog socket and an HTTP
// service (a real one on 127.0.0.1), and reading the witnessed checkpoints back from each.
#include "orchestrator/store/witness.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/witness_http.h"
#include "orchestrator/store/witness_list.h"
#include "orchestrator/store/witness_publish.h"
#include "tests/support/scoped_env.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificate.h"
#include "tests/support/test_text.h"
#include "tests/support/witness_receiver.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;
using testing::ScopedEnv;
using testing::TempDir;
using testing::WitnessReceiver;

using firedrill::testing::ReadFile;

// Two signed checkpoints of a small log.
std::vector<Checkpoint> TwoCheckpoints(const fs::path& state) {
  std::vector<Checkpoint> out;
  for (int round = 0; round < 2; ++round) {
    auto db = Database::Open(state, OpenMode::kReadWrite);
    REQUIRE(db.ok());
    REQUIRE(EventLog(*db).Append({"drill-a", "step", "orchestrator", "{}", {}}).ok());
    auto cp = WriteCheckpoint(*db, state);
    REQUIRE(cp.ok());
    out.push_back(*cp);
  }
  return out;
}

WitnessList ListOf(std::vector<Witness> witnesses) {
  WitnessList list;
  list.origin = "ops/checkout";
  list.witnesses = std::move(witnesses);
  return list;
}

Witness Of(WitnessKind kind, std::string target) {
  Witness w;
  w.kind = kind;
  w.target = std::move(target);
  w.timeout = std::chrono::milliseconds(5000);
  return w;
}

TEST_CASE("a witness list parses its entries and names the line of each error", "[witness]") {
  auto list = ParseWitnessList(
      "# where checkpoints go\n"
      "origin ops/checkout\n"
      "file /mnt/audit/checkpoints.jsonl   # another volume\n"
      "syslog\n"
      "syslog /run/systemd/journal/dev-log\n"
      "http https://witness.example.com/fd/SECRET timeout=2s ca=/etc/ssl/witness-ca.pem\n",
      "witnesses", "host:/state");
  REQUIRE(list.ok());
  CHECK(list->origin == "ops/checkout");
  REQUIRE(list->witnesses.size() == 4);
  CHECK(list->witnesses[0].Describe() == "file /mnt/audit/checkpoints.jsonl");
  CHECK(list->witnesses[1].Describe() == "syslog /dev/log");
  CHECK(list->witnesses[2].target == "/run/systemd/journal/dev-log");
  CHECK(list->witnesses[3].timeout == std::chrono::seconds(2));
  CHECK(list->witnesses[3].ca_file == fs::path("/etc/ssl/witness-ca.pem"));
  // The URL's path may hold a secret: messages show its origin only.
  CHECK(list->witnesses[3].Describe().find("SECRET") == std::string::npos);

  auto defaulted = ParseWitnessList("file /w\n", "w", "host:/state");
  REQUIRE(defaulted.ok());
  CHECK(defaulted->origin == "host:/state");

  auto error = [](const std::string& text) {
    auto parsed = ParseWitnessList(text, "witnesses", "o");
    REQUIRE_FALSE(parsed.ok());
    return parsed.error().message;
  };
  CHECK_THAT(error("file /w\nfile relative/path\n"), Catch::StartsWith("witnesses:2: "));
  CHECK_THAT(error("ftp://x\n"), Catch::Contains("witnesses:1: unknown entry \"ftp://x\""));
  CHECK_THAT(error("http http://h/ timeout=soon\n"), Catch::Contains("witnesses:1: \"timeout="));
  CHECK_THAT(error("http http://h/ ca=/ca.pem\n"), Catch::Contains("ca= is for https"));
  CHECK_THAT(error("http not-a-url\n"), Catch::StartsWith("witnesses:1: "));
  CHECK_THAT(error("origin a\norigin b\nfile /w\n"), Catch::Contains("witnesses:2: a second"));
  CHECK_THAT(error("# nothing\n"), Catch::Contains("names no witness"));
}

TEST_CASE("the witness list must live outside the state directory", "[witness]") {
  TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::create_directories(state);
  SECTION("no list configured: nothing to publish to") {
    if (fs::exists(std::string(kDefaultWitnessList))) {
      WARN("skipped: this machine has " << kDefaultWitnessList);
      return;
    }
    ScopedEnv none(std::string(kWitnessListEnv), "");
    auto list = LoadWitnessList(state);
    REQUIRE(list.ok());
    CHECK_FALSE(list->has_value());
  }
  SECTION("the environment names a list that does not exist") {
    ScopedEnv env(std::string(kWitnessListEnv), (tmp.path() / "missing").string());
    auto list = LoadWitnessList(state);
    REQUIRE_FALSE(list.ok());
    CHECK_THAT(list.error().message, Catch::Contains("does not exist"));
  }
  SECTION("a list inside the state directory is refused") {
    std::ofstream(state / "witnesses") << "file /elsewhere\n";
    ScopedEnv env(std::string(kWitnessListEnv), (state / "witnesses").string());
    auto list = LoadWitnessList(state);
    REQUIRE_FALSE(list.ok());
    CHECK_THAT(list.error().message, Catch::Contains("is inside the state directory"));
  }
  SECTION("a file witness inside the state directory is refused") {
    std::ofstream(tmp.path() / "witnesses") << "file " << (state / "w.jsonl").string() << "\n";
    ScopedEnv env(std::string(kWitnessListEnv), (tmp.path() / "witnesses").string());
    auto list = LoadWitnessList(state);
    REQUIRE_FALSE(list.ok());
    CHECK_THAT(list.error().message, Catch::Contains(":1: the witness file"));
  }
  SECTION("a list outside, with its default origin") {
    std::ofstream(tmp.path() / "witnesses") << "file " << (tmp.path() / "w.jsonl").string() << "\n";
    ScopedEnv env(std::string(kWitnessListEnv), (tmp.path() / "witnesses").string());
    auto list = LoadWitnessList(state);
    REQUIRE(list.ok());
    REQUIRE(list->has_value());
    CHECK_THAT((*list)->origin, Catch::EndsWith(":" + fs::canonical(state).string()));
  }
}

TEST_CASE("a checkpoint published to a file witness reads back field for field", "[witness]") {
  TempDir tmp;
  std::vector<Checkpoint> cps = TwoCheckpoints(tmp.path() / "state");
  fs::path file = tmp.path() / "audit" / "checkpoints.jsonl";
  fs::create_directories(file.parent_path());
  WitnessList list = ListOf({Of(WitnessKind::kFile, file.string())});
  for (const Checkpoint& cp : cps) {
    auto done = PublishCheckpoint(cp, list);
    REQUIRE(done.size() == 1);
    INFO(done[0].error);
    CHECK(done[0].ok);
  }
  auto source = ParseWitnessText(ReadFile(file), file.string());
  REQUIRE(source.ok());
  REQUIRE(source->checkpoints.size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const WitnessedCheckpoint& w = source->checkpoints[i];
    CHECK(w.origin == "ops/checkout");
    CHECK(w.line == static_cast<std::int64_t>(i) + 1);
    CHECK(w.checkpoint.id == cps[i].id);
    CHECK(w.checkpoint.seq == cps[i].seq);
    CHECK(w.checkpoint.ts == cps[i].ts);
    CHECK(w.checkpoint.head_hash == cps[i].head_hash);
    CHECK(w.checkpoint.prev_hash == cps[i].prev_hash);
    CHECK(w.checkpoint.prev_seq == cps[i].prev_seq);
    CHECK(w.checkpoint.key_id == cps[i].key_id);
    CHECK(w.checkpoint.signature == cps[i].signature);
    CHECK(w.checkpoint.version == kCheckpointV2);
  }

  WitnessList unwritable = ListOf({Of(WitnessKind::kFile, (tmp.path() / "no/such/dir").string())});
  auto failed = PublishCheckpoint(cps[0], unwritable);
  REQUIRE(failed.size() == 1);
  CHECK_FALSE(failed[0].ok);
  CHECK_THAT(failed[0].error, Catch::Contains("no/such/dir"));
}

TEST_CASE("a checkpoint published to a syslog socket arrives as a tagged message", "[witness]") {
  TempDir tmp;
  std::vector<Checkpoint> cps = TwoCheckpoints(tmp.path() / "state");
  // A stand-in for /dev/log: a datagram socket bound in the test's directory.
  fs::path socket_path = tmp.path() / "log";
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(socket_path.string().size() < sizeof address.sun_path);
  std::strcpy(address.sun_path, socket_path.c_str());
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);

  auto done = PublishCheckpoint(cps[1], ListOf({Of(WitnessKind::kSyslog, socket_path.string())}));
  REQUIRE(done.size() == 1);
  INFO(done[0].error);
  CHECK(done[0].ok);
  char buffer[8192];
  ssize_t n =
      recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);  // sent before PublishCheckpoint returned
  close(fd);
  REQUIRE(n > 0);
  std::string message(buffer, static_cast<std::size_t>(n));
  CHECK_THAT(message, Catch::StartsWith("<13>"));
  CHECK_THAT(message, Catch::Contains(" firedrill[" + std::to_string(getpid()) +
                                      "]: "
                                      "firedrill-checkpoint {"));
  // As journalctl -o short would show it: a prefix, then the message.
  auto source = ParseWitnessText(
      "Mar 01 10:00:00 host " + message.substr(message.find("firedrill[")), "journal.txt");
  REQUIRE(source.ok());
  REQUIRE(source->checkpoints.size() == 1);
  CHECK(source->checkpoints[0].checkpoint.signature == cps[1].signature);

  auto refused =
      PublishCheckpoint(cps[1], ListOf({Of(WitnessKind::kSyslog, socket_path.string())}));
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(refused[0].ok);  // nobody listens any more
  CHECK_THAT(refused[0].error, Catch::Contains(socket_path.string()));
}

TEST_CASE("a checkpoint published to an HTTP witness is served back by GET", "[witness]") {
  TempDir tmp;
  std::vector<Checkpoint> cps = TwoCheckpoints(tmp.path() / "state");
  WitnessReceiver receiver;
  WitnessList list = ListOf({Of(WitnessKind::kHttp, receiver.url())});
  for (const Checkpoint& cp : cps) {
    auto done = PublishCheckpoint(cp, list);
    REQUIRE(done.size() == 1);
    INFO(done[0].error);
    CHECK(done[0].ok);
  }
  REQUIRE(receiver.lines().size() == 2);
  CHECK(receiver.lines()[1] == WitnessRecord(cps[1], "ops/checkout"));

  WitnessHttpRequest get;
  get.url = receiver.url();
  auto answer = ExchangeWithWitness(get);
  REQUIRE(answer.ok());
  CHECK(answer->status == 200);
  auto source = ParseWitnessText(answer->body, receiver.url());
  REQUIRE(source.ok());
  REQUIRE(source->checkpoints.size() == 2);
  CHECK(source->checkpoints[0].checkpoint.head_hash == cps[0].head_hash);

  receiver.FailWith(503);
  auto failed = PublishCheckpoint(cps[1], list);
  REQUIRE(failed.size() == 1);
  CHECK_FALSE(failed[0].ok);
  CHECK_THAT(failed[0].error, Catch::Contains("HTTP 503"));
  CHECK(receiver.lines().size() == 2);
}

TEST_CASE("an HTTPS witness is trusted through the CA the list names, and only through it",
          "[witness]") {
  TempDir tmp;
  std::vector<Checkpoint> cps = TwoCheckpoints(tmp.path() / "state");
  testing::TestCertificate cert =
      testing::MakeTestCertificate(tmp.path(), "witness", "IP:127.0.0.1");
  WitnessReceiver receiver(cert);
  REQUIRE(receiver.url().starts_with("https://127.0.0.1:"));

  // The system's CAs do not know the witness's certificate: nothing is sent in the clear.
  auto untrusted = PublishCheckpoint(cps[0], ListOf({Of(WitnessKind::kHttp, receiver.url())}));
  REQUIRE(untrusted.size() == 1);
  CHECK_FALSE(untrusted[0].ok);
  CHECK(receiver.lines().empty());

  Witness trusted = Of(WitnessKind::kHttp, receiver.url());
  trusted.ca_file = cert.cert;
  auto done = PublishCheckpoint(cps[0], ListOf({trusted}));
  REQUIRE(done.size() == 1);
  INFO(done[0].error);
  CHECK(done[0].ok);
  REQUIRE(receiver.lines().size() == 1);

  WitnessHttpRequest get;
  get.url = receiver.url();
  get.ca_file = cert.cert;
  auto answer = ExchangeWithWitness(get);
  REQUIRE(answer.ok());
  auto source = ParseWitnessText(answer->body, "https witness");
  REQUIRE(source.ok());
  CHECK(source->checkpoints.at(0).checkpoint.signature == cps[0].signature);

  // A certificate for another name is refused even with its CA trusted.
  testing::TestCertificate other = testing::MakeTestCertificate(tmp.path(), "other", "DNS:else");
  WitnessReceiver wrong_name(other);
  Witness mismatched = Of(WitnessKind::kHttp, wrong_name.url());
  mismatched.ca_file = other.cert;
  auto refused = PublishCheckpoint(cps[0], ListOf({mismatched}));
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(refused[0].ok);
  CHECK(wrong_name.lines().empty());
}

TEST_CASE("an HTTP witness that is down or silent fails within its timeout", "[witness]") {
  TempDir tmp;
  std::vector<Checkpoint> cps = TwoCheckpoints(tmp.path() / "state");
  boost::asio::io_context io;
  // Listening, but never accepting: the connection is made and nothing ever answers.
  boost::asio::ip::tcp::acceptor silent(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  unsigned short port = silent.local_endpoint().port();
  Witness w = Of(WitnessKind::kHttp, "http://127.0.0.1:" + std::to_string(port) + "/w");
  w.timeout = std::chrono::milliseconds(300);
  auto t0 = std::chrono::steady_clock::now();
  auto done = PublishCheckpoint(cps[0], ListOf({w}));
  auto took = std::chrono::steady_clock::now() - t0;
  REQUIRE(done.size() == 1);
  CHECK_FALSE(done[0].ok);
  CHECK_THAT(done[0].error, Catch::Contains("no answer within 300 ms"));
  CHECK(took < std::chrono::seconds(10));  // bounded by the timeout, not hanging

  silent.close();
  auto refused = PublishCheckpoint(cps[0], ListOf({w}));
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(refused[0].ok);
  CHECK_THAT(refused[0].error, Catch::StartsWith("http://127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("witness text is read from files, syslog lines and journal exports", "[witness]") {
  TempDir tmp;
  std::vector<Checkpoint> cps = TwoCheckpoints(tmp.path() / "state");
  std::string a = WitnessRecord(cps[0], "ops/checkout");
  std::string b = WitnessRecord(cps[1], "ops/billing");
  std::string journal_json =
      "{\"__CURSOR\":\"s=1\",\"SYSLOG_IDENTIFIER\":\"firedrill\","
      "\"MESSAGE\":" +
      boost::json::serialize(boost::json::value("firedrill-checkpoint " + a)) + "}";
  std::string text = "Mar 01 10:00:00 host sshd[1]: Accepted publickey for ops\n" + journal_json +
                     "\nMar 01 10:00:01 host firedrill[7]: firedrill-checkpoint " + b + "\n";
  auto source = ParseWitnessText(text, "journal.txt");
  REQUIRE(source.ok());
  REQUIRE(source->checkpoints.size() == 2);
  CHECK(source->checkpoints[0].line == 2);
  CHECK(source->checkpoints[1].line == 3);

  auto both = SelectOrigin(*source, std::nullopt);
  REQUIRE_FALSE(both.ok());
  CHECK_THAT(both.error().message, Catch::Contains("\"ops/billing\", \"ops/checkout\""));
  CHECK_THAT(both.error().message, Catch::Contains("--origin"));
  auto one = SelectOrigin(*source, std::string("ops/billing"));
  REQUIRE(one.ok());
  REQUIRE(one->checkpoints.size() == 1);
  CHECK(one->checkpoints[0].checkpoint.id == 2);
  CHECK_FALSE(SelectOrigin(*source, std::string("nope")).ok());

  auto damaged = ParseWitnessText("x\n" + a.substr(0, a.size() - 5) + "\n", "w.jsonl");
  REQUIRE_FALSE(damaged.ok());
  CHECK_THAT(damaged.error().message, Catch::Contains("w.jsonl line 2: not a valid witnessed"));
  auto nothing = ParseWitnessText("just\nlogs\n", "w.jsonl");
  REQUIRE_FALSE(nothing.ok());
  CHECK_THAT(nothing.error().message, Catch::Contains("holds no witnessed firedrill checkpoint"));
}

}  // namespace
}  // namespace firedrill
