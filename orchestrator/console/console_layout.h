// The frame every console page shares: the document head (the console's stylesheet and script,
// both served by the daemon from the binary), the navigation, who is signed in and the sign-out
// form. Pages are pure functions from typed facts to HTML; this is the one place that writes the
// frame around them.
#pragma once

#include <string>
#include <string_view>

#include "orchestrator/store/token_table.h"

namespace firedrill {

/// Who looks at a page: what the console may show and offer them.
struct ConsoleViewer {
  std::string name;            ///< as given at sign-in (shown, and the "by" of what they do)
  Role role = Role::kAuditor;  ///< of the token they signed in with
  std::string csrf;            ///< the session's CSRF token, carried by every form
};

/// True iff `viewer` may do what needs `need` (RoleAllows): a page offers a button only then.
bool ViewerMay(const ConsoleViewer& viewer, Role need);

/// The navigation entries; `ConsolePage`'s `current` names one of them.
inline constexpr std::string_view kNavCalendar = "calendar";
inline constexpr std::string_view kNavServices = "services";
inline constexpr std::string_view kNavAudit = "audit";

/// Returns the hidden form field that carries the viewer's CSRF token (name "csrf").
std::string CsrfField(const ConsoleViewer& viewer);

/// Returns a whole HTML document: `title` (escaped) in the head (the page writes its own <h1>), the
/// navigation with `current` marked (aria-current), the viewer's name and role and a sign-out
/// form, then `main_html` (already HTML, made by a page function) inside <main>. No inline script
/// or style: the Content-Security-Policy the daemon sends forbids them.
std::string ConsolePage(const ConsoleViewer& viewer, std::string_view title,
                        std::string_view current, std::string_view main_html);

/// Returns the sign-in page: a form that takes a token and a name (POST /console/sign-in), with
/// `message` (escaped; "" for none) above it, e.g. why the last attempt failed.
std::string SignInPage(std::string_view message);

/// Returns a small page for an error (403, 404, ...) in the console's frame: `title` and
/// `message` (both escaped) and a link back to the calendar. Without a viewer (not signed in) it
/// links to the sign-in page instead.
std::string ConsoleErrorPage(const ConsoleViewer* viewer, int status, std::string_view title,
                             std::string_view message);

/// The console's stylesheet (served as /console/static/console.css).
std::string_view ConsoleCss();

/// The console's script (served as /console/static/console.js): only enhances pages that work
/// without it (live updates over server-sent events, confirmation of an abort, the viewer's
/// time zone in calendar links).
std::string_view ConsoleJs();

}  // namespace firedrill
