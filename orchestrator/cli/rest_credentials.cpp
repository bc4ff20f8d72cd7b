#include "orchestrator/cli/rest_credentials.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "orchestrator/announce/rest_client.h"

namespace firedrill {

Expected<std::string> RestCredentials(const Invocation& inv, const char* variable,
                                      std::string_view service) {
  std::string value;
  if (auto file = inv.args.Value("credentials-file")) {
    std::ifstream in(*file);
    if (!in) return Error(fmt::format("--credentials-file {}: cannot be read", *file));
    std::stringstream text;
    text << in.rdbuf();
    value = text.str();
    const std::size_t nl = value.find('\n');
    if (nl != std::string::npos && value.find_first_not_of(" \t\r\n", nl) != std::string::npos) {
      return Error(fmt::format("--credentials-file {}: one line expected", *file));
    }
  } else if (const char* env = std::getenv(variable)) {
    value = env;
  } else {
    return Error(fmt::format(
        "no {} credentials: set {} or give --credentials-file F, holding EMAIL:API_TOKEN "
        "({} Cloud) or a personal access token (Data Center)",
        service, variable, service));
  }
  return RestAuthorization(value, service);
}

}  // namespace firedrill
