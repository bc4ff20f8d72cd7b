// Publishing a page to Confluence through its REST API (`/rest/api/content`): created the first
// time, updated in place (version + 1) every time after, found by its title, which Confluence
// keeps unique within a space. Used by `firedrill publish` for a drill run's postmortem.
#pragma once

#include <cstdint>
#include <string>

#include "drills/expected.h"
#include "orchestrator/announce/webhook_sender.h"

namespace firedrill {

/// Where and as whom to publish.
struct ConfluenceSite {
  /// The REST API's base: https://example.atlassian.net/wiki on Confluence Cloud, the site's
  /// address (https://confluence.example.com, with its context path if any) on Data Center.
  std::string base_url;
  std::string space;          ///< the space key, e.g. OPS
  std::string parent_id;      ///< the page to publish under; empty: the top of the space
  std::string authorization;  ///< the Authorization header (RestAuthorization)
};

/// What was published.
struct PublishedPage {
  std::string id;
  std::int64_t version = 0;  ///< the page's version after this publish (1 when created)
  std::string url;           ///< where people read it
  bool created = false;      ///< true: a new page; false: an existing one updated
  int requests = 0;          ///< HTTP requests made, retries included
};

/// Publishes `storage` (a page body in storage format) as the page titled `title` in
/// `site.space`: looks it up by title (GET ?spaceKey=&title=&expand=version); updates it with
/// PUT and the next version when it exists, retrying after a 409 (someone else saved a version
/// meanwhile) with the version read again, up to three times; creates it with POST under
/// `site.parent_id` otherwise. Each request is retried after 429 (as long as Retry-After says,
/// capped by `policy`) and 5xx, as `policy` says. Runs its own event loop: blocks until done.
/// Errors say what Confluence refused and why: 401/403 (the credentials), 404 (the space or the
/// parent page), 400 (Confluence's own message), or the last failure after the retries.
Expected<PublishedPage> PublishConfluencePage(const ConfluenceSite& site, const std::string& title,
                                              const std::string& storage, DeliveryPolicy policy);

}  // namespace firedrill
