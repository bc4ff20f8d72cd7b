// `firedrill plugins list` and `firedrill plugins test`.
#include "orchestrator/cli/plugin_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <climits>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "drills/drill_loader.h"
#include "faults/run_on.h"
#include "orchestrator/engine/runners.h"
#include "orchestrator/exit_status.h"
#include "plugins/plugin_client.h"
#include "plugins/plugin_conformance.h"
#include "plugins/plugin_protocol.h"
#include "plugins/plugin_registry.h"

namespace firedrill {
namespace {
namespace json = boost::json;

// The search path: --dir when given (colon-separated), else the default one.
std::vector<std::string> Dirs(const Args& args) {
  if (std::optional<std::string> dir = args.Value("dir")) {
    std::vector<std::string> dirs;
    std::string::size_type start = 0;
    while (start <= dir->size()) {
      const std::string::size_type colon = dir->find(':', start);
      const std::string part =
          dir->substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!part.empty()) dirs.push_back(part);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
    return dirs;
  }
  return DefaultPluginDirs();
}

int RunList(const Invocation& inv) {
  const std::vector<std::string> dirs = Dirs(inv.args);
  PluginCatalog catalog = LoadPluginCatalog(dirs);
  bool all_ok = true;
  for (const PluginInfo& p : catalog.plugins()) all_ok = all_ok && p.ok;
  if (inv.args.Has("json")) {
    json::array plugins;
    for (const PluginInfo& p : catalog.plugins()) {
      json::array kinds;
      for (const PluginKind& k : p.kinds) {
        json::array params;
        for (const ParamSpec& s : k.params) {
          params.push_back(json::object{{"name", s.name},
                                        {"type", PluginParamTypeName(s.type)},
                                        {"required", s.required},
                                        {"help", s.doc}});
        }
        kinds.push_back(json::object{{"name", k.name},
                                     {"summary", k.summary},
                                     {"params", params},
                                     {"registered", catalog.FindPluginKind(k.name) != nullptr}});
      }
      json::array warnings;
      for (const std::string& w : p.warnings) warnings.emplace_back(w);
      plugins.push_back(json::object{{"name", p.name},
                                     {"path", p.path},
                                     {"ok", p.ok},
                                     {"error", p.error},
                                     {"kinds", kinds},
                                     {"warnings", warnings}});
    }
    json::array searched;
    for (const std::string& d : dirs) searched.emplace_back(d);
    fmt::print(inv.out, "{}\n",
               json::serialize(json::object{{"search_path", searched}, {"plugins", plugins}}));
    return all_ok ? kExitOk : kExitFailure;
  }
  fmt::print(inv.out, "Plugin search path: {}\n",
             dirs.empty() ? std::string("(empty)") : fmt::format("{}", fmt::join(dirs, ":")));
  if (catalog.plugins().empty()) {
    fmt::print(inv.out, "No plugins found.\n");
    return kExitOk;
  }
  for (const PluginInfo& p : catalog.plugins()) {
    fmt::print(inv.out, "\n{}  {}\n  describe: {}\n", p.name, p.path,
               p.ok ? "ok" : "FAILED: " + p.error);
    for (const PluginKind& k : p.kinds) {
      fmt::print(inv.out, "  {:<30} {}\n", k.name, k.summary);
      for (const ParamSpec& s : k.params) {
        fmt::print(inv.out, "      {:<18} {}{}  {}\n", s.name, PluginParamTypeName(s.type),
                   s.required ? ", required" : "", s.doc);
      }
    }
    for (const std::string& w : p.warnings) fmt::print(inv.out, "  warning: {}\n", w);
  }
  return all_ok ? kExitOk : kExitFailure;
}

// A TOML literal for `text` given as the value of a parameter of `type`.
std::string TomlValue(ParamType type, const std::string& text) {
  switch (type) {
    case ParamType::kInteger:
    case ParamType::kNumber:
    case ParamType::kBool: {
      // A valid literal as is; anything else as a string, which the loader then reports as the
      // wrong type naming the parameter.
      boost::system::error_code ec;
      json::value v = json::parse(text, ec);
      if (!ec && (v.is_number() || v.is_bool())) return text;
      break;
    }
    case ParamType::kStringList: {
      json::array items;
      std::string::size_type start = 0;
      while (true) {
        const std::string::size_type comma = text.find(',', start);
        items.emplace_back(text.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return json::serialize(items);
    }
    case ParamType::kString:
    case ParamType::kDuration:
      break;
  }
  return json::serialize(json::value(text));  // a JSON string is a valid TOML basic string
}

int RunTest(const Invocation& inv) {
  const std::string plugin = inv.args.positionals()[0];
  std::optional<std::string> kind_name = inv.args.Value("kind");
  if (!kind_name) {
    fmt::print(inv.err, "firedrill plugins test: --kind KIND is required\n");
    return kExitUsage;
  }
  PluginCatalog catalog = LoadPluginCatalog(Dirs(inv.args));
  const PluginInfo* info = nullptr;
  for (const PluginInfo& p : catalog.plugins()) {
    if (p.name == plugin || p.path == plugin) info = &p;
  }
  if (info == nullptr) {
    fmt::print(inv.err,
               "firedrill plugins test: no plugin \"{}\" on the search path (see "
               "firedrill plugins list)\n",
               plugin);
    return kExitNotFound;
  }
  if (!info->ok) {
    fmt::print(inv.err, "firedrill plugins test: {}\n", info->error);
    return kExitFailure;
  }
  const PluginKind* kind = catalog.FindPluginKind(*kind_name);
  if (kind == nullptr || kind->plugin != info->name) {
    fmt::print(inv.err, "firedrill plugins test: plugin {} has no usable kind \"{}\"\n", info->name,
               *kind_name);
    return kExitNotFound;
  }
  // The parameters go through a one-fault drill, so they are checked exactly as in a drill file.
  std::string drill = fmt::format(
      "id = \"plugin-test\"\ntitle = \"firedrill plugins test\"\nservice = \"plugin-test\"\n"
      "owner = \"firedrill\"\nplaybook = \"-\"\n\n[window]\nstart = 2030-01-01T10:00:00\n"
      "end = 2030-01-01T11:00:00\nzone = \"UTC\"\n\n[announce]\nattendees = [\"firedrill\"]\n\n"
      "[[participants]]\nname = \"firedrill\"\nrole = \"incident-commander\"\n\n[targets.t]\n");
  if (std::optional<std::string> host = inv.args.Value("target-host")) {
    drill += fmt::format("host = {}\n", TomlValue(ParamType::kString, *host));
    for (const char* key : {"user", "identity", "known-hosts"}) {
      if (std::optional<std::string> v = inv.args.Value(std::string("target-") + key)) {
        std::string toml_key = key;
        if (toml_key == "known-hosts") toml_key = "known_hosts";
        drill += fmt::format("{} = {}\n", toml_key, TomlValue(ParamType::kString, *v));
      }
    }
    if (std::optional<std::string> port = inv.args.Value("target-port")) {
      drill += fmt::format("port = {}\n", *port);
    }
  } else {
    drill += "local = true\n";
  }
  drill += fmt::format("\n[[faults]]\nid = \"under-test\"\nkind = {}\ntarget = \"t\"\n",
                       TomlValue(ParamType::kString, kind->name));
  for (std::size_t i = 1; i < inv.args.positionals().size(); ++i) {
    const std::string& kv = inv.args.positionals()[i];
    const std::string::size_type eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      fmt::print(inv.err, "firedrill plugins test: parameter \"{}\" is not NAME=VALUE\n", kv);
      return kExitUsage;
    }
    const std::string name = kv.substr(0, eq);
    ParamType type = ParamType::kString;
    for (const ParamSpec& s : kind->params) {
      if (s.name == name) type = s.type;
    }
    drill += fmt::format("{} = {}\n", json::serialize(json::value(name)),
                         TomlValue(type, kv.substr(eq + 1)));
  }
  LoadResult loaded = LoadDrillText(drill, "<command line>", catalog);
  if (!loaded.ok()) {
    for (const Error& e : loaded.diagnostics) {
      fmt::print(inv.err, "firedrill plugins test: {}\n", e.message);
    }
    return kExitInvalidDrill;
  }
  const Target& target = loaded.drill->targets.at("t");
  Expected<std::unique_ptr<CommandRunner>> runner = MakeRunner(target);
  if (!runner) {
    fmt::print(inv.err, "firedrill plugins test: {}\n", runner.error().message);
    return kExitFailure;
  }
  fmt::print(inv.out, "Testing {} ({}) kind {} on {}\n", info->name, info->path, kind->name,
             (*runner)->Describe());
  ConformanceReport report =
      RunBlocking(RunConformance(*kind, loaded.drill->faults[0], **runner, "plugin-test"));
  for (const ConformanceStep& s : report.steps) {
    fmt::print(inv.out, "  {:<4} {:<28} {}\n", s.ok ? "ok" : "FAIL", s.name, s.detail);
  }
  if (!kind->snapshot) {
    fmt::print(inv.out,
               "  (the kind answers no snapshot: only check tells whether restore undid it)\n");
  }
  fmt::print(inv.out, "{}\n", report.passed ? "PASSED" : "FAILED");
  return report.passed ? kExitOk : kExitFailure;
}

}  // namespace

Command PluginsListCommand() {
  return Command{
      "plugins list",
      "firedrill plugins list [--json] [--dir DIR[:DIR...]]",
      "external fault plugins, their kinds, and whether describe works",
      "Looks for executables in $FIREDRILL_PLUGIN_PATH (colon-separated), then in the bundled\n"
      "plugin directory next to the firedrill binary (or only in --dir), runs each one's\n"
      "`describe` and shows its path, kinds and parameters, or why describe failed.\n"
      "Exit status 1 when a plugin's describe failed. Protocol: docs/plugin-protocol.md.\n\n"
      "Options:\n"
      "  --json        one JSON object: {\"search_path\":[...],\"plugins\":[...]}\n"
      "  --dir DIRS    search only these directories\n\n"
      "Examples:\n"
      "  firedrill plugins list\n"
      "  FIREDRILL_PLUGIN_PATH=~/my-plugins firedrill plugins list --json\n",
      ArgSpec{{"json"}, {"dir"}, 0, 0},
      RunList,
  };
}

Command PluginsTestCommand() {
  return Command{
      "plugins test",
      "firedrill plugins test PLUGIN --kind KIND [NAME=VALUE...] [--target-host HOST "
      "[--target-user U] [--target-port N] [--target-identity FILE] "
      "[--target-known-hosts FILE]] [--dir DIRS]",
      "check that a plugin kind injects, checks and restores cleanly on a real target",
      "Runs the conformance check of one plugin kind against a target (local unless\n"
      "--target-host is given, then over SSH; the plugin is copied to\n"
      "~/.cache/firedrill/plugins/ there): validate, inject, check (must be in place),\n"
      "restore, check (must not be in place), restore again (must succeed: idempotent).\n"
      "Kinds whose describe says \"snapshot\": true are also snapshotted before and after;\n"
      "the two snapshots must be equal. This REALLY injects the fault: use a test system.\n"
      "Parameters are NAME=VALUE words checked against the kind's schema like a drill file\n"
      "(string lists: a,b,c).\n\n"
      "Options:\n"
      "  --kind KIND                the plugin kind to check (required)\n"
      "  --target-host HOST         check on this host over SSH instead of locally, with\n"
      "  --target-user U            --target-port N (default 22), --target-identity FILE and\n"
      "  --target-port N            --target-known-hosts FILE as in a drill file's SSH target\n"
      "  --target-identity FILE\n"
      "  --target-known-hosts FILE\n"
      "  --dir DIRS                 search only these directories for the plugin\n\n"
      "Exit status: 0 iff every step passed; 1 if a step failed or the plugin's describe\n"
      "failed; 2 for wrong usage; 3 if a parameter does not fit the kind's schema; 7 if there\n"
      "is no such plugin or kind.\n\n"
      "Examples:\n"
      "  firedrill plugins test redis --kind redis.maxmemory-squeeze port=6380 "
      "maxmemory=1mb\n"
      "  firedrill plugins test postgres --kind postgres.refuse-connections database=shop \\\n"
      "      --target-host db-1.example.com --target-user firedrill \\\n"
      "      --target-identity ~/.ssh/firedrill_ed25519 --target-known-hosts "
      "~/.ssh/known_hosts.firedrill\n",
      ArgSpec{{},
              {"kind", "dir", "target-host", "target-user", "target-port", "target-identity",
               "target-known-hosts"},
              1,
              SIZE_MAX},
      RunTest,
  };
}

}  // namespace firedrill
