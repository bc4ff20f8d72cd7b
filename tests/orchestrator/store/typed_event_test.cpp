#include "orchestrator/store/typed_event.h"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <string>

#include "drills/timestamp.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

Event StoredEvent(std::string kind, std::string payload) {
  Event e;
  e.seq = 1;
  e.drill_id = "d";
  e.kind = std::move(kind);
  e.actor = "orchestrator";
  e.payload_json = std::move(payload);
  return e;
}

TEST_CASE("store: every event kind has one recorded name that reads back", "[store][events]") {
  std::set<std::string_view> names;
  for (EventKind k : AllEventKinds()) {
    std::string_view name = KindName(k);
    INFO(name);
    CHECK(ParseKind(name) == k);
    CHECK(names.insert(name).second);
  }
  CHECK(names.size() == AllEventKinds().size());
  CHECK(ParseKind("no-such-kind") == EventKind::kUnknown);
  CHECK(ParseKind("unknown") == EventKind::kUnknown);
}

TEST_CASE("store: a typed payload reads back what the engine writes", "[store][events]") {
  // Written as the engine wrote it before payloads had structs: the struct reads it, and writes
  // the same text back (the hash chain covers the text).
  const std::string text = R"({"fault":"db-block","kind":"command","target":"here","run":"r-1"})";
  Event e = StoredEvent("fault-injected", text);
  TypedEvent t = DecodeEvent(e);
  REQUIRE(t.problem.empty());
  CHECK(t.kind == EventKind::kFaultInjected);
  CHECK(t.run == "r-1");
  const FaultInjected* p = t.As<FaultInjected>();
  REQUIRE(p != nullptr);
  CHECK(p->fault == "db-block");
  CHECK(p->kind == "command");
  CHECK(p->target == "here");
  CHECK(t.As<T0>() == nullptr);
  CHECK(boost::json::serialize(ToPayload(*p)) == text);
}

TEST_CASE("store: times in payloads are UTC texts both ways", "[store][events]") {
  T0 t0;
  t0.at = *ParseUtc("2027-03-01T10:00:01.250Z");
  t0.fault = "f1";
  t0.target = "here";
  NewEvent ne = MakeEvent("d", EventKind::kT0, "orchestrator", t0);
  CHECK(ne.kind == "t0");
  CHECK(ne.payload_json == R"({"at":"2027-03-01T10:00:01.250Z","fault":"f1","target":"here"})");
  TypedEvent back = DecodeEvent(StoredEvent("t0", ne.payload_json));
  REQUIRE(back.As<T0>() != nullptr);
  CHECK(*back.As<T0>() == t0);
}

TEST_CASE("store: reads are tolerant of missing and unknown members", "[store][events]") {
  TypedEvent t = DecodeEvent(StoredEvent("recovered", R"({"later":"member","by":"probes"})"));
  REQUIRE(t.problem.empty());
  const Recovered* r = t.As<Recovered>();
  REQUIRE(r != nullptr);
  CHECK(r->by == "probes");
  CHECK_FALSE(r->ttr_ms.has_value());
  // null is absent
  TypedEvent n = DecodeEvent(StoredEvent("recovered", R"({"by":"probes","ttr_ms":null})"));
  REQUIRE(n.As<Recovered>() != nullptr);
  CHECK_FALSE(n.As<Recovered>()->ttr_ms.has_value());
}

TEST_CASE("store: a member of the wrong type makes the payload unreadable and says which",
          "[store][events]") {
  TypedEvent t = DecodeEvent(StoredEvent("fault-injected", R"({"fault":7,"run":"r-2"})"));
  CHECK(t.kind == EventKind::kFaultInjected);
  CHECK(t.As<FaultInjected>() == nullptr);
  CHECK(t.problem == "member \"fault\" is not text");
  CHECK(t.run == "r-2");  // still known: the timeline can place it
  TypedEvent bad_time = DecodeEvent(StoredEvent("t0", R"({"at":"yesterday"})"));
  CHECK(bad_time.problem == "member \"at\" is not a UTC time");
  TypedEvent not_object = DecodeEvent(StoredEvent("active", "[1,2]"));
  CHECK(not_object.problem == "the payload is not a JSON object");
  TypedEvent not_json = DecodeEvent(StoredEvent("active", "{"));
  CHECK_THAT(not_json.problem, Catch::StartsWith("the payload is not JSON"));
}

TEST_CASE("store: an unknown kind keeps its name and its run", "[store][events]") {
  Event e = StoredEvent("from-a-later-version", R"({"x":1,"run":"r-9"})");
  TypedEvent t = DecodeEvent(e);
  CHECK(t.kind == EventKind::kUnknown);
  CHECK(t.event->kind == "from-a-later-version");
  CHECK(t.run == "r-9");
  CHECK(t.problem.empty());
  CHECK(std::holds_alternative<std::monostate>(t.payload));
}

