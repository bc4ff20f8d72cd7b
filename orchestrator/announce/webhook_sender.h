// Delivery of outgoing webhooks (chat notices): an HTTP(S) POST, retried with exponential
// backoff, entirely asynchronous on the caller's io_context. A chat that is down or slow never
// blocks the loop thread, so it never delays or stops a drill; the caller learns the outcome
// through a callback and records it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace firedrill {

namespace webhook_internal {
struct SenderState;
}  // namespace webhook_internal

/// One request to make: a POST unless `method` says otherwise.
struct WebhookDelivery {
  std::string url;  ///< http://host[:port]/path or https://... (see ParseHttpUrl)
  std::string body;
  std::string content_type = "application/json";
  std::string method = "POST";  ///< "GET", "PUT", ...; an unknown one refuses the delivery
  /// More request headers, e.g. {"Authorization", "Bearer ..."}: values are secrets, never
  /// logged or recorded. A name or value with a control character refuses the delivery.
  std::vector<std::pair<std::string, std::string>> headers{};
};

/// How hard to try. Values below their minimum are raised to it: max_attempts to 1, the backoffs
/// to 0, attempt_timeout to 1 ms.
struct DeliveryPolicy {
  int max_attempts = 6;                              ///< the first attempt included
  std::chrono::milliseconds first_backoff{1000};     ///< wait after the first failed attempt
  std::chrono::milliseconds max_backoff{60000};      ///< no wait is longer, Retry-After included
  std::chrono::milliseconds attempt_timeout{10000};  ///< resolve to answer, for each attempt
};

/// How a delivery ended.
struct DeliveryResult {
  bool delivered = false;  ///< a 2xx answer was received
  int attempts = 0;        ///< attempts made; 0 when the delivery could not start (bad URL)
  int last_status = 0;     ///< HTTP status of the last attempt; 0 if it got no HTTP answer
  /// Why the last attempt failed ("" when delivered); names the URL only by its origin
  /// (HttpUrl::Origin), never with its path, which may hold a secret.
  std::string last_error;
  /// The body of the last answer (up to 64 KiB; empty when there was none or it was longer),
  /// for a caller that reads what the server answered (an id it created, a version).
  std::string body;
};

/// Returns true iff an answer with `status` is worth another attempt: 429 and every 5xx.
/// Other non-2xx answers (4xx, 3xx) are final: the request itself is wrong.
bool IsRetryableStatus(int status);

/// Returns the seconds of a Retry-After header written as a number of seconds ("120"),
/// surrounding spaces allowed; nullopt for anything else, including the HTTP-date form (the
/// computed backoff is used then).
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value);

/// Returns how long to wait after `failed_attempts` (>= 1) failed attempts: `retry_after` when
/// the server sent one, else first_backoff doubled for each failed attempt after the first;
/// never more than max_backoff (never negative).
std::chrono::milliseconds RetryDelay(const DeliveryPolicy& policy, int failed_attempts,
                                     std::optional<std::chrono::seconds> retry_after);

/// Sends webhooks on an io_context that runs on one thread and outlives this object. Every
/// member function is called on that thread (or while the io_context is not running).
///
/// Each attempt is one exchange of the shared HTTP client (orchestrator/http/http_client.h): it
/// connects afresh (Connection: close), resolves, connects, does the TLS handshake
/// for https, writes and reads under one deadline per attempt (attempt_timeout, also on name
/// resolution), and reads at most 64 KiB of answer. For https the peer's certificate must chain
/// to a trusted CA and match the host (name or IP address); SNI carries the host name.
class WebhookSender {
 public:
  using Done = std::function<void(const DeliveryResult&)>;

  /// Trusts the system's CA store (OpenSSL's default verify paths) for https; TLS 1.2 or newer.
  explicit WebhookSender(boost::asio::io_context& io);
  /// Uses `tls` for https (for example with a site's own CA added); peers are still verified
  /// against it, with host name checks and SNI.
  WebhookSender(boost::asio::io_context& io, boost::asio::ssl::context tls);
  /// Drops every delivery still under way without calling its `done` (the callbacks are
  /// destroyed); call Stop() first to have them called.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  /// Starts delivering `delivery` and returns at once. `done` is called exactly once, on the
  /// io_context thread and never from within Send: delivered on the first 2xx answer; failed
  /// after a non-retryable answer, after policy.max_attempts attempts, at once for a bad URL or a
  /// content type or header holding a control character (attempts 0, no retry), or at once when the
  /// sender is stopped. Retried after a connection or TLS failure, a timeout, or a 5xx/429 answer,
  /// after RetryDelay. `done` must not throw; an empty `done` sends without telling anyone.
  void Send(WebhookDelivery delivery, DeliveryPolicy policy, Done done);

  /// Cancels every delivery under way: each one's `done` is called before Stop returns, with
  /// delivered false, the attempts made so far, and last_error "cancelled"; no callback of them
  /// runs afterwards and their connections and timers are closed. Later Sends fail with "the
  /// webhook sender is stopped". Idempotent.
  void Stop();

  /// The number of deliveries under way (started and `done` not yet called).
  std::size_t pending() const;

 private:
  // Shared with every delivery, so that one still unwinding after this object is gone (its
  // aborted operations complete later on the io_context) touches nothing freed.
  std::shared_ptr<webhook_internal::SenderState> state_;
};

}  // namespace firedrill
