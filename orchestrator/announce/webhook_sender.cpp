#include "orchestrator/announce/webhook_sender.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <exception>
#include <set>
#include <utility>
#include <vector>

#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kMaxAnswerBytes = 64 * 1024;
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

class Delivery;

struct SenderState {
  SenderState(asio::io_context& io_context, ssl::context context)
      : io(io_context), tls(std::move(context)) {}

  asio::io_context& io;
  ssl::context tls;  // every TLS stream of every delivery is made from it
  bool stopped = false;
  // Under way: from Send until `done` is called or the delivery is dropped.
  std::set<std::shared_ptr<Delivery>> deliveries;
};

// One delivery, from its first attempt to its `done`. Each asynchronous step holds a
// shared_ptr to it and the generation it was started in: a completion from an attempt that has
// already ended (a resolve that outlived its deadline, an operation aborted by Cancel) finds the
// generation moved on and does nothing.
class Delivery : public std::enable_shared_from_this<Delivery> {
 public:
  Delivery(std::shared_ptr<SenderState> state, HttpUrl url, WebhookDelivery what,
           DeliveryPolicy policy, WebhookSender::Done done, std::string refusal)
      : state_(std::move(state)),
        url_(std::move(url)),
        policy_(policy),
        done_(std::move(done)),
        refusal_(std::move(refusal)),
        resolver_(state_->io),
        deadline_timer_(state_->io),
        backoff_timer_(state_->io) {
    request_.method(http::string_to_verb(what.method));
    request_.target(url_.target);
    request_.version(11);
    request_.set(http::field::host, url_.HostHeader());
    request_.set(http::field::user_agent, "firedrill/" FIREDRILL_VERSION);
    request_.set(http::field::content_type, what.content_type);
    for (const auto& [name, value] : what.headers) request_.set(name, value);
    request_.keep_alive(false);
    request_.body() = std::move(what.body);
    request_.prepare_payload();
  }

  // Runs posted from Send, so that `done` is never called from within Send.
  void Begin() {
    if (finished_) return;
    if (!refusal_.empty()) {
      last_error_ = refusal_;
      Finish(false);
      return;
    }
    StartAttempt();
  }

  // Ends the delivery now: with `done` called (last_error "cancelled", or the reason it was
  // refused) or with `done` dropped.
  void Cancel(bool call_done) {
    if (finished_) return;
    last_error_ = refusal_.empty() ? "cancelled" : refusal_;
    if (call_done) {
      Finish(false);
      return;
    }
    finished_ = true;
    Release();
    done_ = nullptr;
  }

 private:
  enum class Phase { kIdle, kResolving, kConnecting, kHandshaking, kWriting, kReading };

  std::string_view PhaseName() const {
    switch (phase_) {
      case Phase::kResolving:
        return "resolving the host";
      case Phase::kConnecting:
        return "connecting";
      case Phase::kHandshaking:
        return "doing the TLS handshake";
      case Phase::kWriting:
        return "sending the request";
      case Phase::kReading:
        return "reading the answer";
      case Phase::kIdle:
        break;
    }
    return "waiting";
  }

  beast::tcp_stream& Lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  template <typename F>
  void WithStream(F&& f) {
    if (tls_) {
      f(*tls_);
    } else {
      f(*plain_);
    }
  }

  // Returns the completion handler, taking `Args`, of a step of the current attempt: it calls
  // `step` with the delivery and the operation's results unless the attempt has ended meanwhile.
  template <typename... Args, typename Step>
  auto Guarded(Step step) {
    return [self = shared_from_this(), generation = generation_, step](Args... results) {
      if (generation != self->generation_) return;
      step(*self, std::move(results)...);
    };
  }

