// The credentials of a REST API the command line talks to (Confluence, Jira): from a file or
// the environment, never from the command line, where other users of the machine could read
// them.
#pragma once

#include <string>
#include <string_view>

#include "drills/expected.h"
#include "orchestrator/cli/command.h"

namespace firedrill {

/// Returns the Authorization header (RestAuthorization) for the credentials in the one line of
/// --credentials-file, else in the environment variable `variable`. The Error names both places
/// and the forms taken (USER:API_TOKEN, or a personal access token) for `service`, never the
/// value.
Expected<std::string> RestCredentials(const Invocation& inv, const char* variable,
                                      std::string_view service);

}  // namespace firedrill
