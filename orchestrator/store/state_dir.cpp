#include "orchestrator/store/state_dir.h"

#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <vector>

namespace firedrill {
namespace {

// Returns the variable's value, treating set-but-empty like unset (an empty FIREDRILL_STATE
// would otherwise silently mean "the current directory").
std::optional<std::string> NonEmptyEnv(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// HOME is normally set; daemons and cron jobs sometimes run without it, so fall back to the
// password database like most tools do.
std::optional<std::string> HomeDir() {
  if (auto home = NonEmptyEnv("HOME")) return home;
  long size = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(size > 0 ? static_cast<std::size_t>(size) : 16384);
  passwd pw{};
  passwd* result = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &result) != 0 || result == nullptr ||
      result->pw_dir == nullptr || *result->pw_dir == '\0') {
    return std::nullopt;
  }
  return std::string(result->pw_dir);
}

}  // namespace

std::filesystem::path ResolveStateDir(const std::optional<std::string>& flag) {
  if (flag && !flag->empty()) return std::filesystem::path(*flag);
  if (auto dir = NonEmptyEnv("FIREDRILL_STATE")) return std::filesystem::path(*dir);
  if (auto xdg = NonEmptyEnv("XDG_STATE_HOME")) {
    std::filesystem::path base(*xdg);
    if (base.is_absolute()) return base / "firedrill";
  }
  if (auto home = HomeDir()) return std::filesystem::path(*home) / ".local" / "state" / "firedrill";
  return {};
}

Status EnsureStateDir(const std::filesystem::path& dir) {
  if (dir.empty()) {
    return Error{"no state directory: pass --state DIR or set FIREDRILL_STATE or HOME"};
  }
  std::error_code ec;
  auto st = std::filesystem::status(dir, ec);
  if (std::filesystem::is_directory(st)) return Status::Ok();
  if (std::filesystem::exists(st)) {
    return Error{fmt::format("state directory {} exists but is not a directory", dir.string())};
  }
  // Create the missing components one by one so each gets 0700; create_directories() would use
  // 0777 & ~umask, exposing the records of other users' drills.
  std::vector<std::filesystem::path> missing;
  for (auto p = dir; !p.empty(); p = p.parent_path()) {
    auto pst = std::filesystem::status(p, ec);
    if (std::filesystem::exists(pst)) {
      if (!std::filesystem::is_directory(pst)) {
        return Error{fmt::format("cannot create state directory {}: {} is not a directory",
                                 dir.string(), p.string())};
      }
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (mkdir(it->c_str(), 0700) != 0 && errno != EEXIST) {
      return Error{fmt::format("cannot create state directory {}: {}", it->string(),
                               std::generic_category().message(errno))};
    }
  }
  // Another process may have raced us and created a file at the same place.
  if (!std::filesystem::is_directory(dir, ec)) {
    return Error{fmt::format("state directory {} exists but is not a directory", dir.string())};
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  int write_errno = errno;
  if (std::fclose(f) != 0 && written) {
    written = false;
    write_errno = errno;
  }
  std::error_code ec;
  if (written) std::filesystem::rename(tmp, path, ec);
  if (written && !ec) return Status::Ok();
  std::string reason = written ? ec.message() : std::strerror(write_errno);
  std::filesystem::remove(tmp, ec);
  return Error(fmt::format("cannot write {}: {}", path, reason));
}

}  // namespace firedrill
