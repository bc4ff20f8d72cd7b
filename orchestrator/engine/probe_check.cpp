#include "orchestrator/engine/probe_check.h"

#include <fmt/format.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

asio::awaitable<ProbeOutcome> CheckHttp(const Probe& p) {
  // The one URL parser (Boost.URL underneath): an IPv6 host comes without its brackets.
  auto url = ParseHttpUrl(p.url);
  if (!url.ok()) co_return ProbeOutcome{false, url.error().message};
  if (url->tls) co_return ProbeOutcome{false, "only http:// probe URLs are supported so far"};
  auto ex = co_await asio::this_coro::executor;
  beast::tcp_stream stream(ex);
  stream.expires_after(p.timeout);
  asio::ip::tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(url->host, std::to_string(url->port),
                                                        asio::as_tuple(asio::use_awaitable));
  if (rec) co_return ProbeOutcome{false, "cannot resolve " + url->host + ": " + rec.message()};
  auto [cec, ep] = co_await stream.async_connect(results, asio::as_tuple(asio::use_awaitable));
  if (cec) co_return ProbeOutcome{false, "connect: " + cec.message()};
  http::request<http::empty_body> req{http::verb::get, url->target, 11};
  req.set(http::field::host, url->HostHeader());
  req.set(http::field::user_agent, "firedrill-probe");
  req.set(http::field::connection, "close");
  auto [wec, wn] = co_await http::async_write(stream, req, asio::as_tuple(asio::use_awaitable));
  if (wec) co_return ProbeOutcome{false, "send: " + wec.message()};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  auto [rdec, rn] =
      co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
  if (rdec) {
    co_return ProbeOutcome{false, rdec == beast::error::timeout
                                      ? fmt::format("timed out after {}ms", p.timeout.count())
                                      : "read: " + rdec.message()};
  }
  const auto& res = parser.get();
  int status = static_cast<int>(res.result_int());
  if (status != p.expect_status) {
    co_return ProbeOutcome{false, fmt::format("HTTP {} (expected {})", status, p.expect_status)};
  }
  if (!p.expect_body.empty() && res.body().find(p.expect_body) == std::string::npos) {
    co_return ProbeOutcome{
        false, fmt::format("HTTP {} without \"{}\" in the body", status, p.expect_body)};
  }
  co_return ProbeOutcome{true, fmt::format("HTTP {}", status)};
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
