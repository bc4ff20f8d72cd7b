#include "orchestrator/store/witness_publish.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "orchestrator/store/witness.h"
#include "orchestrator/store/witness_http.h"

namespace firedrill {
namespace {

std::string Errno(int e) { return std::generic_category().message(e); }

// Appends one line with a single write(): O_APPEND keeps concurrent writers' lines whole.
std::optional<std::string> AppendToFile(const std::string& file, const std::string& line) {
  int fd = open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return fmt::format("cannot open {}: {}", file, Errno(errno));
  std::string text = line + "\n";
  std::optional<std::string> error;
  ssize_t n;
  do {
    n = write(fd, text.data(), text.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    error = fmt::format("cannot append to {}: {}", file, Errno(errno));
  } else if (static_cast<std::size_t>(n) != text.size()) {
    error = fmt::format("cannot append to {}: short write (disk full?)", file);
  } else if (fsync(fd) != 0) {
    error = fmt::format("cannot sync {}: {}", file, Errno(errno));
  }
  close(fd);
  return error;
}

// One RFC 3164 datagram, as syslog(3) writes it, to a local socket.
std::optional<std::string> SendToSyslog(const std::string& socket_path, const std::string& line) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) {
    return fmt::format("the syslog socket path {} is too long", socket_path);
  }
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  char stamp[32] = {};
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &local);
  // <13>: facility user (1), severity notice (5).
  std::string message = fmt::format("<13>{} firedrill[{}]: {} {}", stamp, getpid(), kWitnessTag,
                                    line.substr(line.find('{')));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fmt::format("cannot open a socket for {}: {}", socket_path, Errno(errno));
  ssize_t n = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&address), sizeof address);
  int e = errno;
  close(fd);
  if (n < 0) return fmt::format("cannot send to {}: {}", socket_path, Errno(e));
  return std::nullopt;
}

std::optional<std::string> PostToHttp(const Witness& w, const std::string& line) {
  WitnessHttpRequest request;
  request.url = w.target;
  request.body = line;
  request.timeout = w.timeout;
  request.ca_file = w.ca_file;
  request.max_answer = 64 * 1024;
  auto answer = ExchangeWithWitness(request);
  if (!answer) return answer.error().message;
  if (answer->status < 200 || answer->status > 299) {
    return fmt::format("the witness answered HTTP {}", answer->status);
  }
  return std::nullopt;
}

}  // namespace

std::vector<WitnessDelivery> PublishCheckpoint(const Checkpoint& cp, const WitnessList& list) {
  const std::string line = WitnessRecord(cp, list.origin);
  std::vector<WitnessDelivery> out;
  for (const Witness& w : list.witnesses) {
    std::optional<std::string> error;
    switch (w.kind) {
      case WitnessKind::kFile:
        error = AppendToFile(w.target, line);
        break;
      case WitnessKind::kSyslog:
        error = SendToSyslog(w.target, line);
        break;
      case WitnessKind::kHttp:
        error = PostToHttp(w, line);
        break;
    }
    out.push_back(WitnessDelivery{w.Describe(), !error, error.value_or("")});
  }
  return out;
}

bool Publication::ok() const {
  if (problem) return false;
  for (const WitnessDelivery& d : deliveries) {
    if (!d.ok) return false;
  }
  return true;
}

std::vector<std::string> Publication::Describe(const Checkpoint& cp) const {
  std::vector<std::string> out = warnings;
  if (problem) {
    out.push_back(fmt::format("checkpoint {} NOT published to any witness: {}", cp.id, *problem));
    return out;
  }
  if (!list) {
    out.push_back(fmt::format(
        "checkpoint {} not published to a witness: no witness list ({} or ${}), so someone who "
        "can rewrite the state directory can also rewrite it unseen",
        cp.id, kDefaultWitnessList, kWitnessListEnv));
    return out;
  }
  for (const WitnessDelivery& d : deliveries) {
    out.push_back(
        d.ok ? fmt::format("checkpoint {} published to {}", cp.id, d.witness)
             : fmt::format("checkpoint {} NOT published to {}: {}", cp.id, d.witness, d.error));
  }
  return out;
}

Publication PublishToWitnesses(const Checkpoint& cp, const std::filesystem::path& state_dir) {
  Publication p;
  auto list = LoadWitnessList(state_dir);
  if (!list) {
    p.problem = list.error().message;
    return p;
  }
  if (!*list) return p;
  p.list = (*list)->file;
  p.warnings = (*list)->warnings;
  p.deliveries = PublishCheckpoint(cp, **list);
  return p;
}

}  // namespace firedrill