  void StartAttempt() {
    ++attempts_;
    ++generation_;
    deadline_ = Clock::now() + policy_.attempt_timeout;
    phase_ = Phase::kResolving;
    buffer_.clear();
    parser_.reset();
    try {
      if (url_.tls) {
        tls_.emplace(state_->io, state_->tls);
        boost::system::error_code not_ip;
        asio::ip::make_address(url_.host, not_ip);
        // SNI carries host names only (RFC 6066); IP addresses are checked against the
        // certificate all the same.
        if (not_ip && SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str()) != 1) {
          EndAttempt(TransportFailure(beast::error_code(static_cast<int>(::ERR_get_error()),
                                                        asio::error::get_ssl_category())));
          return;
        }
        tls_->set_verify_mode(ssl::verify_peer);
        tls_->set_verify_callback(ssl::host_name_verification(url_.host));
      } else {
        plain_.emplace(state_->io);
      }
    } catch (const std::exception& e) {
      Outcome out;
      out.retry = true;
      out.error = fmt::format("{}: cannot set up the connection: {}", url_.Origin(), e.what());
      EndAttempt(std::move(out));
      return;
    }
    // The resolver has no deadline of its own: a timer ends the attempt instead, and the late
    // result, if any, is ignored.
    deadline_timer_.expires_at(deadline_);
    deadline_timer_.async_wait(Guarded<beast::error_code>([](Delivery& d, beast::error_code ec) {
      if (ec || d.phase_ != Phase::kResolving) return;
      d.resolver_.cancel();
      d.EndAttempt(d.TransportFailure(beast::error::timeout));
    }));
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port), tcp::resolver::numeric_service,
        Guarded<beast::error_code, tcp::resolver::results_type>(
            [](Delivery& d, beast::error_code ec, tcp::resolver::results_type results) {
              d.OnResolved(ec, std::move(results));
            }));
  }

  void OnResolved(beast::error_code ec, tcp::resolver::results_type results) {
    deadline_timer_.cancel();
    if (ec) return EndAttempt(TransportFailure(ec));
    phase_ = Phase::kConnecting;
    Lowest().expires_at(deadline_);
    Lowest().async_connect(results, Guarded<beast::error_code, tcp::endpoint>(
                                        [](Delivery& d, beast::error_code e, const tcp::endpoint&) {
                                          d.OnConnected(e);
                                        }));
  }

  void OnConnected(beast::error_code ec) {
    if (ec) return EndAttempt(TransportFailure(ec));
    if (!tls_) return Write();
    phase_ = Phase::kHandshaking;
    Lowest().expires_at(deadline_);
    tls_->async_handshake(ssl::stream_base::client,
                          Guarded<beast::error_code>([](Delivery& d, beast::error_code e) {
                            if (e) return d.EndAttempt(d.TransportFailure(e));
                            d.Write();
                          }));
  }

  void Write() {
    phase_ = Phase::kWriting;
    Lowest().expires_at(deadline_);
    WithStream([this](auto& stream) {
      http::async_write(stream, request_,
                        Guarded<beast::error_code, std::size_t>(
                            [](Delivery& d, beast::error_code e, std::size_t) {
                              if (e) return d.EndAttempt(d.TransportFailure(e));
                              d.Read();
                            }));
    });
  }

  void Read() {
    phase_ = Phase::kReading;
    parser_.emplace();
    parser_->body_limit(kMaxAnswerBytes);
    Lowest().expires_at(deadline_);
    WithStream([this](auto& stream) {
      http::async_read(stream, buffer_, *parser_,
                       Guarded<beast::error_code, std::size_t>(
                           [](Delivery& d, beast::error_code e, std::size_t) { d.OnAnswer(e); }));
    });
  }

  void OnAnswer(beast::error_code ec) {
    // An answer whose body is too long still counts by its status line.
    bool header_only = ec == http::error::body_limit && parser_->is_header_done();
    if (ec && !header_only) return EndAttempt(TransportFailure(ec));
    const http::response<http::string_body>& answer = parser_->get();
    Outcome out;
    out.status = static_cast<int>(answer.result_int());
    if (!header_only) out.body = answer.body();
    if (out.status >= 200 && out.status <= 299) {
      out.delivered = true;
      return EndAttempt(std::move(out));
    }
    out.retry = IsRetryableStatus(out.status);
    if (out.retry) out.retry_after = ParseRetryAfter(answer[http::field::retry_after]);
    std::string snippet = Snippet(answer.body());
    out.error = fmt::format("{} answered HTTP {} {}{}{}", url_.Origin(), out.status,
                            Snippet(answer.reason()), out.retry ? "" : " (not retried)",
                            snippet.empty() ? "" : ": " + snippet);
    EndAttempt(std::move(out));
  }

  Outcome TransportFailure(beast::error_code ec) const {
    Outcome out;
    out.retry = true;
    if (ec == beast::error::timeout) {
      out.error = fmt::format("{}: no answer within {} ms ({})", url_.Origin(),
                              policy_.attempt_timeout.count(), PhaseName());
    } else {
      out.error = fmt::format("{}: {} ({})", url_.Origin(), ec.message(), PhaseName());
    }
    return out;
  }

  void EndAttempt(Outcome out) {
    ++generation_;
    phase_ = Phase::kIdle;
    deadline_timer_.cancel();
    CloseStream();
    last_status_ = out.status;
    last_error_ = std::move(out.error);
    last_body_ = std::move(out.body);
    if (out.delivered || !out.retry || attempts_ >= policy_.max_attempts) {
      Finish(out.delivered);
      return;
    }
    backoff_timer_.expires_after(RetryDelay(policy_, attempts_, out.retry_after));
    backoff_timer_.async_wait(Guarded<beast::error_code>([](Delivery& d, beast::error_code ec) {
      if (!ec) d.StartAttempt();
    }));
  }

  void CloseStream() {
    // No TLS close_notify: the whole answer is read (or the attempt given up), and a peer that
    // does not answer the shutdown would only hold the delivery up.
    if (tls_ || plain_) Lowest().close();
  }

  // Makes every pending operation complete (aborted, and ignored) and leaves the sender's set.
  void Release() {
    ++generation_;
    phase_ = Phase::kIdle;
    resolver_.cancel();
    deadline_timer_.cancel();
    backoff_timer_.cancel();
    CloseStream();
    state_->deliveries.erase(shared_from_this());
  }

  void Finish(bool delivered) {
    if (finished_) return;
    finished_ = true;
    std::shared_ptr<Delivery> keep = shared_from_this();  // the set may hold the last owner
    Release();
    WebhookSender::Done done = std::move(done_);
    done_ = nullptr;
    if (done)
      done(DeliveryResult{delivered, attempts_, last_status_, delivered ? "" : last_error_,
                          std::move(last_body_)});
  }

  std::shared_ptr<SenderState> state_;
  HttpUrl url_;
  DeliveryPolicy policy_;
  WebhookSender::Done done_;
  std::string refusal_;  // why the delivery cannot start; empty when it can
  http::request<http::string_body> request_;

  tcp::resolver resolver_;
  asio::steady_timer deadline_timer_;  // the resolve's deadline
  asio::steady_timer backoff_timer_;   // the wait before the next attempt
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;

  Phase phase_ = Phase::kIdle;
  Clock::time_point deadline_;
  unsigned generation_ = 0;
  bool finished_ = false;
  int attempts_ = 0;
  int last_status_ = 0;
  std::string last_error_;
  std::string last_body_;
};

}  // namespace webhook_internal

