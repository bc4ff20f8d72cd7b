// firedrill-plugin-redis: a bundled fault plugin (protocol 1, docs/plugin-protocol.md) that talks
// RESP to a Redis server over TCP. Self-contained (Boost.JSON header-only, no hiredis) so it can
// be copied to an SSH target as is. Kinds:
//   redis.client-pause      CLIENT PAUSE for a duration; restore CLIENT UNPAUSE.
//   redis.maxmemory-squeeze CONFIG SET maxmemory (and optionally the policy) to a small value;
//                           restore sets the recorded prior values back.
#include <arpa/inet.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/src.hpp>  // NOLINT: header-only Boost.JSON, one TU only
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {
namespace json = boost::json;

// An error the plugin answers with ok:false.
struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Parses firedrill durations ("1h30m", "250ms", "10s") into milliseconds.
std::int64_t ParseDurationMs(const std::string& text) {
  std::int64_t total = 0;
  std::size_t i = 0;
  if (text.empty()) throw Failure("empty duration");
  while (i < text.size()) {
    std::size_t start = i;
    std::int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') n = n * 10 + (text[i++] - '0');
    if (i == start) throw Failure("bad duration \"" + text + "\"");
    std::string unit;
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) unit += text[i++];
    if (unit == "ms") {
      total += n;
    } else if (unit == "s") {
      total += n * 1000;
    } else if (unit == "m") {
      total += n * 60'000;
    } else if (unit == "h") {
      total += n * 3'600'000;
    } else if (unit == "d") {
      total += n * 86'400'000;
    } else {
      throw Failure("bad duration \"" + text + "\"");
    }
  }
  return total;
}

// One RESP connection with a per-reply deadline.
class Redis {
 public:
  Redis(const std::string& host, int port, int timeout_ms) : timeout_ms_(timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const std::string port_text = std::to_string(port);
    if (getaddrinfo(host.c_str(), port_text.c_str(), &hints, &res) != 0 || res == nullptr) {
      throw Failure("cannot resolve " + host);
    }
    for (addrinfo* a = res; a != nullptr && fd_ < 0; a = a->ai_next) {
      int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        fd_ = fd;
      } else {
        ::close(fd);
      }
    }
    freeaddrinfo(res);
    if (fd_ < 0) {
      throw Failure("cannot connect to redis at " + host + ":" + port_text + ": " +
                    std::strerror(errno));
    }
  }
  ~Redis() {
    if (fd_ >= 0) ::close(fd_);
  }
  Redis(const Redis&) = delete;
  Redis& operator=(const Redis&) = delete;

  // Sends a command; returns the reply as text (status, bulk, integer) or a list joined by
  // '\n'. A RESP error reply throws Failure; a missing reply within `timeout_ms` returns nullopt
  // when `allow_timeout`, else throws.
  std::optional<std::string> Command(const std::vector<std::string>& args,
                                     bool allow_timeout = false, int timeout_ms = -1) {
    std::string out = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    std::size_t sent = 0;
    while (sent < out.size()) {
      ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw Failure("redis connection lost while sending " + args[0]);
      sent += static_cast<std::size_t>(n);
    }
    deadline_ = NowMs() + (timeout_ms >= 0 ? timeout_ms : timeout_ms_);
    try {
      return Reply();
    } catch (const TimedOut&) {
      if (allow_timeout) return std::nullopt;
      throw Failure("redis did not answer " + args[0] + " " + (args.size() > 1 ? args[1] : "") +
                    " in time");
    }
  }

 private:
  struct TimedOut {};

  char Byte() {
    if (pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
      const std::int64_t left = deadline_ - NowMs();
      if (left <= 0) throw TimedOut{};
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left));
      if (r == 0) throw TimedOut{};
      if (r < 0) throw Failure("poll failed");
      char tmp[4096];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) throw Failure("redis closed the connection");
      buf_.assign(tmp, static_cast<std::size_t>(n));
    }
    return buf_[pos_++];
  }
  std::string Line() {
    std::string line;
    for (char c = Byte(); c != '\r'; c = Byte()) line += c;
    (void)Byte();  // '\n'
    return line;
  }
  std::string Reply() {
    const char type = Byte();
    std::string line = Line();
    switch (type) {
      case '+':
      case ':':
        return line;
      case '-':
        throw Failure("redis: " + line);
      case '$': {
        const long len = std::stol(line);
        if (len < 0) return "";
        std::string data;
        for (long i = 0; i < len; ++i) data += Byte();
        (void)Byte();
        (void)Byte();
        return data;
      }
      case '*': {
        const long n = std::stol(line);
        std::string joined;
        for (long i = 0; i < n; ++i) {
          if (i > 0) joined += '\n';
          joined += Reply();
        }
        return joined;
      }
      default:
        throw Failure("redis sent an unknown reply type");
    }
  }

  int fd_ = -1;
  int timeout_ms_;
  std::int64_t deadline_ = 0;
  std::string buf_;
  std::size_t pos_ = 0;
};

