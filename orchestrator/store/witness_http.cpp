// A witness's exchange on the shared HTTP client, blocking, with its own event loop.
#include "orchestrator/store/witness_http.h"

#include <fmt/format.h>

#include <utility>

#include "orchestrator/http/http_client.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {

Expected<WitnessHttpAnswer> ExchangeWithWitness(const WitnessHttpRequest& request) {
  auto url = ParseHttpUrl(request.url);
  if (!url) return url.error();
  std::optional<HttpTls> tls;
  if (url->tls) {
    auto made = MakeHttpTls(request.ca_file ? request.ca_file->string() : std::string());
    if (!made.ok()) {
      return Error{fmt::format("{}: cannot set up TLS: {}", url->Origin(), made.error().message)};
    }
    tls.emplace(std::move(*made));
  }
  HttpRequest http;
  http.url = std::move(*url);
  http.headers = {{"User-Agent", "firedrill-witness"}};
  if (request.body) {
    http.method = "POST";
    http.headers.emplace_back("Content-Type", "application/json");
    http.body = *request.body;
  }
  http.timeout = request.timeout;
  http.body_limit = request.max_answer;
  HttpResult result = ExchangeBlocking(http, tls ? &*tls : nullptr);
  if (!result.ok()) return Error{result.failure.Message()};
  return WitnessHttpAnswer{result.answer->status, std::move(result.answer->body)};
}

}  // namespace firedrill
