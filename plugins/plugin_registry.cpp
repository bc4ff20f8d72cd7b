// Plugin discovery and the catalog of built-in plus plugin kinds.
#include "plugins/plugin_registry.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <system_error>

#include "faults/local_runner.h"
#include "faults/run_on.h"
#include "plugins/plugin_client.h"
#include "plugins/plugin_fault.h"

namespace firedrill {
namespace fs = std::filesystem;

namespace {

std::mutex g_describe_mu;
std::map<std::string, PluginInfo> g_describe_cache;

}  // namespace

std::string BundledPluginDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const fs::path beside = exe.parent_path() / "plugins";
  if (fs::is_directory(beside, ec)) return beside.string();
  return (exe.parent_path() / FIREDRILL_PLUGIN_DIR_FROM_BIN).lexically_normal().string();
}

std::vector<std::string> DefaultPluginDirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("FIREDRILL_PLUGIN_PATH")) {
    std::stringstream in(env);
    std::string dir;
    while (std::getline(in, dir, ':')) {
      if (!dir.empty()) dirs.push_back(dir);
    }
  }
  if (std::string bundled = BundledPluginDir(); !bundled.empty()) dirs.push_back(bundled);
  return dirs;
}

PluginSearch SearchPluginDirs(const std::vector<std::string>& dirs) {
  PluginSearch search;
  std::map<std::string, std::string> first_of_name;
  for (const std::string& dir : dirs) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
      search.skipped.push_back({dir, ec ? ec.message() : "no such directory"});
      continue;
    }
    if (!fs::is_directory(dir, ec)) {
      search.skipped.push_back({dir, "not a directory"});
      continue;
    }
    std::vector<std::string> here;
    std::vector<std::string> not_executable;
    fs::directory_iterator it(dir, ec);
    if (ec) {
      search.skipped.push_back({dir, "cannot be read: " + ec.message()});
      continue;
    }
    for (const fs::directory_entry& e : it) {
      std::error_code ec2;
      if (!e.is_regular_file(ec2)) continue;
      if (::access(e.path().c_str(), X_OK) != 0) {
        not_executable.push_back(e.path().string());
        continue;
      }
      here.push_back(e.path().string());
    }
    std::sort(here.begin(), here.end());
    std::sort(not_executable.begin(), not_executable.end());
    for (std::string& path : not_executable) {
      search.skipped.push_back({std::move(path), "not executable (chmod +x to use it)"});
    }
    for (std::string& path : here) {
      auto [first, inserted] = first_of_name.emplace(PluginNameOf(path), path);
      if (inserted) {
        search.executables.push_back(std::move(path));
      } else {
        search.skipped.push_back(
            {std::move(path), fmt::format("plugin {} is already {}", first->first, first->second)});
      }
    }
  }
  return search;
}

std::vector<std::string> FindPluginExecutables(const std::vector<std::string>& dirs) {
  return SearchPluginDirs(dirs).executables;
}

boost::asio::awaitable<PluginInfo> DescribePlugin(CommandRunner& runner, std::string path,
                                                  Duration timeout) {
  {
    std::lock_guard lock(g_describe_mu);
    if (auto it = g_describe_cache.find(path); it != g_describe_cache.end()) co_return it->second;
  }
  PluginInfo info;
  info.name = PluginNameOf(path);
  info.path = path;
  PluginClient client(runner, info.name, path);
  PluginRequest request;
  request.action = PluginAction::kDescribe;
  Expected<PluginResponse> r = co_await client.Call(request, timeout);
  if (!r) {
    info.error = r.error().message;
  } else if (Expected<std::vector<PluginKind>> kinds = DecodePluginKinds(*r, info.name, path);
             !kinds) {
    info.error = kinds.error().message;
  } else {
    info.ok = true;
    info.kinds = std::move(*kinds);
  }
  std::lock_guard lock(g_describe_mu);
  g_describe_cache.emplace(path, info);
  co_return info;
}

PluginCatalog::PluginCatalog(std::vector<PluginInfo> plugins) : plugins_(std::move(plugins)) {
  (void)RegisterBuiltinFaults(registry_);
  for (PluginInfo& info : plugins_) {
    if (!info.ok) continue;
    for (const PluginKind& kind : info.kinds) {
      auto shared = std::make_shared<const PluginKind>(kind);
      if (Status st = registry_.Register(PluginKindSpec(shared)); !st) {
        info.warnings.push_back(fmt::format("kind {} left out: {}", kind.name, st.error().message));
        continue;
      }
      kinds_.emplace(kind.name, std::move(shared));
    }
  }
}

const FaultKindSpec* PluginCatalog::Find(std::string_view name) const {
  return registry_.Find(name);
}

std::vector<std::string> PluginCatalog::Names() const { return registry_.Names(); }

const PluginKind* PluginCatalog::FindPluginKind(std::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : it->second.get();
}

PluginCatalog LoadPluginCatalog(const std::vector<std::string>& dirs) {
  LocalRunner runner;
  std::vector<PluginInfo> plugins;
  for (const std::string& path : FindPluginExecutables(dirs)) {
    plugins.push_back(RunBlocking(DescribePlugin(runner, path)));
  }
  return PluginCatalog(std::move(plugins));
}

const PluginCatalog& DefaultFaultCatalog() {
  static const PluginCatalog catalog = LoadPluginCatalog(DefaultPluginDirs());
  return catalog;
}

namespace {

class BuiltinFirstCatalog : public FaultCatalog {
 public:
  const FaultKindSpec* Find(std::string_view name) const override {
    if (const FaultKindSpec* k = BuiltinFaults().Find(name)) return k;
    return DefaultFaultCatalog().Find(name);
  }
  std::vector<std::string> Names() const override { return DefaultFaultCatalog().Names(); }
};

}  // namespace

const FaultCatalog& DrillFaultCatalog() {
  static const BuiltinFirstCatalog catalog;
  return catalog;
}

}  // namespace firedrill