std::string StringParam(const json::object& p, const char* name, const std::string& fallback) {
  const json::value* v = p.if_contains(name);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_string()) throw Failure(std::string("parameter ") + name + " must be a string");
  return std::string(v->as_string());
}

std::int64_t IntParam(const json::object& p, const char* name, std::int64_t fallback) {
  const json::value* v = p.if_contains(name);
  if (v == nullptr || v->is_null()) return fallback;
  if (!v->is_int64()) throw Failure(std::string("parameter ") + name + " must be an integer");
  return v->as_int64();
}

// Connects per the common parameters and authenticates.
std::unique_ptr<Redis> Connect(const json::object& p) {
  auto r = std::make_unique<Redis>(StringParam(p, "host", "127.0.0.1"),
                                   static_cast<int>(IntParam(p, "port", 6379)), 5000);
  const std::string password = StringParam(p, "password", "");
  if (!password.empty()) (void)r->Command({"AUTH", password});
  return r;
}

// The value of CONFIG GET `key`.
std::string ConfigGet(Redis& r, const std::string& key) {
  std::string reply = r.Command({"CONFIG", "GET", key}).value_or("");
  const std::size_t nl = reply.find('\n');
  if (nl == std::string::npos) throw Failure("redis does not know config " + key);
  return reply.substr(nl + 1);
}

json::array CommonParams() {
  return {
      json::object{{"name", "host"},
                   {"type", "string"},
                   {"default", "127.0.0.1"},
                   {"help", "Redis host, as seen from the target"}},
      json::object{{"name", "port"},
                   {"type", "integer"},
                   {"default", 6379},
                   {"min", 1},
                   {"max", 65535},
                   {"help", "Redis port"}},
      json::object{{"name", "password"}, {"type", "string"}, {"help", "AUTH password, if any"}},
  };
}

json::object Describe() {
  json::array pause_params = CommonParams();
  pause_params.push_back(json::object{{"name", "duration"},
                                      {"type", "duration"},
                                      {"required", true},
                                      {"help", "how long clients stay paused at most"}});
  pause_params.push_back(
      json::object{{"name", "mode"},
                   {"type", "string"},
                   {"default", "write"},
                   {"one_of", json::array{"write", "all"}},
                   {"help",
                    "pause write commands only, or all commands (an \"all\" pause "
                    "cannot be lifted early: restore waits for it to end)"}});
  json::array squeeze_params = CommonParams();
  squeeze_params.push_back(json::object{{"name", "maxmemory"},
                                        {"type", "string"},
                                        {"default", "1mb"},
                                        {"help", "the squeezed maxmemory, e.g. \"1mb\""}});
  squeeze_params.push_back(json::object{
      {"name", "policy"},
      {"type", "string"},
      {"help", "maxmemory-policy during the fault, e.g. \"noeviction\" (default: unchanged)"}});
  return json::object{
      {"ok", true},
      {"kinds",
       json::array{
           json::object{{"name", "redis.client-pause"},
                        {"summary", "Pause Redis clients (CLIENT PAUSE) for a duration"},
                        {"params", pause_params},
                        {"default_restore_timeout", "10s"},
                        {"snapshot", true},
                        {"manual", "redis-cli -h {host} -p {port} CLIENT UNPAUSE"}},
           json::object{{"name", "redis.maxmemory-squeeze"},
                        {"summary", "Lower Redis maxmemory so writes fail or keys get evicted"},
                        {"params", squeeze_params},
                        {"default_restore_timeout", "10s"},
                        {"snapshot", true},
                        {"manual",
                         "redis-cli -h {host} -p {port} CONFIG SET maxmemory {state.maxmemory} "
                         "(and CONFIG SET maxmemory-policy {state.policy})"}},
       }}};
}

// True iff a write command from a new connection is held back (the server is paused).
bool WritesPaused(const json::object& p) {
  std::unique_ptr<Redis> probe = Connect(p);
  // DEL of a key that does not exist: a write command that changes nothing.
  return !probe->Command({"DEL", "firedrill:pause-probe:absent"}, true, 300).has_value();
}

