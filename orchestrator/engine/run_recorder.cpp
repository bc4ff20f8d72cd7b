#include "orchestrator/engine/run_recorder.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <ostream>

#include "drills/zoned_time.h"
#include "orchestrator/engine/live_display.h"
#include "orchestrator/store/event_log.h"

namespace firedrill {

namespace json = boost::json;

RunRecorder::RunRecorder(Database& db, RecordWriter& writer, boost::asio::any_io_executor executor,
                         const RunState& run, const RunOptions& options, std::ostream& out,
                         std::ostream& err)
    : db_(db),
      writer_(writer),
      executor_(std::move(executor)),
      run_(run),
      opt_(options),
      out_(out),
      err_(err) {}

void RunRecorder::Emit(SysTime at, EventKind kind, EventPayload payload, const std::string& text,
                       const std::string& actor) {
  ReportFailures();
  json::object object = std::visit(
      [](const auto& p) -> json::object {
        if constexpr (std::is_same_v<std::decay_t<decltype(p)>, std::monostate>) {
          return json::object();
        } else {
          return ToPayload(p);
        }
      },
      payload);
  const std::string name(KindName(kind));
  NewEvent event{run_.drill.id, name, actor, json::serialize(object), at};
  // In the order of the facts, off the loop: the loop never waits on the disk.
  writer_.Post([event = std::move(event), failures = failures_](Database& db) {
    auto appended = EventLog(db).Append(event);
    if (!appended.ok()) {
      std::lock_guard lock(failures->mutex);
      failures->messages.push_back(
          fmt::format("could not record {}: {}", event.kind, appended.error().message));
    }
  });
  if (opt_.on_event) opt_.on_event(kind, payload, text);
  if (opt_.json) {
    json::object line{{"ts", FormatUtc(at)}, {"event", name}, {"drill", run_.drill.id}};
    line["payload"] = std::move(object);
    out_ << json::serialize(line) << "\n" << std::flush;
  } else {
    std::string line =
        fmt::format("{}  {}\n", FormatInZone(at, run_.drill.window.zone).substr(11, 8), text);
    if (live_ != nullptr) {
      live_->Event(at, kind, payload, line);
    } else {
      out_ << line << std::flush;
    }
  }
}

void RunRecorder::Say(const std::string& text) {
  if (opt_.json) return;
  std::string line = fmt::format(
      "{}  {}\n", FormatInZone(run_.clock.UtcNow(), run_.drill.window.zone).substr(11, 8), text);
  if (live_ != nullptr) {
    live_->Say(line);
  } else {
    out_ << line << std::flush;
  }
}

boost::asio::awaitable<void> RunRecorder::Flush() {
  co_await writer_.Call<bool>([](Database&) { return true; }, executor_,
                              boost::asio::use_awaitable);
  ReportFailures();
}

void RunRecorder::ReportFailures() {
  std::vector<std::string> messages;
  {
    std::lock_guard lock(failures_->mutex);
    messages.swap(failures_->messages);
  }
  for (const std::string& m : messages) Warn(fmt::format("firedrill: {}\n", m));
}

void RunRecorder::Warn(const std::string& text) {
  if (live_ != nullptr) {
    live_->Warn(err_, text);
  } else {
    err_ << text << std::flush;
  }
}

}  // namespace firedrill
