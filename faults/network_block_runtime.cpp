#include "faults/network_block_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

#include "faults/runtime_support.h"

namespace firedrill {

namespace asio = boost::asio;
namespace {

// Every nft call is quick; a slow one means the target is in trouble and we should say so.
constexpr Duration kNftTimeout = std::chrono::seconds(10);

// Serialises firedrill's own changes to its table on one target: without it, one fault's restore
// could see the table empty and delete it just as another fault adds its chain there.
constexpr char kNftLock[] = "/run/firedrill-nft.lock";

// Suffixes of the per-hook chains; the longer one bounds the base name.
constexpr char kInSuffix[] = "_in";
constexpr char kOutSuffix[] = "_out";
constexpr std::size_t kMaxBaseName = kMaxNftChainName - (sizeof(kOutSuffix) - 1);
// Room kept for "_" plus the 8 hex digits of the hash when a base name has to be shortened.
constexpr std::size_t kHashedPrefix = kMaxBaseName - 9;

// The packet-sampling expression works in thousandths.
constexpr int kProbabilityScale = 1000;

std::string ChainBase(std::string_view drill_id, std::string_view fault_id) {
  const std::string exact = fmt::format("fd_{}_{}", drill_id, fault_id);
  const std::string sanitized = SanitizeName(exact);
  if (sanitized == exact && sanitized.size() <= kMaxBaseName) return sanitized;
  // The ids are hashed exactly (with a separator that cannot occur in them) so that "a-b" and
  // "a.b", or two long ids with a common prefix, still get different chains.
  const std::string hash = ShortHash(fmt::format("{}\n{}", drill_id, fault_id));
  return fmt::format("{}_{}", sanitized.substr(0, kHashedPrefix), hash);
}

// The rule of one hook: input matches where packets come from, output where they go.
std::string RuleFor(const NetworkBlockParams& params, bool input) {
  std::string rule = fmt::format("{} dport {}", BlockProtocolName(params.protocol), params.port);
  if (params.address) {
    rule += fmt::format(" {} {} {}", params.address->is_ipv6 ? "ip6" : "ip",
                        input ? "saddr" : "daddr", params.address->ToString());
  }
  if (params.probability < 1) {
    const int threshold =
        std::clamp(static_cast<int>(std::lround(params.probability * kProbabilityScale)), 1,
                   kProbabilityScale - 1);
    rule += fmt::format(" numgen random mod {} < {}", kProbabilityScale, threshold);
  }
  // The counter lets a person see in `nft list table inet firedrill` that the rule is matching.
  rule += " counter";
  if (params.mode == BlockMode::kDrop) return rule + " drop";
  // A TCP reset is what a client sees for a closed port ("connection refused"); for UDP the
  // default reject is the matching ICMP port-unreachable.
  return rule + (params.protocol == BlockProtocol::kTcp ? " reject with tcp reset" : " reject");
}

// Returns whether the chain exists; an Error if nft fails for any other reason.
asio::awaitable<Expected<bool>> ChainExists(CommandRunner& runner, const std::string& chain) {
  const std::string command = fmt::format("nft list chain {} {}", kNftTable, chain);
  Expected<CommandResult> result = co_await runner.Run(command, kNftTimeout);
  if (!result) co_return Error(fmt::format("{}: {}", command, result.error().message));
  if (result->ok()) co_return true;
  if (!result->timed_out && result->err.find("No such file or directory") != std::string::npos) {
    co_return false;
  }
  co_return Error(fmt::format("{}: {}", command, SummarizeFailure(*result, kNftTimeout)));
}

struct BlockState {
  std::vector<std::string> chains;
  std::string script;
};

Expected<BlockState> ReadState(const std::string& text) {
  Expected<boost::json::object> state = ParseState(text);
  if (!state) return state.error();
  BlockState parsed;
  const boost::json::value* chains = state->if_contains("chains");
  if (chains == nullptr || !chains->is_array() || chains->as_array().empty()) {
    return Error("fault state has no \"chains\"");
  }
  for (const boost::json::value& chain : chains->as_array()) {
    if (!chain.is_string()) return Error("fault state has a chain that is not a string");
    const std::string name(chain.as_string());
    // The names go into shell and nft commands unquoted; only firedrill's own form is accepted.
    if (name.empty() || name.size() > kMaxNftChainName || SanitizeName(name) != name) {
      return Error(fmt::format("fault state has an invalid chain name \"{}\"", name));
    }
    parsed.chains.push_back(name);
  }
  Expected<std::string> script = StateString(*state, "script");
  if (!script) return script.error();
  parsed.script = *std::move(script);
  return parsed;
}

class NetworkBlockFault : public Fault {
 public:
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const NetworkBlockParams*> params = ParamsOf<NetworkBlockParams>(ctx);
    if (!params) co_return params.error();
    Expected<CommandResult> tables = co_await ctx.runner.Run("nft list tables", kNftTimeout);
    if (!tables) co_return Error("nftables not available: " + tables.error().message);
    if (tables->exit_code == 127 && !tables->timed_out) {
      co_return Error("nftables not available: nft not found (install the nftables package)");
    }
    if (!tables->ok()) {
      co_return Error("nftables not available: " + SummarizeFailure(*tables, kNftTimeout));
    }
    Expected<CommandResult> flock = co_await ctx.runner.Run("command -v flock", kNftTimeout);
    if (!flock || !flock->ok()) {
      co_return Error("flock not available (install the util-linux package)");
    }
    const std::vector<std::string> chains =
        NftChainNames(ctx.drill_id, ctx.spec.id, (*params)->direction);
    for (const std::string& chain : chains) {
      Expected<bool> exists = co_await ChainExists(ctx.runner, chain);
      if (!exists) co_return Error("nftables not available: " + exists.error().message);
      if (*exists) {
        co_return Error(fmt::format(
            "chain {} already exists in table {}: an earlier run of this fault was not restored; "
            "remove it with: nft delete chain {} {}",
            chain, kNftTable, kNftTable, chain));
      }
    }
    boost::json::object state;
    state["table"] = kNftTable;
    boost::json::array names;
    for (const std::string& chain : chains) names.emplace_back(chain);
    state["chains"] = std::move(names);
    state["script"] = NftInjectScript(**params, chains);
    co_return boost::json::serialize(state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state_text) override {
    Expected<BlockState> state = ReadState(state_text);
    if (!state) co_return state.error();
    // A quoted here-document delimiter: the shell passes the script to nft untouched.
    const std::string command = fmt::format(
        "flock {} nft -f - <<'FIREDRILL_NFT'\n{}FIREDRILL_NFT\n", kNftLock, state->script);
    Expected<CommandResult> result =
        co_await RunChecked(ctx.runner, command, kNftTimeout, "nft -f -", ctx.inject_hooks);
    if (!result) co_return result.error();
    co_return Status::Ok();
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state_text) override {
    Expected<BlockState> state = ReadState(state_text);
    if (!state) co_return state.error();
    // Any chain left counts as in place, so a half-finished restore is never reported as done.
    for (const std::string& chain : state->chains) {
      Expected<bool> exists = co_await ChainExists(ctx.runner, chain);
      if (!exists || *exists) co_return exists;
    }
    co_return false;
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state_text) override {
    Expected<BlockState> state = ReadState(state_text);
    if (!state) co_return state.error();
    std::string script;
    for (const std::string& chain : state->chains) {
      // Flushing first keeps this working on kernels that refuse to delete a non-empty chain.
      script += fmt::format(
          "if nft list chain {0} {1} >/dev/null 2>&1; then\n"
          "  printf 'flush chain {0} {1}\\ndelete chain {0} {1}\\n' | nft -f - || exit 1\n"
          "fi\n",
          kNftTable, chain);
    }
    // The table goes only once no fault's chain is left in it (checked under the same lock that
    // injecting takes).
    script += fmt::format(
        "if t=$(nft list table {0} 2>/dev/null); then\n"
        "  case \"$t\" in *'chain '*) ;; *) nft delete table {0} || exit 1 ;; esac\n"
        "fi\n",
        kNftTable);
    const std::string command = fmt::format("flock {} sh -c {}", kNftLock, ShellQuote(script));
    Expected<CommandResult> result =
        co_await RunChecked(ctx.runner, command, kNftTimeout, "removing the nftables chains");
    if (!result) co_return result.error();
    // The script skips chains it cannot list; make sure that was because they are gone.
    Expected<bool> still_there = co_await Check(ctx, state_text);
    if (!still_there) co_return still_there.error();
    if (*still_there) {
      co_return Error(fmt::format("a chain of this fault is still in table {}", kNftTable));
    }
    co_return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& /*ctx*/, const std::string& state_text) override {
    Expected<BlockState> state = ReadState(state_text);
    if (!state) {
      return fmt::format(
          "nft list table {0}  # then delete this fault's chains: "
          "nft delete chain {0} NAME",
          kNftTable);
    }
    std::string text;
    for (const std::string& chain : state->chains) {
      text +=
          fmt::format("nft flush chain {0} {1} && nft delete chain {0} {1}\n", kNftTable, chain);
    }
    text += fmt::format("nft delete table {}  # only if `nft list table {}` shows no chain left\n",
                        kNftTable, kNftTable);
    return text;
  }
};

}  // namespace

std::vector<std::string> NftChainNames(std::string_view drill_id, std::string_view fault_id,
                                       BlockDirection direction) {
  const std::string base = ChainBase(drill_id, fault_id);
  std::vector<std::string> chains;
  if (direction != BlockDirection::kOut) chains.push_back(base + kInSuffix);
  if (direction != BlockDirection::kIn) chains.push_back(base + kOutSuffix);
  return chains;
}

std::string NftInjectScript(const NetworkBlockParams& params,
                            const std::vector<std::string>& chains) {
  std::string script = fmt::format("add table {}\n", kNftTable);
  for (const std::string& chain : chains) {
    const bool input = chain.ends_with(kInSuffix);
    // Priority -10 runs before the usual filter chains (priority 0), so their accept rules cannot
    // let the packets through first; a drop anywhere is final.
    script += fmt::format(
        "add chain {0} {1} {{ type filter hook {2} priority -10; policy accept; }}\n"
        "flush chain {0} {1}\n"
        "add rule {0} {1} {3}\n",
        kNftTable, chain, input ? "input" : "output", RuleFor(params, input));
  }
  return script;
}

std::unique_ptr<Fault> MakeNetworkBlockFault() { return std::make_unique<NetworkBlockFault>(); }

}  // namespace firedrill
