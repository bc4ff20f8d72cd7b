#include "orchestrator/announce/confluence_page.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <optional>
#include <vector>

#include "orchestrator/announce/rest_client.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr int kConflictRetries = 3;

// What a failed answer means, for the person who runs `publish`.
Error Refused(const DeliveryResult& r, const ConfluenceSite& site, const std::string& doing) {
  std::string why = r.last_error;
  if (!r.body.empty()) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (!ec && v.is_object() && v.as_object().contains("message") &&
        v.as_object().at("message").is_string()) {
      why = fmt::format("HTTP {}: {}", r.last_status, v.as_object().at("message").as_string());
    }
  }
  if (r.last_status == 401 || r.last_status == 403) {
    return Error(fmt::format(
        "Confluence refused the credentials while {} (HTTP {}): check the e-mail address and API "
        "token (or the personal access token) and their permission to write in space {}",
        doing, r.last_status, site.space));
  }
  if (r.last_status == 404) {
    return Error(fmt::format("Confluence found no {} while {} ({})",
                             site.parent_id.empty() ? fmt::format("space {}", site.space)
                                                    : fmt::format("space {} or parent page {}",
                                                                  site.space, site.parent_id),
                             doing, why));
  }
  return Error(fmt::format("Confluence: {} failed: {}", doing, why));
}

json::object PageBody(const ConfluenceSite& site, const std::string& title,
                      const std::string& storage) {
  json::object page{
      {"type", "page"},
      {"title", title},
      {"space", json::object{{"key", site.space}}},
      {"body",
       json::object{{"storage", json::object{{"value", storage}, {"representation", "storage"}}}}}};
  return page;
}

std::string PageUrl(const json::object& answer, const std::string& base, const std::string& id) {
  if (answer.contains("_links") && answer.at("_links").is_object()) {
    const json::object& links = answer.at("_links").as_object();
    if (links.contains("base") && links.contains("webui") && links.at("base").is_string() &&
        links.at("webui").is_string()) {
      return std::string(links.at("base").as_string()) + std::string(links.at("webui").as_string());
    }
  }
  return base + "/pages/viewpage.action?pageId=" + id;
}

// The id and version of a page answer ({"id": "123", "version": {"number": 4}}).
Expected<std::pair<std::string, std::int64_t>> IdAndVersion(const json::value& page) {
  if (!page.is_object() || !page.as_object().contains("id") ||
      !page.as_object().at("id").is_string()) {
    return Error("Confluence answered a page without an id");
  }
  std::int64_t version = 0;
  if (const json::value* v = page.as_object().if_contains("version");
      v != nullptr && v->is_object()) {
    if (const json::value* n = v->as_object().if_contains("number");
        n != nullptr && n->is_int64()) {
      version = n->as_int64();
    }
  }
  return std::pair{std::string(page.as_object().at("id").as_string()), version};
}

Expected<json::value> ParseAnswer(const DeliveryResult& r, const std::string& doing) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec) return Error(fmt::format("Confluence answered {} with something other than JSON", doing));
  return v;
}

}  // namespace

Expected<PublishedPage> PublishConfluencePage(const ConfluenceSite& site, const std::string& title,
                                              const std::string& storage, DeliveryPolicy policy) {
  RestClient client(site.base_url, site.authorization, policy);
  const std::string api = "/rest/api/content";
  PublishedPage page;
  for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
    const std::string doing = fmt::format("looking up the page \"{}\"", title);
    DeliveryResult found =
        client.Call("GET", fmt::format("{}?spaceKey={}&title={}&expand=version", api,
                                       QueryValue(site.space), QueryValue(title)));
    if (!found.delivered) return Refused(found, site, doing);
    Expected<json::value> results = ParseAnswer(found, doing);
    if (!results) return results.error();
    const json::value* list =
        results->is_object() ? results->as_object().if_contains("results") : nullptr;
    if (list == nullptr || !list->is_array()) {
      return Error(fmt::format("Confluence answered {} without a results list", doing));
    }
    if (list->as_array().empty()) {
      // Not there: created, under the parent page when one is given.
      json::object body = PageBody(site, title, storage);
      if (!site.parent_id.empty())
        body["ancestors"] = json::array{json::object{{"id", site.parent_id}}};
      DeliveryResult created = client.Call("POST", api, json::serialize(body));
      if (!created.delivered) return Refused(created, site, "creating the page");
      Expected<json::value> answer = ParseAnswer(created, "the new page");
      if (!answer) return answer.error();
      auto id = IdAndVersion(*answer);
      if (!id) return id.error();
      page.id = id->first;
      page.version = id->second == 0 ? 1 : id->second;
      page.url = PageUrl(answer->as_object(), client.base(), page.id);
      page.created = true;
      page.requests = client.requests();
      return page;
    }
    auto id = IdAndVersion(list->as_array().front());
    if (!id) return id.error();
    json::object body = PageBody(site, title, storage);
    body["id"] = id->first;
    body["version"] = json::object{{"number", id->second + 1}};
    DeliveryResult updated =
        client.Call("PUT", fmt::format("{}/{}", api, id->first), json::serialize(body));
    if (updated.last_status == 409) continue;  // a version saved meanwhile: read it again
    if (!updated.delivered) return Refused(updated, site, "updating the page");
    Expected<json::value> answer = ParseAnswer(updated, "the updated page");
    if (!answer) return answer.error();
    auto now = IdAndVersion(*answer);
    if (!now) return now.error();
    page.id = now->first;
    page.version = now->second == 0 ? id->second + 1 : now->second;
    page.url = PageUrl(answer->as_object(), client.base(), page.id);
    page.requests = client.requests();
    return page;
  }
  return Error(fmt::format(
      "Confluence: the page \"{}\" kept changing while it was updated (HTTP 409 {} times); "
      "publish again",
      title, kConflictRetries));
}

}  // namespace firedrill
