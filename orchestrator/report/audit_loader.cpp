#include "orchestrator/report/audit_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <set>
#include <thread>
#include <vector>

#include "orchestrator/report/run_events.h"
#include "orchestrator/report/run_facts.h"
#include "orchestrator/store/drill_table.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

constexpr unsigned kMaxWorkers = 4;
constexpr std::size_t kMinRunsPerWorker = 256;

// The events of one run, with what the period filter needs.
struct RunEvents {
  std::string run_id;
  std::vector<Event> events;
  std::optional<SysTime> window_start;
  SysTime first;
  bool drill_facts = false;  // run-started records them: its drill text need not be parsed
  SysTime When() const { return window_start.value_or(first); }
};

// Notes `e` in its run's entry (made on the run's first event).
void Note(const Event& e, std::unordered_map<std::string, std::size_t>& index,
          std::vector<RunEvents>& runs) {
  std::string run = PayloadRunId(e.payload_json);
  if (run.empty()) return;
  auto [it, fresh] = index.try_emplace(run, runs.size());
  if (fresh) runs.push_back(RunEvents{std::move(run), {}, std::nullopt, e.ts, false});
  RunEvents& r = runs[it->second];
  if (e.kind == "run-started" && !r.window_start) {
    TypedEvent started = DecodeEvent(e);
    if (const RunStarted* p = started.As<RunStarted>()) {
      r.drill_facts = p->drill_facts.has_value();
      r.window_start = p->window_start;
    }
  }
  r.events.push_back(e);
}

// One pass over the events after `after`, grouped by run in order of first appearance; sets
// `last` to the last seq read (unchanged when there is none).
Status GroupRuns(Database& db, std::int64_t after, std::vector<RunEvents>& runs,
                 std::int64_t& last) {
  std::unordered_map<std::string, std::size_t> index;
  return EventLog(db).ForEachAfter(after, [&](const Event& e) {
    last = e.seq;
    Note(e, index, runs);
    return true;
  });
}

