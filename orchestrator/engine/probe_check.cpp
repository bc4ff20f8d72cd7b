#include "orchestrator/engine/probe_check.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include "orchestrator/http/http_client.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// The words of a failed check, as they were before the shared client: short, since the live
// view shows them beside the probe's name.
std::string Detail(const HttpFailure& f, const HttpUrl& url) {
  if (f.timed_out) {
    std::string out = fmt::format("timed out after {}ms", f.timeout.count());
    if (f.stage != HttpStage::kRead) out += fmt::format(" ({})", HttpStageName(f.stage));
    return out;
  }
  switch (f.stage) {
    case HttpStage::kResolve:
      return "cannot resolve " + url.host + ": " + f.reason;
    case HttpStage::kConnect:
      return "connect: " + f.reason;
    case HttpStage::kHandshake:
      return "TLS: " + f.reason;
    case HttpStage::kSend:
      return "send: " + f.reason;
    case HttpStage::kRead:
      break;
  }
  return "read: " + f.reason;
}

asio::awaitable<ProbeOutcome> CheckHttp(const Probe& p) {
  // The one URL parser (Boost.URL underneath): an IPv6 host comes without its brackets.
  auto url = ParseHttpUrl(p.url);
  if (!url.ok()) co_return ProbeOutcome{false, url.error().message};
  if (url->tls) co_return ProbeOutcome{false, "only http:// probe URLs are supported so far"};
  HttpRequest request;
  request.url = *url;
  request.headers = {{"User-Agent", "firedrill-probe"}};
  request.timeout = p.timeout;
  request.body_limit = 1 << 20;
  HttpResult r = co_await Exchange(request, nullptr);
  if (!r.ok()) co_return ProbeOutcome{false, Detail(r.failure, *url)};
  const HttpAnswer& res = *r.answer;
  if (res.status != p.expect_status) {
    co_return ProbeOutcome{false,
                           fmt::format("HTTP {} (expected {})", res.status, p.expect_status)};
  }
  if (!p.expect_body.empty() && res.body.find(p.expect_body) == std::string::npos) {
    co_return ProbeOutcome{
        false, fmt::format("HTTP {} without \"{}\" in the body", res.status, p.expect_body)};
  }
  co_return ProbeOutcome{true, fmt::format("HTTP {}", res.status)};
}

asio::awaitable<ProbeOutcome> CheckTcp(const Probe& p) {
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(p.timeout);
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(p.host, std::to_string(p.port),
                                                        asio::as_tuple(asio::use_awaitable));
  if (rec) co_return ProbeOutcome{false, "cannot resolve " + p.host + ": " + rec.message()};
  auto [cec, ep] = co_await stream.async_connect(results, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return ProbeOutcome{false, "connect: " + cec.message()};
  co_return ProbeOutcome{true, fmt::format("connected to {}:{}", p.host, p.port)};
}

}  // namespace

asio::awaitable<ProbeOutcome> CheckProbe(const Probe& probe, CommandRunner* runner) {
  switch (probe.kind) {
    case ProbeKind::kHttp:
      co_return co_await CheckHttp(probe);
    case ProbeKind::kTcp:
      co_return co_await CheckTcp(probe);
    case ProbeKind::kCommand: {
      if (runner == nullptr) co_return ProbeOutcome{false, "no runner for the probe's target"};
      auto r = co_await runner->Run(probe.command, probe.timeout);
      if (!r.ok()) co_return ProbeOutcome{false, r.error().message};
      if (r->ok()) co_return ProbeOutcome{true, "exit 0"};
      co_return ProbeOutcome{false, SummarizeFailure(*r, probe.timeout)};
    }
  }
  co_return ProbeOutcome{false, "unknown probe kind"};
}

}  // namespace firedrill
