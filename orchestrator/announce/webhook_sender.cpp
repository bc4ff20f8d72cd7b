#include "orchestrator/announce/webhook_sender.h"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <exception>
#include <set>
#include <utility>

#include "orchestrator/http/http_client.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using std::chrono::milliseconds;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr std::size_t kMaxSnippetBytes = 200;

ssl::context SystemTls() {
  ssl::context tls(ssl::context::tls_client);
  // Should the store be missing, no https peer verifies and each delivery says so: better than
  // failing here, which would take the http deliveries down with it.
  boost::system::error_code ignored;
  tls.set_default_verify_paths(ignored);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  return tls;
}

DeliveryPolicy Normalized(DeliveryPolicy p) {
  p.max_attempts = std::max(p.max_attempts, 1);
  p.first_backoff = std::max(p.first_backoff, milliseconds{0});
  p.max_backoff = std::max(p.max_backoff, milliseconds{0});
  p.attempt_timeout = std::max(p.attempt_timeout, milliseconds{1});
  return p;
}

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// The start of an answer's body (Slack says what is wrong there: "invalid_token",
// "no_service") on one line, cut at a UTF-8 character boundary.
std::string Snippet(std::string_view body) {
  std::size_t cut = std::min(body.size(), kMaxSnippetBytes);
  while (cut > 0 && cut < body.size() && (static_cast<unsigned char>(body[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  std::string out;
  for (char c : body.substr(0, cut)) {
    auto u = static_cast<unsigned char>(c);
    bool control = u < 0x20 || u == 0x7f;
    if (control && (out.empty() || out.back() == ' ')) continue;
    out += control ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (!out.empty() && cut < body.size()) out += "…";
  return out;
}

// How one attempt ended.
struct Outcome {
  bool delivered = false;
  bool retry = false;
  int status = 0;
  std::string error;
  std::optional<std::chrono::seconds> retry_after;
  std::string body;
};

// What one attempt's result means for the delivery.
Outcome Judge(const HttpResult& result, const HttpUrl& url) {
  Outcome out;
  if (!result.ok()) {
    // The connection, the TLS handshake or the deadline: worth another attempt.
    out.retry = true;
    out.error = result.failure.Message();
    return out;
  }
  const HttpAnswer& answer = *result.answer;
  out.status = answer.status;
  // An answer whose body is too long still counts by its status line.
  if (!answer.body_cut) out.body = answer.body;
  if (out.status >= 200 && out.status <= 299) {
    out.delivered = true;
    return out;
  }
  out.retry = IsRetryableStatus(out.status);
  if (out.retry) out.retry_after = ParseRetryAfter(answer.Header("Retry-After"));
  std::string snippet = Snippet(answer.body);
  out.error =
      fmt::format("{} answered HTTP {} {}{}{}", url.Origin(), out.status, Snippet(answer.reason),
                  out.retry ? "" : " (not retried)", snippet.empty() ? "" : ": " + snippet);
  return out;
}

}  // namespace

bool IsRetryableStatus(int status) { return status == 429 || (status >= 500 && status <= 599); }

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value) {
  std::size_t begin = value.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return std::nullopt;
  value = value.substr(begin, value.find_last_not_of(" \t") + 1 - begin);
  if (!std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  // Longer than a number of seconds that makes sense; the backoff cap applies anyway.
  constexpr std::size_t kMaxDigits = 9;
  if (value.size() > kMaxDigits) return std::chrono::seconds{999'999'999};
  long long seconds = 0;
  std::from_chars(value.data(), value.data() + value.size(), seconds);
  return std::chrono::seconds{seconds};
}

milliseconds RetryDelay(const DeliveryPolicy& policy, int failed_attempts,
                        std::optional<std::chrono::seconds> retry_after) {
  milliseconds cap = std::max(policy.max_backoff, milliseconds{0});
  if (retry_after) return std::clamp(milliseconds{*retry_after}, milliseconds{0}, cap);
  milliseconds wait = std::max(policy.first_backoff, milliseconds{0});
  for (int i = 1; i < failed_attempts && wait < cap; ++i) {
    wait = wait > cap / 2 ? cap : wait * 2;
  }
  return std::min(wait, cap);
}

namespace webhook_internal {

// One delivery, from Send until its `done` is called or dropped. Its attempts run in a
// coroutine (Deliver) that holds it; Stop and the destructor end that coroutine through
// `cancel`, bound to its co_spawn, which ends whatever it awaits (an exchange, the backoff).
struct Delivery {
  WebhookSender::Done done;
  std::string refusal;  // why the delivery cannot start; empty when it can
  asio::cancellation_signal cancel;
  bool running = false;   // the coroutine has not completed
  bool finished = false;  // `done` was called or dropped
  int attempts = 0;
  int last_status = 0;
  std::string last_error;
  std::string last_body;
};

struct SenderState {
  SenderState(asio::io_context& io_context, ssl::context context)
      : io(io_context), tls{std::move(context)} {}

  asio::io_context& io;
  HttpTls tls;  // every https exchange of every delivery is made with it
  bool stopped = false;
  // Under way: from Send until `done` is called or the delivery is dropped.
  std::set<std::shared_ptr<Delivery>> deliveries;

  // Ends `d` and calls its `done` with what it has.
  void Finish(const std::shared_ptr<Delivery>& d, bool delivered) {
    if (d->finished) return;
    d->finished = true;
    // A copy on purpose: `d` may be the set's own element, and the set may hold the last owner.
    std::shared_ptr<Delivery> keep = d;  // NOLINT(performance-unnecessary-copy-initialization)
    deliveries.erase(keep);
    WebhookSender::Done done = std::move(keep->done);
    keep->done = nullptr;
    if (done) {
      done(DeliveryResult{delivered, keep->attempts, keep->last_status,
                          delivered ? "" : keep->last_error, std::move(keep->last_body)});
    }
  }

  // Ends `d` from outside its coroutine, which is cancelled: with `done` called (last_error
  // "cancelled", or the reason it was refused) or with `done` dropped.
  void Cancel(const std::shared_ptr<Delivery>& d, bool call_done) {
    if (d->finished) return;
    if (d->running) d->cancel.emit(asio::cancellation_type::terminal);
    d->last_error = d->refusal.empty() ? "cancelled" : d->refusal;
    if (call_done) {
      Finish(d, false);
      return;
    }
    d->finished = true;
    deliveries.erase(d);
    d->done = nullptr;
  }
};

// The attempts of one delivery, until one is answered 2xx, one may not be retried, or they run
// out; `d->finished` set meanwhile (Stop, the destructor) ends it at the next step.
asio::awaitable<void> Deliver(std::shared_ptr<SenderState> state, std::shared_ptr<Delivery> d,
                              HttpRequest request, DeliveryPolicy policy) {
  // Never from within Send, which co_spawn would run up to the first suspension.
  co_await asio::post(state->io, asio::use_awaitable);
  if (d->finished) co_return;
  if (!d->refusal.empty()) {
    d->last_error = d->refusal;
    state->Finish(d, false);
    co_return;
  }
  asio::steady_timer backoff(state->io);
  for (;;) {
    ++d->attempts;
    HttpResult result = co_await Exchange(request, &state->tls);
    if (d->finished) co_return;
    Outcome out = Judge(result, request.url);
    d->last_status = out.status;
    d->last_error = std::move(out.error);
    d->last_body = std::move(out.body);
    if (out.delivered || !out.retry || d->attempts >= policy.max_attempts) {
      state->Finish(d, out.delivered);
      co_return;
    }
    backoff.expires_after(RetryDelay(policy, d->attempts, out.retry_after));
    co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
    if (d->finished) co_return;
  }
}

}  // namespace webhook_internal

WebhookSender::WebhookSender(asio::io_context& io) : WebhookSender(io, SystemTls()) {}

WebhookSender::WebhookSender(asio::io_context& io, ssl::context tls)
    : state_(std::make_shared<webhook_internal::SenderState>(io, std::move(tls))) {}

WebhookSender::~WebhookSender() {
  state_->stopped = true;
  std::set<std::shared_ptr<webhook_internal::Delivery>> open = std::move(state_->deliveries);
  state_->deliveries.clear();
  for (const auto& delivery : open) state_->Cancel(delivery, false);
}

void WebhookSender::Send(WebhookDelivery delivery, DeliveryPolicy policy, Done done) {
  auto d = std::make_shared<webhook_internal::Delivery>();
  d->done = std::move(done);
  HttpRequest request;
  if (state_->stopped) {
    d->refusal = "the webhook sender is stopped";
  } else if (auto parsed = ParseHttpUrl(delivery.url); !parsed.ok()) {
    d->refusal = parsed.error().message;
  } else if (!IsHttpMethod(delivery.method)) {
    d->refusal = "unknown HTTP method \"" + Snippet(delivery.method) + "\"";
  } else if (HasControlChar(delivery.content_type)) {
    d->refusal = "the content type of the webhook holds a control character";
  } else if (std::any_of(delivery.headers.begin(), delivery.headers.end(), [](const auto& h) {
               return h.first.empty() || HasControlChar(h.first) || HasControlChar(h.second) ||
                      h.first.find(':') != std::string::npos;
             })) {
    d->refusal =
        "a header of the webhook is empty or holds a control character or a colon in its name";
  } else {
    request.method = std::move(delivery.method);
    request.url = std::move(*parsed);
    request.headers.emplace_back("Content-Type", std::move(delivery.content_type));
    for (auto& header : delivery.headers) request.headers.push_back(std::move(header));
    request.body = std::move(delivery.body);
  }
  policy = Normalized(policy);
  request.timeout = policy.attempt_timeout;
  request.body_limit = kMaxAnswerBytes;
  request.keep_status_of_long_body = true;
  state_->deliveries.insert(d);
  d->running = true;
  asio::co_spawn(state_->io, webhook_internal::Deliver(state_, d, std::move(request), policy),
                 asio::bind_cancellation_slot(
                     d->cancel.slot(), [state = state_, d](const std::exception_ptr& failure) {
                       d->running = false;
                       // Only bad_alloc can get here: the delivery ends, and says so.
                       if (failure && !d->finished) {
                         d->last_error = "internal error while delivering the webhook";
                         state->Finish(d, false);
                       }
                     }));
}

void WebhookSender::Stop() {
  state_->stopped = true;
  // Moved out first: a `done` called below may Send again (refused: stopped).
  std::set<std::shared_ptr<webhook_internal::Delivery>> open = std::move(state_->deliveries);
  state_->deliveries.clear();
  for (const auto& delivery : open) state_->Cancel(delivery, true);
}

std::size_t WebhookSender::pending() const { return state_->deliveries.size(); }

}  // namespace firedrill
