// The console's frame: navigation, who is signed in, the sign-out form with its CSRF token, the
// sign-in page, and no inline script or style anywhere (the Content-Security-Policy forbids them).
#include "orchestrator/console/console_layout.h"

#include <catch2/catch.hpp>
#include <regex>
#include <string>

namespace firedrill {

TEST_CASE("the console frame marks the current page and carries the CSRF token",
          "[console-layout]") {
  ConsoleViewer v{"<b>Ann</b>", Role::kResponder, std::string(64, 'a')};
  std::string h = ConsolePage(v, "Title <x>", kNavServices, "<p>body</p>");
  CHECK_THAT(h, Catch::Contains("<title>Title &lt;x&gt; · firedrill</title>"));
  CHECK_THAT(h, Catch::Contains("href=\"/console/services\" aria-current=\"page\""));
  CHECK_THAT(h, !Catch::Contains("href=\"/console/audit\" aria-current"));
  CHECK_THAT(h, Catch::Contains("&lt;b&gt;Ann&lt;/b&gt;</strong> (responder)"));
  CHECK_THAT(h, Catch::Contains("action=\"/console/sign-out\"><input type=\"hidden\" "
                                "name=\"csrf\" value=\"" +
                                std::string(64, 'a') + "\">"));
  CHECK_THAT(h, Catch::Contains("<main>\n<p>body</p>\n</main>"));
}

TEST_CASE("console pages hold no inline script or style", "[console-layout]") {
  ConsoleViewer v{"Ann", Role::kLead, "c"};
  for (const std::string& h :
       {ConsolePage(v, "t", kNavCalendar, ""), SignInPage("wrong <token>"),
        ConsoleErrorPage(nullptr, 403, "Refused", "x"), ConsoleErrorPage(&v, 404, "No", "y")}) {
    CHECK_FALSE(std::regex_search(h, std::regex("<script(?![^>]*\\ssrc=)")));
    CHECK_FALSE(std::regex_search(h, std::regex("\\sstyle=|<style|\\son[a-z]+=")));
  }
  CHECK_THAT(SignInPage("wrong <token>"), Catch::Contains("wrong &lt;token&gt;"));
  CHECK_THAT(ConsoleErrorPage(nullptr, 403, "Refused", "x"),
             Catch::Contains("href=\"/console/sign-in\""));
}

TEST_CASE("role checks of the console follow the API's roles", "[console-layout]") {
  CHECK(ViewerMay(ConsoleViewer{"", Role::kLead, ""}, Role::kResponder));
  CHECK_FALSE(ViewerMay(ConsoleViewer{"", Role::kResponder, ""}, Role::kLead));
  CHECK_FALSE(ViewerMay(ConsoleViewer{"", Role::kAuditor, ""}, Role::kResponder));
}

}  // namespace firedrill
