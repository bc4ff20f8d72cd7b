// `firedrill plugins list` and `firedrill plugins test`.
#include "orchestrator/cli/plugin_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
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

// The constraints of a parameter beyond its type, as `plugins list` shows them: "one of a|b",
// "1..65535", "at least 1".
std::string Constraints(const ParamSpec& s) {
  std::string out;
  if (!s.one_of.empty()) out += fmt::format(", one of {}", fmt::join(s.one_of, "|"));
  auto number = [](double d) { return PluginJsonText(json::value(d)); };
  if (s.min && s.max) {
    out += fmt::format(", {}..{}", number(*s.min), number(*s.max));
  } else if (s.min) {
    out += fmt::format(", at least {}", number(*s.min));
  } else if (s.max) {
    out += fmt::format(", at most {}", number(*s.max));
  }
  return out;
}

json::object KindJson(const PluginKind& k, bool registered) {
  json::array params;
  for (const ParamSpec& s : k.params) {
    json::array one_of;
    for (const std::string& o : s.one_of) one_of.emplace_back(o);
    auto def = k.defaults.find(s.name);
    params.push_back(
        json::object{{"name", s.name},
                     {"type", PluginParamTypeName(s.type)},
                     {"required", s.required},
                     {"help", s.doc},
                     {"default", def == k.defaults.end() ? json::value() : def->second},
                     {"one_of", one_of},
                     {"min", s.min ? json::value(*s.min) : json::value()},
                     {"max", s.max ? json::value(*s.max) : json::value()}});
  }
  return json::object{{"name", k.name},
                      {"summary", k.summary},
                      {"params", params},
                      {"default_restore_timeout", FormatDuration(k.default_restore_timeout)},
                      {"snapshot", k.snapshot},
                      {"manual", k.manual},
                      {"registered", registered}};
}