WebhookSender::WebhookSender(asio::io_context& io) : WebhookSender(io, SystemTls()) {}

WebhookSender::WebhookSender(asio::io_context& io, ssl::context tls)
    : state_(std::make_shared<webhook_internal::SenderState>(io, std::move(tls))) {}

WebhookSender::~WebhookSender() {
  state_->stopped = true;
  std::set<std::shared_ptr<webhook_internal::Delivery>> open = std::move(state_->deliveries);
  state_->deliveries.clear();
  for (const auto& delivery : open) delivery->Cancel(false);
}

void WebhookSender::Send(WebhookDelivery delivery, DeliveryPolicy policy, Done done) {
  std::string refusal;
  HttpUrl url;
  if (state_->stopped) {
    refusal = "the webhook sender is stopped";
  } else if (auto parsed = ParseHttpUrl(delivery.url); !parsed.ok()) {
    refusal = parsed.error().message;
  } else if (http::string_to_verb(delivery.method) == http::verb::unknown) {
    refusal = "unknown HTTP method \"" + Snippet(delivery.method) + "\"";
  } else if (HasControlChar(delivery.content_type)) {
    refusal = "the content type of the webhook holds a control character";
  } else if (std::any_of(delivery.headers.begin(), delivery.headers.end(), [](const auto& h) {
               return h.first.empty() || HasControlChar(h.first) || HasControlChar(h.second) ||
                      h.first.find(':') != std::string::npos;
             })) {
    refusal =
        "a header of the webhook is empty or holds a control character or a colon in its name";
  } else {
    url = std::move(*parsed);
  }
  auto d = std::make_shared<webhook_internal::Delivery>(state_, std::move(url), std::move(delivery),
                                                        Normalized(policy), std::move(done),
                                                        std::move(refusal));
  state_->deliveries.insert(d);
  asio::post(state_->io, [d] { d->Begin(); });
}

void WebhookSender::Stop() {
  state_->stopped = true;
  // Moved out first: a `done` called below may Send again (refused: stopped).
  std::set<std::shared_ptr<webhook_internal::Delivery>> open = std::move(state_->deliveries);
  state_->deliveries.clear();
  for (const auto& delivery : open) delivery->Cancel(true);
}

std::size_t WebhookSender::pending() const { return state_->deliveries.size(); }

}  // namespace firedrill