json::object Handle(const json::object& req) {
  const std::string action = std::string(req.at("action").as_string());
  if (action == "describe") return Describe();
  const json::object& fault = req.at("fault").as_object();
  const std::string kind = std::string(fault.at("kind").as_string());
  static const json::object kNoParams;
  const json::object& p = req.contains("params") && req.at("params").is_object()
                              ? req.at("params").as_object()
                              : kNoParams;
  const json::value state = req.contains("state") ? req.at("state") : json::value();
  auto state_string = [&](const char* key) -> std::optional<std::string> {
    if (!state.is_object()) return std::nullopt;
    const json::value* v = state.as_object().if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };

  if (kind == "redis.client-pause") {
    const std::int64_t ms = ParseDurationMs(StringParam(p, "duration", ""));
    const std::string mode = StringParam(p, "mode", "write");
    if (mode != "write" && mode != "all") throw Failure("mode must be write or all");
    if (action == "validate") {
      std::unique_ptr<Redis> r = Connect(p);
      (void)r->Command({"PING"});
      return {{"ok", true}, {"state", json::object{{"mode", mode}}}};
    }
    if (action == "inject") {
      std::unique_ptr<Redis> r = Connect(p);
      (void)r->Command({"CLIENT", "PAUSE", std::to_string(ms), mode == "all" ? "ALL" : "WRITE"});
      return {{"ok", true}, {"state", json::object{{"mode", mode}, {"until_ms", NowMs() + ms}}}};
    }
    if (action == "check") return {{"ok", true}, {"in_place", WritesPaused(p)}};
    if (action == "snapshot") {
      return {{"ok", true}, {"snapshot", json::object{{"writes_paused", WritesPaused(p)}}}};
    }
    if (action == "restore") {
      std::unique_ptr<Redis> r = Connect(p);
      // An "all" pause holds back CLIENT UNPAUSE too: wait (within reason) for it to end.
      std::int64_t wait = 5000;
      if (state.is_object()) {
        if (const json::value* until = state.as_object().if_contains("until_ms");
            until != nullptr && until->is_int64()) {
          wait = std::max<std::int64_t>(wait, until->as_int64() - NowMs() + 2000);
        }
      }
      if (!r->Command({"CLIENT", "UNPAUSE"}, true, static_cast<int>(wait))) {
        throw Failure("CLIENT UNPAUSE was not answered; the pause has not ended yet");
      }
      return {{"ok", true}, {"message", "clients unpaused"}};
    }
  } else if (kind == "redis.maxmemory-squeeze") {
    if (action == "validate") {
      std::unique_ptr<Redis> r = Connect(p);
      return {{"ok", true},
              {"state", json::object{{"maxmemory", ConfigGet(*r, "maxmemory")},
                                     {"policy", ConfigGet(*r, "maxmemory-policy")}}}};
    }
    if (action == "inject") {
      std::unique_ptr<Redis> r = Connect(p);
      (void)r->Command({"CONFIG", "SET", "maxmemory", StringParam(p, "maxmemory", "1mb")});
      const std::string policy = StringParam(p, "policy", "");
      if (!policy.empty()) (void)r->Command({"CONFIG", "SET", "maxmemory-policy", policy});
      return {{"ok", true}, {"state", json::object{{"squeezed", ConfigGet(*r, "maxmemory")}}}};
    }
    if (action == "check") {
      std::unique_ptr<Redis> r = Connect(p);
      const std::string now = ConfigGet(*r, "maxmemory");
      std::optional<std::string> squeezed = state_string("squeezed");
      std::optional<std::string> prior = state_string("maxmemory");
      // In place iff maxmemory is the squeezed value (or, without it, differs from the prior).
      bool in_place = squeezed ? now == *squeezed : (prior && now != *prior);
      if (squeezed && prior && *squeezed == *prior) in_place = false;
      return {{"ok", true}, {"in_place", in_place}};
    }
    if (action == "snapshot") {
      std::unique_ptr<Redis> r = Connect(p);
      return {{"ok", true},
              {"snapshot", json::object{{"maxmemory", ConfigGet(*r, "maxmemory")},
                                        {"policy", ConfigGet(*r, "maxmemory-policy")}}}};
    }
    if (action == "restore") {
      std::optional<std::string> prior = state_string("maxmemory");
      if (!prior) {
        throw Failure(
            "no recorded prior maxmemory (state is null): check CONFIG GET maxmemory and set it "
            "back by hand");
      }
      std::unique_ptr<Redis> r = Connect(p);
      (void)r->Command({"CONFIG", "SET", "maxmemory", *prior});
      if (std::optional<std::string> policy = state_string("policy")) {
        (void)r->Command({"CONFIG", "SET", "maxmemory-policy", *policy});
      }
      return {{"ok", true}, {"message", "maxmemory set back to " + *prior}};
    }
  } else {
    throw Failure("unknown kind " + kind);
  }
  throw Failure("unknown action " + action);
}

}  // namespace

int main() {
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  json::object response;
  try {
    boost::system::error_code ec;
    json::value req = json::parse(input, ec);
    if (ec || !req.is_object()) throw Failure("request is not a JSON object");
    const json::value* proto = req.as_object().if_contains("protocol");
    if (proto == nullptr || !proto->is_int64() || proto->as_int64() != 1) {
      throw Failure("unsupported protocol version (this plugin speaks 1)");
    }
    response = Handle(req.as_object());
  } catch (const Failure& e) {
    response = {{"ok", false}, {"message", e.what()}};
  } catch (const std::exception& e) {
    response = {{"ok", false}, {"message", std::string("malformed request: ") + e.what()}};
  }
  std::cout << json::serialize(response) << "\n";
  return 0;
}
