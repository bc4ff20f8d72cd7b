#include <fmt/format.h>
#include <fmt/ostream.h>

#include <ostream>

#include "drills/suggest.h"
#include "orchestrator/cli/blackout_commands.h"
#include "orchestrator/cli/command.h"
#include "orchestrator/cli/control_commands.h"
#include "orchestrator/cli/daemon_commands.h"
#include "orchestrator/cli/demo_commands.h"
#include "orchestrator/cli/drill_commands.h"
#include "orchestrator/cli/freeze_commands.h"
#include "orchestrator/cli/listing_commands.h"
#include "orchestrator/cli/plugin_commands.h"
#include "orchestrator/cli/proxy_commands.h"
#include "orchestrator/cli/publish_command.h"
#include "orchestrator/cli/records_commands.h"
#include "orchestrator/cli/records_evidence_commands.h"
#include "orchestrator/cli/records_verify_commands.h"
#include "orchestrator/cli/report_commands.h"
#include "orchestrator/cli/run_commands.h"
#include "orchestrator/cli/serve_command.h"
#include "orchestrator/cli/token_commands.h"
#include "orchestrator/exit_status.h"

namespace firedrill {
namespace {

void PrintOverview(std::ostream& out) {
  fmt::print(out,
             "firedrill {}: practise incidents safely. Announce a drill, break the system in its\n"
             "window, time detection and recovery, restore everything, keep a verifiable "
             "record.\n\n"
             "Usage: firedrill COMMAND [OPTIONS] [ARGS]\n\nCommands:\n",
             FIREDRILL_VERSION);
  for (const Command& c : Commands()) fmt::print(out, "  {:<18} {}\n", c.name, c.summary);
  fmt::print(out,
             "\nEvery command takes --help. Commands that use records take --state DIR (default:\n"
             "$FIREDRILL_STATE, else $XDG_STATE_HOME/firedrill, else ~/.local/state/firedrill).\n"
             "Start with: firedrill validate FILE, then firedrill plan FILE.\n"
             "Exit codes are listed in docs/exit-codes.md.\n");
}

}  // namespace

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      ValidateCommand(),      PlanCommand(),          RunCommand(),
      ServeCommand(),         ScheduleCommand(),      ListCommand(),
      StatusCommand(),        BriefCommand(),         CancelCommand(),
      BlackoutAddCommand(),   BlackoutListCommand(),  AckCommand(),
      AbortCommand(),         FreezeCommand(),        UnfreezeCommand(),
      RecoverCommand(),       RecordsListCommand(),   RecordsShowCommand(),
      RecordsVerifyCommand(), DemoCommand(),          DemoServiceCommand(),
      ProxyCommand(),         PostmortemCommand(),    AuditCommand(),
      ReportCommand(),        ActionsCommand(),       PublishCommand(),
      RecordsExportCommand(), RecordsPubkeyCommand(), RecordsCheckpointCommand(),
      PluginsListCommand(),   PluginsTestCommand(),   TokenCreateCommand(),
      TokenListCommand(),     TokenRevokeCommand(),
  };
  return kCommands;
}

int RunCommandLine(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.empty() || argv[0] == "--help" || argv[0] == "-h" || argv[0] == "help") {
    if (argv.size() >= 2 && argv[0] == "help") {
      std::vector<std::string> rest(argv.begin() + 1, argv.end());
      rest.push_back("--help");
      return RunCommandLine(rest, out, err);
    }
    PrintOverview(argv.empty() ? err : out);
    return argv.empty() ? kExitUsage : kExitOk;
  }
  if (argv[0] == "--version" || argv[0] == "version") {
    fmt::print(out, "firedrill {}\n", FIREDRILL_VERSION);
    return kExitOk;
  }
  // Nested commands ("records verify") take two words; try the longer name first.
  const Command* found = nullptr;
  std::size_t words = 0;
  for (const Command& c : Commands()) {
    if (argv.size() >= 2 && c.name == argv[0] + " " + argv[1]) {
      found = &c;
      words = 2;
      break;
    }
  }
  if (found == nullptr) {
    for (const Command& c : Commands()) {
      if (c.name == argv[0]) {
        found = &c;
        words = 1;
        break;
      }
    }
  }
  if (found == nullptr) {
    std::vector<std::string> names;
    std::vector<std::string> group;
    for (const Command& c : Commands()) {
      names.push_back(c.name.substr(0, c.name.find(' ')));
      if (c.name.rfind(argv[0] + " ", 0) == 0) group.push_back(c.name);
    }
    if (!group.empty() && argv.size() >= 2 && (argv[1] == "--help" || argv[1] == "-h")) {
      fmt::print(out, "Usage: firedrill {} SUBCOMMAND [OPTIONS] [ARGS]\n\nSubcommands:\n", argv[0]);
      std::size_t width = 0;
      for (const std::string& name : group) width = std::max(width, name.size());
      for (const Command& c : Commands()) {
        if (c.name.rfind(argv[0] + " ", 0) == 0) {
          fmt::print(out, "  {:<{}}  {}\n", c.name, width, c.summary);
        }
      }
      fmt::print(out, "\nEach takes --help: firedrill {} --help.\n", group.front());
      return kExitOk;
    }
    if (!group.empty()) {
      std::string sub = argv.size() >= 2 ? fmt::format(" \"{}\"", argv[1]) : "";
      fmt::print(err, "firedrill {}: missing or unknown subcommand{}; one of: {}\n", argv[0], sub,
                 fmt::join(group, ", "));
      return kExitUsage;
    }
    fmt::print(err, "firedrill: unknown command \"{}\"{}; see firedrill --help\n", argv[0],
               DidYouMean(argv[0], names));
    return kExitUsage;
  }
  std::vector<std::string> rest(argv.begin() + static_cast<std::ptrdiff_t>(words), argv.end());
  const std::string prefix = "firedrill " + found->name;
  auto args = Args::Parse(
      rest, found->spec,
      std::string_view(found->usage)
          .substr(found->usage.rfind(prefix, 0) == 0 ? prefix.size() : found->usage.size()));
  if (!args.ok()) {
    fmt::print(err, "firedrill {}: {}\nUsage: {}\n(see firedrill {} --help)\n", found->name,
               args.error().message, found->usage, found->name);
    return kExitUsage;
  }
  if (args->Has("help")) {
    fmt::print(out, "Usage: {}\n\n{}\n{}", found->usage, found->summary, found->help);
    return kExitOk;
  }
  return found->run(Invocation{std::move(*args), out, err});
}

}  // namespace firedrill