TEST_CASE("store: a run's ending reads both of its shapes", "[store][events]") {
  TypedEvent own = DecodeEvent(StoredEvent(
      "run-ended",
      R"({"outcome":"recovered-by-team","outcome_text":"The team recovered.","recovered_by_team":true,)"
      R"("auto_restored":false,"t0":"2027-03-01T10:00:00.000Z","ttd_human_ms":1500,)"
      R"("ttd_alert_ms":null,"ttr_ms":4000,"ttr_team_ms":3900,"run":"r"})"));
  const RunEnded* a = own.As<RunEnded>();
  REQUIRE(a != nullptr);
  CHECK(a->outcome == "recovered-by-team");
  CHECK(a->ttd_human_ms == 1500);
  CHECK_FALSE(a->ttd_alert_ms.has_value());
  CHECK(a->closed_by.empty());
  TypedEvent closed = DecodeEvent(StoredEvent(
      "run-ended",
      R"({"run":"r","outcome":"interrupted","closed_by":"recover",)"
      R"("restored":[{"fault":"f1","target":"here","verified":true,"message":"ok"}]})"));
  const RunEnded* b = closed.As<RunEnded>();
  REQUIRE(b != nullptr);
  CHECK(b->closed_by == "recover");
  REQUIRE(b->restored.size() == 1);
  CHECK(b->restored[0].verified);
  TypedEvent bad = DecodeEvent(StoredEvent("restore-incomplete", R"({"remaining":[{"fault":3}]})"));
  CHECK(bad.problem ==
        "member \"remaining\" is not a list of objects (member \"fault\" is not "
        "text)");
}

TEST_CASE("store: a freeze's events read and write their own members", "[store][events]") {
  const std::string started =
      R"({"freeze":3,"cause":"incident","reason":"alert X firing","drills_stopped":2,)"
      R"("alert":"am:abc","labels":{"alertname":"X","severity":"page"},"rule":{"severity":"page"}})";
  TypedEvent t = DecodeEvent(StoredEvent("freeze-started", started));
  const FreezeUpdate* f = t.As<FreezeUpdate>();
  REQUIRE(f != nullptr);
  CHECK(f->drills_stopped == 2);
  REQUIRE(f->labels.has_value());
  CHECK(f->labels->at("severity") == "page");
  CHECK(boost::json::serialize(ToPayload(*f)) == started);
  const std::string ended =
      R"({"freeze":3,"cause":"manual","reason":"done","open_alerts":[],"lasted_ms":60000})";
  TypedEvent e = DecodeEvent(StoredEvent("freeze-ended", ended));
  REQUIRE(e.As<FreezeUpdate>() != nullptr);
  CHECK(boost::json::serialize(ToPayload(*e.As<FreezeUpdate>())) == ended);
}

TEST_CASE("store: the run id of a payload is its top-level run member only", "[store][events]") {
  CHECK(PayloadRunId(R"({"fault":"f","run":"r-1"})") == "r-1");
  CHECK(PayloadRunId(R"({"run":"r-2","fault":"f"})") == "r-2");
  CHECK(PayloadRunId(R"({"nested":{"run":"no"},"x":1})").empty());
  CHECK(PayloadRunId(R"({"note":"\"run\":\"no\"","x":1})").empty());
  CHECK(PayloadRunId(R"({"run":7})").empty());
  CHECK(PayloadRunId(R"({"list":[{"run":"no"}],"run":"r-3"})") == "r-3");
  CHECK(PayloadRunId(R"({"run":"a\"b"})") == "a\"b");
  CHECK(PayloadRunId("not json").empty());
  CHECK(PayloadRunId("[]").empty());
}

}  // namespace
}  // namespace firedrill

namespace firedrill {
namespace {

// The rows of docs/events.md's tables that describe `kind` (its name in their first cell),
// with the rows of any kind they refer to ("as `fault-restored`, plus ...").
std::string DocRowsOf(const std::vector<std::string>& rows, std::string_view kind, int depth = 0) {
  std::string out;
  const std::string quoted = "`" + std::string(kind) + "`";
  for (const std::string& row : rows) {
    std::string first = row.substr(0, row.find(" | ", 2));
    if (first.find(quoted) == std::string::npos) continue;
    out += row + "\n";
    if (auto as = row.find("as `"); as != std::string::npos && depth == 0) {
      auto end = row.find('`', as + 4);
      out += DocRowsOf(rows, row.substr(as + 4, end - as - 4), 1);
    }
  }
  return out;
}

TEST_CASE("store: docs/events.md describes every event kind with the members its struct writes",
          "[store][events][docs]") {
  std::ifstream in(std::string(FIREDRILL_SOURCE_DIR) + "/docs/events.md");
  REQUIRE(in.good());
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("| `")) rows.push_back(line);
  }
  for (EventKind k : AllEventKinds()) {
    const std::string name(KindName(k));
    INFO("kind " << name);
    const std::string doc = DocRowsOf(rows, name);
    CHECK_FALSE(doc.empty());
    // The members a payload of this kind always writes (a default one: optional members left
    // out), each named in the kind's row.
    Event e;
    e.kind = name;
    e.payload_json = "{}";
    TypedEvent t = DecodeEvent(e);
    REQUIRE(t.problem.empty());
    std::visit(
        [&](const auto& p) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(p)>, std::monostate>) {
            for (const auto& member : ToPayload(p)) {
              INFO("member " << std::string(member.key()));
              CHECK(doc.find("`" + std::string(member.key()) + "`") != std::string::npos);
            }
          }
        },
        t.payload);
  }
}

}  // namespace
}  // namespace firedrill
