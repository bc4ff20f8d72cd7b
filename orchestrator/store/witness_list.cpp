#include "orchestrator/store/witness_list.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "drills/duration.h"
#include "orchestrator/http/http_url.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

// A list is a few lines; anything much larger is not one.
constexpr std::uintmax_t kMaxListSize = 64 * 1024;

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < line.size()) {
    std::size_t start = line.find_first_not_of(" \t", pos);
    if (start == std::string_view::npos) break;
    if (line[start] == '#') break;  // a comment runs to the end of the line
    std::size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    pos = end;
  }
  return out;
}

// True iff `inner` is `outer` or below it, both made absolute and free of symlinks where they
// exist.
bool IsWithin(const fs::path& inner, const fs::path& outer) {
  std::error_code ec;
  fs::path a = fs::weakly_canonical(fs::absolute(inner), ec);
  if (ec) a = fs::absolute(inner).lexically_normal();
  fs::path b = fs::weakly_canonical(fs::absolute(outer), ec);
  if (ec) b = fs::absolute(outer).lexically_normal();
  auto [end, unused] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  (void)unused;
  return end == b.end();
}

std::string DefaultOrigin(const fs::path& state_dir) {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(state_dir), ec);
  if (ec) dir = fs::absolute(state_dir).lexically_normal();
  return fmt::format("{}:{}", host[0] != '\0' ? host : "localhost", dir.string());
}

}  // namespace

std::string Witness::Describe() const {
  switch (kind) {
    case WitnessKind::kFile:
      return "file " + target;
    case WitnessKind::kSyslog:
      return "syslog " + target;
    case WitnessKind::kHttp:
      return "http " + RedactUrl(target);
  }
  return target;
}

Expected<WitnessList> ParseWitnessList(std::string_view text, std::string_view name,
                                       std::string default_origin) {
  WitnessList list;
  list.file = std::string(name);
  std::optional<std::string> origin;
  std::int64_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    std::vector<std::string_view> words = Words(line);
    if (words.empty()) continue;
    auto bad = [&](std::string why) { return Error{fmt::format("{}:{}: {}", name, line_no, why)}; };
    std::string_view entry = words[0];
    if (entry == "origin") {
      if (words.size() != 2) return bad("write origin NAME (one word, no spaces)");
      if (origin) return bad("a second origin line; a list names its records once");
      origin = std::string(words[1]);
      continue;
    }
    Witness w;
    w.line = line_no;
    if (entry == "file") {
      if (words.size() != 2 || words[1].front() != '/') {
        return bad("write file /absolute/path (the file the witness lines are appended to)");
      }
      w.kind = WitnessKind::kFile;
      w.target = std::string(words[1]);
    } else if (entry == "syslog") {
      if (words.size() > 2 || (words.size() == 2 && words[1].front() != '/')) {
        return bad("write syslog, or syslog /absolute/socket (default /dev/log)");
      }
      w.kind = WitnessKind::kSyslog;
      w.target = words.size() == 2 ? std::string(words[1]) : std::string("/dev/log");
    } else if (entry == "http") {
      if (words.size() < 2) return bad("write http URL [timeout=5s] [ca=/absolute/ca.pem]");
      auto url = ParseHttpUrl(words[1]);
      if (!url) return bad(url.error().message);
      w.kind = WitnessKind::kHttp;
      w.target = std::string(words[1]);
      for (std::size_t i = 2; i < words.size(); ++i) {
        std::string_view option = words[i];
        if (option.starts_with("timeout=")) {
          auto d = ParseDuration(option.substr(8));
          if (!d || d->count() <= 0) {
            return bad(fmt::format("\"{}\": the timeout is a positive duration like 5s", option));
          }
          w.timeout = *d;
        } else if (option.starts_with("ca=") && option.size() > 3 && option[3] == '/') {
          if (!url->tls) return bad("ca= is for https URLs only");
          w.ca_file = fs::path(std::string(option.substr(3)));
        } else {
          return bad(fmt::format(
              "unknown option \"{}\" (known: timeout=DURATION, ca=/absolute/ca.pem)", option));
        }
      }
    } else {
      return bad(fmt::format(
          "unknown entry \"{}\" (known: origin NAME, file PATH, syslog [SOCKET], http URL)",
          entry));
    }
    list.witnesses.push_back(std::move(w));
  }
  if (list.witnesses.empty()) {
    return Error{fmt::format(
        "{} names no witness: add a line such as \"file /mnt/audit/firedrill-checkpoints\", or "
        "remove the file to publish nowhere",
        name)};
  }
  list.origin = origin ? *origin : std::move(default_origin);
  return list;
}

fs::path WitnessListPath() {
  const char* env = std::getenv(std::string(kWitnessListEnv).c_str());
  if (env != nullptr && *env != '\0') return fs::path(env);
  return fs::path(std::string(kDefaultWitnessList));
}

Expected<std::optional<WitnessList>> LoadWitnessList(const fs::path& state_dir) {
  const char* env = std::getenv(std::string(kWitnessListEnv).c_str());
  const bool named = env != nullptr && *env != '\0';
  fs::path file = WitnessListPath();
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      // Unreadable is not "none": publishing nowhere must never happen silently.
      return Error{fmt::format("cannot read the witness list {}: {}", file.string(),
                               std::generic_category().message(errno))};
    }
    if (!named) return std::optional<WitnessList>();
    return Error{fmt::format("{} names {}, which does not exist", kWitnessListEnv, file.string())};
  }
  if (IsWithin(file, state_dir)) {
    return Error{fmt::format(
        "the witness list {} is inside the state directory {}: whoever can rewrite the records "
        "could redirect their witnesses; keep it where only the operator can write (e.g. {})",
        file.string(), state_dir.string(), kDefaultWitnessList)};
  }
  if (!S_ISREG(st.st_mode)) {
    return Error{fmt::format("the witness list {} is not a regular file", file.string())};
  }
  if (static_cast<std::uintmax_t>(st.st_size) > kMaxListSize) {
    return Error{fmt::format("the witness list {} is too large to be one", file.string())};
  }
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) {
    return Error{fmt::format("cannot read the witness list {}: {}", file.string(),
                             std::generic_category().message(errno))};
  }
  auto list = ParseWitnessList(text, file.string(), DefaultOrigin(state_dir));
  if (!list) return list.error();
  for (const Witness& w : list->witnesses) {
    if (w.kind == WitnessKind::kFile && IsWithin(w.target, state_dir)) {
      return Error{fmt::format(
          "{}:{}: the witness file {} is inside the state directory {}: a witness must be "
          "where whoever can rewrite the records cannot",
          file.string(), w.line, w.target, state_dir.string())};
    }
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    list->warnings.push_back(fmt::format(
        "the witness list {} is writable by group or others (mode {:04o}): chmod go-w {}",
        file.string(), st.st_mode & 07777, file.string()));
  }
  if (geteuid() != 0 && access(file.c_str(), W_OK) == 0) {
    list->warnings.push_back(fmt::format(
        "the witness list {} is writable by the account firedrill runs as: whoever takes that "
        "account over can redirect future checkpoints (those already published stay put); let "
        "root own it",
        file.string()));
  }
  return std::optional<WitnessList>(std::move(*list));
}

}  // namespace firedrill
