// The daemon's chat notices: who is told of a drill's moments (scheduled, T-24h, window start,
// restore, end, cancelled), over the channels the drill asks for, without ever waiting for them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "orchestrator/announce/chat_notice.h"
#include "orchestrator/announce/freeze_notice.h"
#include "orchestrator/announce/grafana_annotation.h"
#include "orchestrator/announce/webhook_sender.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// Where notices go. URLs are secrets (a Slack webhook's path is its key): never logged whole.
struct NoticeTargets {
  std::vector<std::string> chat_urls;     ///< Slack-compatible incoming webhooks (`chat`)
  std::vector<std::string> webhook_urls;  ///< generic JSON webhooks (`webhook`)
  /// Grafana's annotation API (https://grafana.example/api/annotations), for every drill; empty:
  /// none. `grafana_token` is a service account token, sent as a bearer token.
  std::string grafana_url;
  std::string grafana_token;
  DeliveryPolicy policy;  ///< retries with backoff
};

/// Sends notices on the daemon's loop; records each outcome in the drill's record. Loop thread
/// only; `io` and `db` must outlive it.
class Notifier {
 public:
  Notifier(boost::asio::io_context& io, Database& db, NoticeTargets targets);

  /// True iff `drill` asks for a channel that has somewhere to go.
  bool Wanted(const Drill& drill) const;

  /// True iff some channel has somewhere to go (a chat or webhook URL). When false, Wanted is
  /// false for every drill, so callers need not load a drill to ask.
  bool AnyTarget() const;

  /// Starts delivery of `event` about `drill` (whose window is the one given) to every target of
  /// the channels the drill lists in `announce.channels` (chat: Slack format; webhook: generic
  /// JSON). Returns at once; each delivery is retried by the policy and ends in a
  /// `notice-delivered` or `notice-failed` event of the drill (target shown without its path).
  void Notify(const Drill& drill, NoticeEvent event, SysTime window_start, SysTime window_end,
              const std::string& detail = "");

  /// Starts delivery of a freeze notice to every chat and webhook target, whatever the drills'
  /// channels: everyone hears that drills stopped. Outcomes are recorded as for Notify, as events
  /// of no drill.
  void NotifyFreeze(const FreezeNoticeFacts& facts);

  /// Starts posting the annotation of `moment` of `drill`'s run `run`, which happened at `at`,
  /// to Grafana when a Grafana URL is set (whatever the drill's channels: the dashboards are the
  /// team's, not a notice to someone); does nothing otherwise. Recorded as Notify's deliveries
  /// are, with channel "grafana" and event "annotation-injected" or "annotation-restore".
  void Annotate(const Drill& drill, AnnotationMoment moment, SysTime at, const std::string& run,
                const std::string& detail = "");

  /// Cancels deliveries still pending (recorded as failed: "cancelled").
  void Stop();

  /// Deliveries by result ("delivered", "failed"), for /metrics.
  const std::map<std::string, std::uint64_t>& counts() const { return counts_; }

 private:
  // Sends `body` to `url` (with `headers`), recording the outcome under `drill_id` ("" for
  // none).
  void Deliver(const std::string& url, const char* channel, std::string body,
               const std::string& drill_id, const std::string& event,
               std::vector<std::pair<std::string, std::string>> headers = {});

  Database& db_;
  NoticeTargets targets_;
  WebhookSender sender_;
  std::map<std::string, std::uint64_t> counts_;
};

}  // namespace firedrill
