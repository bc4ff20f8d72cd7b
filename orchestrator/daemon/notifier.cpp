#include "orchestrator/daemon/notifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "drills/zoned_time.h"
#include "orchestrator/http/http_url.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/typed_event.h"

namespace firedrill {
namespace {

namespace json = boost::json;

bool Lists(const Drill& drill, Channel c) {
  return std::find(drill.announce.channels.begin(), drill.announce.channels.end(), c) !=
         drill.announce.channels.end();
}

}  // namespace

Notifier::Notifier(boost::asio::io_context& io, Database& db, NoticeTargets targets)
    : db_(db), targets_(std::move(targets)), sender_(io) {}

bool Notifier::Wanted(const Drill& drill) const {
  return (Lists(drill, Channel::kChat) && !targets_.chat_urls.empty()) ||
         (Lists(drill, Channel::kWebhook) && !targets_.webhook_urls.empty());
}

bool Notifier::AnyTarget() const {
  return !targets_.chat_urls.empty() || !targets_.webhook_urls.empty();
}

void Notifier::Notify(const Drill& drill, NoticeEvent event, SysTime window_start,
                      SysTime window_end, const std::string& detail) {
  NoticeFacts facts = NoticeFactsOf(drill, event, NowUtc(), detail);
  facts.window_start = window_start;
  facts.window_end = window_end;
  struct Recipient {
    const std::string* url;
    const char* channel;
    std::string body;
  };
  std::vector<Recipient> to;
  if (Lists(drill, Channel::kChat)) {
    for (const std::string& u : targets_.chat_urls)
      to.push_back({&u, "chat", SlackNoticeJson(facts)});
  }
  if (Lists(drill, Channel::kWebhook)) {
    for (const std::string& u : targets_.webhook_urls) {
      to.push_back({&u, "webhook", GenericNoticeJson(facts)});
    }
  }
  for (Recipient& t : to) {
    Deliver(*t.url, t.channel, std::move(t.body), drill.id, std::string(NoticeEventName(event)));
  }
}

void Notifier::NotifyFreeze(const FreezeNoticeFacts& facts) {
  const std::string event(FreezeNoticeEventName(facts.event));
  for (const std::string& u : targets_.chat_urls)
    Deliver(u, "chat", SlackFreezeJson(facts), "", event);
  for (const std::string& u : targets_.webhook_urls) {
    Deliver(u, "webhook", GenericFreezeJson(facts), "", event);
  }
}

void Notifier::Annotate(const Drill& drill, AnnotationMoment moment, SysTime at,
                        const std::string& run, const std::string& detail) {
  if (targets_.grafana_url.empty()) return;
  const bool injected = moment == AnnotationMoment::kInjected;
  Deliver(targets_.grafana_url, "grafana", GrafanaAnnotationJson(drill, moment, at, run, detail),
          drill.id, injected ? "annotation-injected" : "annotation-restore",
          {{"Authorization", "Bearer " + targets_.grafana_token}});
}

void Notifier::Deliver(const std::string& url, const char* channel, std::string body,
                       const std::string& drill_id, const std::string& event,
                       std::vector<std::pair<std::string, std::string>> headers) {
  std::string where = RedactUrl(url);
  std::string channel_name = channel;
  WebhookDelivery delivery{url, std::move(body)};
  delivery.headers = std::move(headers);
  sender_.Send(std::move(delivery), targets_.policy,
               [this, drill_id, event, where, channel_name](const DeliveryResult& r) {
                 NoticeSent p{.event = event,
                              .channel = channel_name,
                              .target = where,
                              .attempts = static_cast<std::int64_t>(r.attempts),
                              .status = static_cast<std::int64_t>(r.last_status)};
                 if (!r.delivered) p.error = r.last_error;
                 ++counts_[r.delivered ? "delivered" : "failed"];
                 AppendTyped(db_, drill_id,
                             r.delivered ? EventKind::kNoticeDelivered : EventKind::kNoticeFailed,
                             "orchestrator", p)
                     .ok();
               });
}

void Notifier::Stop() { sender_.Stop(); }

}  // namespace firedrill
