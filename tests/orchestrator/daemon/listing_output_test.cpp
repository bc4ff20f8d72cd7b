// The daemon's hand-written listing JSON and its per-drill log prefix.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "drills/zoned_time.h"
#include "orchestrator/daemon/prefixed_lines.h"
#include "orchestrator/daemon/scheduling.h"
#include "orchestrator/report/run_facts.h"

namespace firedrill {
namespace {

constexpr char kControls[] = "nul \0 and \x1f bell \x07";

ScheduleListing Row(std::string id, std::string title, std::string zone) {
  ScheduleListing l;
  l.drill_id = std::move(id);
  l.title = std::move(title);
  l.service = "checkout";
  l.state = ScheduleState::kScheduled;
  l.next_start = *ParseUtc("2027-03-28T00:30:00.000Z");
  l.next_end = *ParseUtc("2027-03-28T01:30:05.250Z");
  l.zone = std::move(zone);
  return l;
}

TEST_CASE("the hand-written listing JSON is what boost::json would write, for any text",
          "[daemon]") {
  for (const ScheduleListing& l :
       {Row("db-failover", "Primary database failover", "Europe/Copenhagen"),
        Row("quote\"back\\slash", "tab\there, newline\nthere", "America/St_Johns"),
        Row("ctrl", std::string(kControls, sizeof(kControls) - 1), "Asia/Kolkata"),
        Row("utf8", "Øvelse: brandøvelse ☎ 火災訓練", "Pacific/Chatham"), Row("", "", "")}) {
    std::string written;
    AppendListingJson(written, l);
    INFO(written);
    CHECK(written == boost::json::serialize(ListingJson(l)));
    CHECK(boost::json::parse(written).as_object() == ListingJson(l));
  }
}

TEST_CASE("each line of a drill's output gets its prefix, whole lines only", "[daemon]") {
  std::ostringstream log;
  PrefixedLines buf(log, "[db-failover] ");
  std::ostream out(&buf);
  out << "preflight passed\ninjected " << 2 << " faults";
  CHECK(log.str() == "[db-failover] preflight passed\n");  // the second line is not complete
  out << "\n\n";
  CHECK(log.str() ==
        "[db-failover] preflight passed\n[db-failover] injected 2 faults\n[db-failover] \n");
}

}  // namespace
}  // namespace firedrill
