#include "orchestrator/daemon/console_sessions.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace firedrill {

std::string CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      return std::string(pair.substr(eq + 1));
    }
  }
  return "";
}

Expected<std::string> RandomHex32() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Error("the random number generator failed");
  }
  std::string hex;
  for (unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

bool SameSecret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Expected<std::string> ConsoleSessions::Open(std::string token, std::string name, SysTime now) {
  auto id = RandomHex32();
  if (!id.ok()) return Error("cannot open a session: " + id.error().message);
  auto csrf = RandomHex32();
  if (!csrf.ok()) return Error("cannot open a session: " + csrf.error().message);
  while (sessions_.size() >= max_sessions_ && !sessions_.empty()) {
    auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& x, auto& y) {
      return x.second.expires < y.second.expires;
    });
    sessions_.erase(oldest);
  }
  sessions_[*id] =
      ConsoleSession{std::move(token), std::move(name), std::move(*csrf), now + lifetime_};
  return *id;
}

const ConsoleSession* ConsoleSessions::Find(std::string_view id, SysTime now) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return nullptr;
  if (it->second.expires <= now) {
    sessions_.erase(it);
    return nullptr;
  }
  return &it->second;
}

void ConsoleSessions::Close(std::string_view id) {
  if (auto it = sessions_.find(id); it != sessions_.end()) sessions_.erase(it);
}

std::string SessionCookie(std::string_view id, std::chrono::seconds lifetime, bool tls) {
  return fmt::format("{}={}; Path=/console; Max-Age={}; HttpOnly; SameSite=Strict{}",
                     kSessionCookie, id, lifetime.count(), tls ? "; Secure" : "");
}

std::string ClearedSessionCookie(bool tls) {
  return fmt::format("{}=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict{}", kSessionCookie,
                     tls ? "; Secure" : "");
}

}  // namespace firedrill
