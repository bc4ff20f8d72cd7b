// The one outgoing HTTP(S) client: one request and its answer as a coroutine on the caller's
// executor (resolve, connect, TLS handshake for https, send, read, all under one deadline), and
// a blocking form of it with an event loop of its own. Each exchange connects afresh and closes
// afterwards (Connection: close). Used by webhooks, witnesses, HTTP probes and the control
// client.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {

/// The steps of an exchange, in their order; a failure names the one it happened in.
enum class HttpStage { kResolve, kConnect, kHandshake, kSend, kRead };

/// Returns what `stage` does, for messages: "resolving the host", "connecting", "doing the TLS
/// handshake", "sending the request", "reading the answer".
std::string_view HttpStageName(HttpStage stage);

/// What an https exchange trusts. The peer's certificate must always chain to `context`'s
/// trusted certificates; SNI carries the URL's host when it is a name.
struct HttpTls {
  boost::asio::ssl::context context{boost::asio::ssl::context::tls_client};
  /// The certificate must also name the URL's host (DNS name or IP address). False only when
  /// `context` pins the peer's own certificate.
  bool check_host = true;
};

/// Returns TLS settings, TLS 1.2 or newer, that trust the PEM certificates in `ca_file`, or the
/// system's store (OpenSSL's default verify paths) when it is empty. Fails with an Error naming
/// `ca_file` when it cannot be read.
Expected<HttpTls> MakeHttpTls(const std::string& ca_file);

/// Returns true iff `method` is an HTTP method the client can send ("GET", "POST", ...; case
/// matters).
bool IsHttpMethod(std::string_view method);

/// One request.
struct HttpRequest {
  std::string method = "GET";  ///< must satisfy IsHttpMethod
  HttpUrl url{};               ///< where to; `url.target` is sent as the request target
  /// Request headers besides Host, Content-Length and Connection (set by the client). A
  /// User-Agent here replaces the default "firedrill/VERSION". Names and values are not checked:
  /// a caller that takes them from outside refuses control characters first.
  std::vector<std::pair<std::string, std::string>> headers{};
  std::string body{};  ///< sent with a Content-Length when not empty (or the method wants one)
  /// For the whole exchange: resolve, connect, handshake, send and read together.
  std::chrono::milliseconds timeout{10000};
  std::size_t body_limit = 1024 * 1024;  ///< the longest answer body accepted
  /// What an answer whose body is longer than `body_limit` is: false, a failure (kRead); true,
  /// an answer with its status and headers, an empty body and `body_cut` set.
  bool keep_status_of_long_body = false;
};

/// An answer, whatever its status.
struct HttpAnswer {
  int status = 0;
  std::string reason{};  ///< the status line's reason phrase, as sent
  std::string body{};
  bool body_cut = false;  ///< the body was longer than the limit and is left out
  std::vector<std::pair<std::string, std::string>> headers{};  ///< as received, in order

  /// Returns the value of the first header named `name` (any case), or "" without one.
  std::string Header(std::string_view name) const;
};

/// Why an exchange has no answer. Names the URL only by its origin: a URL's path or query may
/// hold a secret (a chat webhook's token).
struct HttpFailure {
  std::string origin{};  ///< HttpUrl::Origin of the request
  HttpStage stage = HttpStage::kResolve;
  bool timed_out = false;             ///< the request's deadline passed in `stage`
  bool cancelled = false;             ///< the caller cancelled the exchange during `stage`
  boost::system::error_code error{};  ///< what the stage failed with, when not timed out
  std::string reason{};               ///< error's text, or what else went wrong
  /// When the peer's certificate was refused: OpenSSL's verdict ("self-signed certificate",
  /// "hostname mismatch"); else empty.
  std::string certificate_problem{};
  std::chrono::milliseconds timeout{0};  ///< the request's deadline, for messages

  /// Returns "ORIGIN: REASON (STAGE NAME)", with ": CERTIFICATE PROBLEM" after REASON when
  /// there is one; "ORIGIN: no answer within N ms (STAGE NAME)" when timed out;
  /// "ORIGIN: cancelled (STAGE NAME)" when cancelled.
  std::string Message() const;
};

/// How an exchange ended: an answer, or a failure.
struct HttpResult {
  std::optional<HttpAnswer> answer{};  ///< set iff an answer was read
  HttpFailure failure{};               ///< meaningful only without an answer

  /// Returns true iff there is an answer.
  bool ok() const { return answer.has_value(); }
};

/// Makes `request` on the caller's executor and returns the answer, whatever its status, or the
/// failure. `request` and `tls` must outlive the returned awaitable. `tls` holds the trust for an
/// https URL; null means the system's store, with host name checks. Never throws (but for
/// bad_alloc). When the request cannot be sent in full but the peer answers anyway (a 413 before
/// reading everything), the answer counts.
///
/// Cancellation: a terminal, partial or total cancellation of the calling coroutine (a
/// cancellation slot bound to its co_spawn) closes the connection or cancels the name
/// resolution at once; the exchange then ends with `failure.cancelled`. A name resolution
/// already running in the system resolver ends only when the system lets it, late results being
/// ignored.
boost::asio::awaitable<HttpResult> Exchange(const HttpRequest& request, HttpTls* tls);

/// Exchange on an io_context of its own, run on the calling thread until the exchange ends;
/// blocks.
HttpResult ExchangeBlocking(const HttpRequest& request, HttpTls* tls);

}  // namespace firedrill
