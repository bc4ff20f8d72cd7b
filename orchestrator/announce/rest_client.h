// A blocking client of a JSON REST API (Confluence, Jira) for the command line: one request at
// a time on an event loop of its own, through the webhook sender (its retries of 429 and 5xx,
// Retry-After, TLS checks and deadlines), with the credentials as its Authorization header.
#pragma once

#include <boost/asio/io_context.hpp>
#include <string>
#include <string_view>

#include "drills/expected.h"
#include "orchestrator/announce/webhook_sender.h"

namespace firedrill {

/// Returns the Authorization header for `credentials` as read from a file or the environment:
/// "USER:API_TOKEN" (Atlassian Cloud: an e-mail address and an API token) gives Basic with their
/// base64, a bare token (a Data Center personal access token) gives Bearer. Surrounding white
/// space is ignored; an empty value, or one with a control character inside, is an Error that
/// names `service` and does not quote the value.
Expected<std::string> RestAuthorization(std::string_view credentials, std::string_view service);

/// Percent-encodes `value` for a URL's query: everything but RFC 3986's unreserved characters.
std::string QueryValue(std::string_view value);

/// Requests to one REST API. Not thread-safe; blocks in Call.
class RestClient {
 public:
  /// `base_url` is prefixed to every path (a trailing '/' is dropped).
  RestClient(std::string base_url, std::string authorization, DeliveryPolicy policy);

  /// Sends `method` `path` (JSON `body` when not empty) with the Authorization header and
  /// Accept: application/json, and returns how it ended (retried as the policy says).
  DeliveryResult Call(const std::string& method, const std::string& path, std::string body = "");

  /// The base URL, without a trailing '/'.
  const std::string& base() const { return base_; }
  /// HTTP requests made so far, retries included.
  int requests() const { return requests_; }

 private:
  std::string base_;
  std::string authorization_;
  DeliveryPolicy policy_;
  boost::asio::io_context io_;
  WebhookSender sender_;
  int requests_ = 0;
};

}  // namespace firedrill