int RunList(const Invocation& inv) {
  const std::vector<std::string> dirs = Dirs(inv.args);
  const PluginSearch search = SearchPluginDirs(dirs);
  PluginCatalog catalog = LoadPluginCatalog(dirs);
  bool all_ok = true;
  for (const PluginInfo& p : catalog.plugins()) all_ok = all_ok && p.ok;
  // A directory named with --dir that cannot be searched is a failure; one of the default path
  // (an unset-up $FIREDRILL_PLUGIN_PATH entry, no bundled plugins) is only reported.
  if (inv.args.Value("dir")) {
    for (const SkippedPluginPath& s : search.skipped) {
      if (std::find(dirs.begin(), dirs.end(), s.path) != dirs.end()) all_ok = false;
    }
  }
  if (inv.args.Has("json")) {
    json::array plugins;
    for (const PluginInfo& p : catalog.plugins()) {
      json::array kinds;
      for (const PluginKind& k : p.kinds) {
        kinds.push_back(KindJson(k, catalog.FindPluginKind(k.name) != nullptr));
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
    json::array skipped;
    for (const SkippedPluginPath& s : search.skipped) {
      skipped.push_back(json::object{{"path", s.path}, {"reason", s.reason}});
    }
    fmt::print(inv.out, "{}\n",
               PluginJsonText(json::object{
                   {"search_path", searched}, {"plugins", plugins}, {"skipped", skipped}}));
    return all_ok ? kExitOk : kExitFailure;
  }
  fmt::print(inv.out, "Plugin search path: {}\n",
             dirs.empty() ? std::string("(empty)") : fmt::format("{}", fmt::join(dirs, ":")));
  if (catalog.plugins().empty()) {
    fmt::print(inv.out, "No plugins found.\n");
  }
  for (const PluginInfo& p : catalog.plugins()) {
    fmt::print(inv.out, "\n{}  {}\n  describe: {}\n", p.name, p.path,
               p.ok ? "ok" : "FAILED: " + p.error);
    for (const PluginKind& k : p.kinds) {
      fmt::print(inv.out, "  {:<30} {}\n", k.name, k.summary);
      fmt::print(inv.out, "      restore timeout {}; snapshot: {}\n",
                 FormatDuration(k.default_restore_timeout), k.snapshot ? "yes" : "no");
      if (!k.manual.empty()) fmt::print(inv.out, "      by hand: {}\n", k.manual);
      for (const ParamSpec& s : k.params) {
        fmt::print(inv.out, "      {:<18} {}{}{}  {}\n", s.name, PluginParamTypeName(s.type),
                   s.required ? ", required" : "", Constraints(s), s.doc);
      }
    }
    for (const std::string& w : p.warnings) fmt::print(inv.out, "  warning: {}\n", w);
  }
  if (!search.skipped.empty()) {
    fmt::print(inv.out, "{}Skipped:\n", catalog.plugins().empty() ? "" : "\n");
    for (const SkippedPluginPath& s : search.skipped) {
      fmt::print(inv.out, "  {}: {}\n", s.path, s.reason);
    }
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
  const std::vector<std::string> dirs = Dirs(inv.args);
  PluginCatalog catalog = LoadPluginCatalog(dirs);
  const PluginInfo* info = nullptr;
  for (const PluginInfo& p : catalog.plugins()) {
    if (p.name == plugin || p.path == plugin) info = &p;
  }
  if (info == nullptr) {
    // Say why when the search passed it over (not executable, shadowed).
    std::string why;
    for (const SkippedPluginPath& s : SearchPluginDirs(dirs).skipped) {
      if (PluginNameOf(s.path) == plugin || s.path == plugin) {
        why += fmt::format("; {}: {}", s.path, s.reason);
      }
    }
    fmt::print(inv.err,
               "firedrill plugins test: no plugin \"{}\" on the search path {}{} (see "
               "firedrill plugins list)\n",
               plugin,
               dirs.empty() ? std::string("(empty)") : fmt::format("{}", fmt::join(dirs, ":")),
               why);
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
  const bool as_json = inv.args.Has("json");
  if (!as_json) {
    fmt::print(inv.out, "Testing {} ({}) kind {} on {}\n", info->name, info->path, kind->name,
               (*runner)->Describe());
  }
  ConformanceReport report =
      RunBlocking(RunConformance(*kind, loaded.drill->faults[0], **runner, "plugin-test"));
  if (as_json) {
    json::array steps;
    for (const ConformanceStep& s : report.steps) {
      steps.push_back(json::object{
          {"name", s.name}, {"ok", s.ok}, {"detail", s.detail}, {"elapsed_ms", s.elapsed.count()}});
    }
    fmt::print(inv.out, "{}\n",
               PluginJsonText(json::object{{"plugin", info->name},
                                           {"path", info->path},
                                           {"kind", kind->name},
                                           {"target", (*runner)->Describe()},
                                           {"snapshot", kind->snapshot},
                                           {"steps", steps},
                                           {"passed", report.passed},
                                           {"elapsed_ms", report.elapsed.count()}}));
    return report.passed ? kExitOk : kExitFailure;
  }
  for (const ConformanceStep& s : report.steps) {
    fmt::print(inv.out, "  {:<4} {:<28} {:>6} ms  {}\n", s.ok ? "ok" : "FAIL", s.name,
               s.elapsed.count(), s.detail);
  }
  if (!kind->snapshot) {
    fmt::print(inv.out,
               "  (the kind answers no snapshot: only check tells whether restore undid it)\n");
  }
  fmt::print(inv.out, "{} in {} ms\n", report.passed ? "PASSED" : "FAILED", report.elapsed.count());
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
      "`describe` and shows its path and kinds: each kind's restore timeout, whether it\n"
      "answers snapshot, how to undo it by hand, and its parameters (type, required, allowed\n"
      "values, bounds, default); or why describe failed. What the search passed over is\n"
      "listed with the reason: a missing directory, a file that is not executable, a plugin\n"
      "name already found earlier on the path. Protocol: docs/plugin-protocol.md.\n\n"
      "Options:\n"
      "  --json        one JSON object: {\"search_path\":[...],\"plugins\":[...],\n"
      "                \"skipped\":[{\"path\":...,\"reason\":...}]}\n"
      "  --dir DIRS    search only these directories (colon-separated)\n\n"
      "Exit status: 0 when every plugin found answered describe; 1 when one did not, or a\n"
      "directory given with --dir cannot be searched.\n\n"
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
      "[--target-known-hosts FILE]] [--dir DIRS] [--json]",
      "check that a plugin kind injects, checks and restores cleanly on a real target",
      "Runs the conformance check of one plugin kind against a target (local unless\n"
      "--target-host is given, then over SSH; the plugin is copied to\n"
      "~/.cache/firedrill/plugins/ there): validate, inject, check (must be in place),\n"
      "restore, check (must not be in place), restore again (must succeed: idempotent).\n"
      "Kinds whose describe says \"snapshot\": true are also snapshotted before and after;\n"
      "the two snapshots must be equal. This REALLY injects the fault: use a test system.\n"
      "Parameters are NAME=VALUE words checked against the kind's schema like a drill file\n"
      "(string lists: a,b,c). Each step shows how long it took.\n\n"
      "Options:\n"
      "  --kind KIND                the plugin kind to check (required)\n"
      "  --json                     one JSON object on stdout instead of text:\n"
      "                             {\"plugin\",\"path\",\"kind\",\"target\",\"snapshot\",\n"
      "                             \"steps\":[{\"name\",\"ok\",\"detail\",\"elapsed_ms\"}],\n"
      "                             \"passed\",\"elapsed_ms\"}; when no step ran (exit 2, 3,\n"
      "                             7 or a failed describe), only the message on stderr\n"
      "  --target-host HOST         check on this host over SSH instead of locally, with\n"
      "  --target-user U            --target-port N (default 22), --target-identity FILE and\n"
      "  --target-port N            --target-known-hosts FILE as in a drill file's SSH target\n"
      "  --target-identity FILE\n"
      "  --target-known-hosts FILE\n"
      "  --dir DIRS                 search only these directories for the plugin\n\n"
      "Exit status: 0 when every step passed; 1 when a step failed, the plugin's describe\n"
      "failed or the target cannot be reached; 2 for wrong usage; 3 when a parameter does not\n"
      "fit the kind's schema; 7 when there is no such plugin or kind.\n\n"
      "Examples:\n"
      "  firedrill plugins test redis --kind redis.maxmemory-squeeze port=6380 "
      "maxmemory=1mb\n"
      "  firedrill plugins test postgres --kind postgres.refuse-connections database=shop \\\n"
      "      --target-host db-1.example.com --target-user firedrill \\\n"
      "      --target-identity ~/.ssh/firedrill_ed25519 --target-known-hosts "
      "~/.ssh/known_hosts.firedrill\n",
      ArgSpec{{"json"},
              {"kind", "dir", "target-host", "target-user", "target-port", "target-identity",
               "target-known-hosts"},
              1,
              SIZE_MAX},
      RunTest,
  };
}

}  // namespace firedrill
