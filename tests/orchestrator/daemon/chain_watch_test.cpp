// The daemon's background check of the event chain: a check's result reaches the loop, requests
// made while one runs make one more check, and an altered record is reported as not verifying.
#include "orchestrator/daemon/chain_watch.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "tests/orchestrator/store/tamper_support.h"
#include "tests/support/temp_dir.h"

namespace firedrill {

TEST_CASE("the chain watch reports the records verified and then an altered event",
          "[chain-watch]") {
  testing::TempDir tmp;
  {
    auto db = Database::Open(tmp.path(), OpenMode::kReadWrite);
    REQUIRE(db.ok());
    for (int i = 0; i < 3; ++i) {
      REQUIRE(EventLog(*db).Append({"d", "note", "someone", R"({"n":1})", {}}).ok());
    }
  }
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  ChainWatch watch(io, tmp.path());
  CHECK_FALSE(watch.latest());
  watch.Request();
  watch.Request();  // while the first runs: one more check after it
  io.run_one();     // the first result, delivered on the loop
  REQUIRE(watch.latest());
  CHECK(watch.latest()->ok);
  CHECK_THAT(watch.latest()->text, Catch::StartsWith("The event chain verifies: 3 events"));
  io.run_one();  // the second check, asked for while the first ran
  CHECK(watch.latest()->ok);
  testing::TamperSql(tmp.path(), R"(UPDATE events SET payload = '{"n":2}' WHERE seq = 2)");
  watch.Request();
  io.run_one();
  REQUIRE(watch.latest());
  CHECK_FALSE(watch.latest()->ok);
  CHECK_THAT(watch.latest()->text, Catch::Contains("DOES NOT VERIFY") && Catch::Contains("2"));
}

TEST_CASE("the chain watch says when the records cannot be read", "[chain-watch]") {
  testing::TempDir tmp;
  boost::asio::io_context io;
  auto guard = boost::asio::make_work_guard(io);
  ChainWatch watch(io, tmp.path() / "none");
  watch.Request();
  io.run_one();
  REQUIRE(watch.latest());
  CHECK_FALSE(watch.latest()->ok);
  CHECK_THAT(watch.latest()->text, Catch::StartsWith("The records could not be read"));
}

}  // namespace firedrill
