#include "orchestrator/announce/rest_client.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cctype>
#include <optional>
#include <utility>

namespace firedrill {
namespace {

std::string Trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

std::string Base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()),
                                static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

Expected<std::string> RestAuthorization(std::string_view credentials, std::string_view service) {
  const std::string value = Trim(credentials);
  if (value.empty()) return Error(fmt::format("the {} credentials are empty", service));
  for (const char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Error(
          fmt::format("the {} credentials hold a control character (one line expected)", service));
    }
  }
  if (value.find(':') != std::string::npos) return "Basic " + Base64(value);
  return "Bearer " + value;
}

std::string QueryValue(std::string_view value) {
  std::string out;
  for (const char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", u);
    }
  }
  return out;
}

RestClient::RestClient(std::string base_url, std::string authorization, DeliveryPolicy policy)
    : base_(std::move(base_url)),
      authorization_(std::move(authorization)),
      policy_(policy),
      sender_(io_) {
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

DeliveryResult RestClient::Call(const std::string& method, const std::string& path,
                                std::string body) {
  WebhookDelivery d{base_ + path, std::move(body)};
  d.method = method;
  d.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}};
  std::optional<DeliveryResult> result;
  sender_.Send(std::move(d), policy_, [&result](const DeliveryResult& r) { result = r; });
  io_.restart();
  while (!result && io_.run_one() > 0) {
  }
  requests_ += result ? result->attempts : 0;
  return result.value_or(DeliveryResult{false, 0, 0, "the request never ended", ""});
}

}  // namespace firedrill