// Derives the row of each selected run, freeing its events as it goes. Deriving (and re-parsing
// the drill texts of runs recorded without drill facts) is independent per run: spread it over
// the cores, each worker with its own parse cache and the runs of the same drills.
Expected<std::vector<AuditRow>> DeriveRows(const std::vector<RunEvents*>& selected) {
  std::vector<AuditRow> rows(selected.size());
  unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1U, kMaxWorkers);
  if (selected.size() < kMinRunsPerWorker * 2) workers = 1;
  // Decided before any worker starts: a worker touches only its own runs' events.
  std::vector<unsigned> owner(selected.size(), 0);
  std::unordered_map<std::string, int> runs_of_drill;
  std::hash<std::string> hash;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const std::vector<Event>& events = selected[i]->events;
    if (events.empty()) continue;
    owner[i] = static_cast<unsigned>(hash(events.front().drill_id) % workers);
    ++runs_of_drill[events.front().drill_id];
  }
  auto derive = [&](unsigned w) {
    // Only drills with several runs are worth keeping parsed; the rest are freed at once.
    DrillSourceCache cache;
    for (std::size_t i = 0; i < selected.size(); ++i) {
      if (owner[i] != w) continue;
      std::vector<Event>& events = selected[i]->events;
      bool repeated = !events.empty() && runs_of_drill.at(events.front().drill_id) > 1;
      RunFacts facts = DeriveRunFacts(events, repeated ? &cache : nullptr, TimelineDetail::kNone,
                                      DrillDetail::kFactsOnly);
      rows[i] = AuditRun(facts, false);   // whether a postmortem exists is filled in later
      std::vector<Event>().swap(events);  // free as we go
    }
  };
  if (workers == 1) {
    derive(0);
    return rows;
  }
  // Warm the shared, lazily built state (time zone database, fault catalog with its plugins)
  // on this thread, when a drill text will be parsed at all.
  for (RunEvents* r : selected) {
    if (!r->events.empty() && !r->drill_facts) {
      RunFacts warm = DeriveRunFacts(std::span<const Event>(r->events).first(1));
      break;
    }
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(workers);
  {
    // Joins the workers on every way out of here: a joinable std::thread must not be destroyed.
    struct JoinAll {
      std::vector<std::thread>& pool;
      ~JoinAll() {
        for (std::thread& t : pool) {
          if (t.joinable()) t.join();
        }
      }
    } join_all{pool};
    for (unsigned w = 0; w < workers; ++w) {
      pool.emplace_back([&, w] {
        try {
          derive(w);
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    }
  }
  for (const std::exception_ptr& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return Error{fmt::format("audit: deriving the runs' facts failed: {}", ex.what())};
    }
  }
  return rows;
}

// Fills in what the rows cannot know from their events (whether a postmortem exists; the service
// of a run with neither drill facts nor a drill text that loads, from the drills table) and
// returns the services of the drills table.
Expected<std::vector<std::string>> Complete(Database& db, const std::filesystem::path& state_dir,
                                            std::vector<AuditRow>& rows) {
  std::set<std::string> postmortems;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(state_dir / "postmortems", ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::filesystem::path& p = it->path();
    if (p.extension() == ".md") postmortems.insert(p.stem().string());
  }
  auto drills = DrillTable(db).ListDrills();
  if (!drills.ok()) return drills.error();
  std::vector<std::string> services;
  std::unordered_map<std::string, std::string> service_of;
  for (const DrillRecord& d : *drills) {
    services.push_back(d.service);
    service_of[d.id] = d.service;
  }
  for (AuditRow& r : rows) {
    r.postmortem = postmortems.count(r.run_id) != 0;
    auto it = service_of.find(r.drill_id);
    if (r.service == "unknown" && it != service_of.end()) r.service = it->second;
  }
  return services;
}

bool InPeriod(SysTime t, const AuditPeriod& period) {
  return (!period.from || t >= *period.from) && (!period.to || t < *period.to);
}

}  // namespace

Expected<AuditReport> LoadAudit(Database& db, const std::filesystem::path& state_dir,
                                const AuditPeriod& period) {
  std::vector<RunEvents> runs;
  std::int64_t last = 0;
  if (Status st = GroupRuns(db, 0, runs, last); !st) return st.error();
  std::vector<RunEvents*> selected;
  for (RunEvents& r : runs) {
    if (InPeriod(r.When(), period)) selected.push_back(&r);
  }
  auto rows = DeriveRows(selected);
  if (!rows.ok()) return rows.error();
  auto services = Complete(db, state_dir, *rows);
  if (!services.ok()) return services.error();
  return BuildAudit(std::move(*rows), *services, period);
}

Expected<AuditReport> AuditCache::Report(Database& db, const std::filesystem::path& state_dir,
                                         const AuditPeriod& period) {
  std::vector<RunEvents> fresh;
  std::int64_t last = seen_;
  if (Status st = GroupRuns(db, seen_, fresh, last); !st) return st.error();
  // A run seen before has events the new ones do not hold: read all of them again.
  for (RunEvents& r : fresh) {
    if (seen_ == 0 || (!runs_.contains(r.run_id) && r.events.front().kind == "run-started")) {
      continue;
    }
    auto all = LoadRunEvents(db, r.run_id, std::nullopt);
    if (!all.ok()) return all.error();
    RunEvents whole{r.run_id, {}, std::nullopt, all->empty() ? r.first : all->front().ts, false};
    std::unordered_map<std::string, std::size_t> index;
    std::vector<RunEvents> one;
    for (const Event& e : *all) Note(e, index, one);
    r = one.empty() ? std::move(whole) : std::move(one.front());
  }
  std::vector<RunEvents*> selected;
  for (RunEvents& r : fresh) selected.push_back(&r);
  auto rows = DeriveRows(selected);
  if (!rows.ok()) return rows.error();
  for (std::size_t i = 0; i < selected.size(); ++i) {
    runs_[selected[i]->run_id] = Entry{std::move((*rows)[i]), selected[i]->When()};
  }
  seen_ = last;
  derived_ = selected.size();
  std::vector<AuditRow> in_period;
  for (const auto& [id, entry] : runs_) {
    if (InPeriod(entry.when, period)) in_period.push_back(entry.row);
  }
  auto services = Complete(db, state_dir, in_period);
  if (!services.ok()) return services.error();
  return BuildAudit(std::move(in_period), *services, period);
}

}  // namespace firedrill
