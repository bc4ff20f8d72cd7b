// The alerts the daemon remembers: bounded per source whatever is sent, forgotten on resolve and
// when their endsAt passes, the least recently heard of dropped first and counted.
#include "orchestrator/daemon/alert_book.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace firedrill {
namespace {

using namespace std::chrono_literals;

Alert Firing(const std::string& fingerprint, const std::string& source = "alertmanager") {
  Alert a;
  a.source = source;
  a.status = "firing";
  a.fingerprint = fingerprint;
  a.labels = {{"alertname", "CheckoutDown"}, {"service", "checkout"}};
  a.summary = "checkout down";
  return a;
}

Alert Resolved(const std::string& fingerprint, const std::string& source = "alertmanager") {
  Alert a = Firing(fingerprint, source);
  a.status = "resolved";
  return a;
}

std::vector<std::string> Fingerprints(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const Alert& a : alerts) out.push_back(a.source + "/" + a.fingerprint);
  return out;
}

TEST_CASE("100,000 distinct firing alerts leave the book at its maximum, the latest kept",
          "[daemon]") {
  AlertBook book;
  for (int i = 0; i < 100'000; ++i) book.Note(Firing("fp-" + std::to_string(i)));
  std::vector<Alert> firing = book.Firing();
  CHECK(firing.size() == kMaxFiringAlertsPerSource);
  std::vector<std::string> kept = Fingerprints(firing);
  CHECK(std::find(kept.begin(), kept.end(), "alertmanager/fp-99999") != kept.end());
  CHECK(std::find(kept.begin(), kept.end(), "alertmanager/fp-0") == kept.end());
  CHECK(book.FiringCount() == kMaxFiringAlertsPerSource);
  CHECK(book.dropped().at("alertmanager") == 100'000 - kMaxFiringAlertsPerSource);
}

TEST_CASE("the alert heard of longest ago is dropped first, and each source has its own maximum",
          "[daemon]") {
  AlertBook book(3);
  book.Note(Firing("a"));
  book.Note(Firing("b"));
  book.Note(Firing("c"));
  book.Note(Firing("a"));  // re-sent: heard of most recently now
  book.Note(Firing("d"));  // the book is full: b goes
  book.Note(Firing("x", "grafana"));
  CHECK(Fingerprints(book.Firing()) == std::vector<std::string>{"alertmanager/a", "alertmanager/c",
                                                                "alertmanager/d", "grafana/x"});
  CHECK(book.dropped() == std::map<std::string, std::uint64_t>{{"alertmanager", 1}});
  // A resolve frees a place: nothing is dropped for the next one.
  book.Note(Resolved("c"));
  book.Note(Firing("e"));
  CHECK(Fingerprints(book.Firing()) == std::vector<std::string>{"alertmanager/a", "alertmanager/d",
                                                                "alertmanager/e", "grafana/x"});
  CHECK(book.dropped().at("alertmanager") == 1);
  // Without a fingerprint an alert cannot be resolved later: never kept.
  book.Note(Firing(""));
  CHECK(book.FiringCount() == 4);
}

TEST_CASE("an alert is forgotten when its endsAt passes, and one that has ended is not kept",
          "[daemon]") {
  SysTime now = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::sys_days{std::chrono::year{2027} / 3 / 1});
  AlertBook book(10, [&now] { return now; });
  Alert soon = Firing("soon");
  soon.ends_at = now + 10s;
  book.Note(soon);
  book.Note(Firing("open-ended"));
  Alert ended = Firing("ended");
  ended.ends_at = now;  // a firing alert whose end is not after now is over
  book.Note(ended);
  CHECK(Fingerprints(book.Firing()) ==
        std::vector<std::string>{"alertmanager/open-ended", "alertmanager/soon"});
  now += 10s;
  CHECK(book.FiringCount() == 1);
  CHECK(Fingerprints(book.Firing()) == std::vector<std::string>{"alertmanager/open-ended"});
  // Re-sent with a later end (or none), an alert lives on; the earlier end no longer counts.
  soon.ends_at = now + 1min;
  book.Note(soon);
  Alert later = Firing("open-ended");
  later.ends_at = now + 5s;
  book.Note(later);
  now += 30s;
  CHECK(Fingerprints(book.Firing()) == std::vector<std::string>{"alertmanager/soon"});
  book.Note(Firing("other"));  // noting forgets the expired ones for good
  CHECK(book.FiringCount() == 2);
  now += 1h;
  CHECK(Fingerprints(book.Firing()) == std::vector<std::string>{"alertmanager/other"});
  CHECK(book.dropped().empty());
}

}  // namespace
}  // namespace firedrill
