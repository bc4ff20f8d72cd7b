#include "faults/disk_fill_runtime.h"

#include <fmt/format.h>

#include <chrono>
#include <sstream>
#include <utility>

#include "faults/runtime_support.h"

namespace firedrill {

namespace asio = boost::asio;
namespace {

constexpr Duration kQueryTimeout = std::chrono::seconds(10);
// fallocate only reserves blocks (no data is written), but a large, fragmented filesystem can
// still take a while to hand them out.
constexpr Duration kAllocateTimeout = std::chrono::seconds(120);

struct FillState {
  std::string path;
  std::string file;
  std::string marker;
};

Expected<FillState> ReadState(const std::string& text) {
  Expected<boost::json::object> state = ParseState(text);
  if (!state) return state.error();
  Expected<std::string> path = StateString(*state, "path");
  if (!path) return path.error();
  Expected<std::string> file = StateString(*state, "file");
  if (!file) return file.error();
  Expected<std::string> marker = StateString(*state, "marker");
  if (!marker) return marker.error();
  return FillState{*std::move(path), *std::move(file), *std::move(marker)};
}

asio::awaitable<Expected<FilesystemSpace>> MeasureSpace(CommandRunner& runner,
                                                        const std::string& path) {
  Expected<CommandResult> df =
      co_await RunChecked(runner, "df -B1 --output=avail,size -- " + ShellQuote(path),
                          kQueryTimeout, "measuring free space of " + path);
  if (!df) co_return df.error();
  Expected<FilesystemSpace> space = ParseDfOutput(df->out);
  if (!space)
    co_return Error(fmt::format("measuring free space of {}: {}", path, space.error().message));
  co_return space;
}

// Returns whether anything (even a dangling symlink) is at `file`.
asio::awaitable<Expected<bool>> Exists(CommandRunner& runner, const std::string& file) {
  const std::string quoted = ShellQuote(file);
  Expected<CommandResult> test =
      co_await runner.Run(fmt::format("test -e {0} || test -L {0}", quoted), kQueryTimeout);
  if (!test) co_return test.error();
  if (test->ok()) co_return true;
  if (test->exit_code == 1) co_return false;
  co_return Error(fmt::format("checking for {}: {}", file, SummarizeFailure(*test, kQueryTimeout)));
}

// A shell test that succeeds iff `file` begins with the marker Inject wrote, i.e. it is the file
// this run created (a file someone put there since is never touched).
std::string IsOursTest(const FillState& state) {
  return fmt::format("[ \"$(head -c {} -- {} 2>/dev/null)\" = {} ]", state.marker.size(),
                     ShellQuote(state.file), ShellQuote(state.marker));
}

class DiskFillFault : public Fault {
 public:
  asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override {
    Expected<const DiskFillParams*> params = ParamsOf<DiskFillParams>(ctx);
    if (!params) co_return params.error();
    const std::string& path = (*params)->path;
    const std::string file = (*params)->FilePath();
    Expected<CommandResult> dir =
        co_await ctx.runner.Run("test -d " + ShellQuote(path), kQueryTimeout);
    if (!dir) co_return dir.error();
    if (!dir->ok())
      co_return Error(fmt::format("{} is not a directory on {}", path, ctx.runner.Describe()));
    Expected<CommandResult> tool = co_await ctx.runner.Run("command -v fallocate", kQueryTimeout);
    if (!tool || !tool->ok()) co_return Error("fallocate not available (install util-linux)");
    Expected<bool> exists = co_await Exists(ctx.runner, file);
    if (!exists) co_return exists.error();
    if (*exists) {
      co_return Error(fmt::format(
          "{} already exists; it was not created by this run, so firedrill will not fill or "
          "delete it (remove it if it is a leftover, or choose another file_name)",
          file));
    }
    Expected<FilesystemSpace> space = co_await MeasureSpace(ctx.runner, path);
    if (!space) co_return space.error();
    Expected<std::uint64_t> bytes = DiskFillBytes(*space, (*params)->free_left);
    if (!bytes) co_return Error(fmt::format("{}: {}", path, bytes.error().message));
    boost::json::object state;
    state["path"] = path;
    state["file"] = file;
    state["bytes"] = *bytes;
    state["avail"] = space->avail;
    state["size"] = space->size;
    state["marker"] = "firedrill disk.fill " + RandomHex();
    co_return boost::json::serialize(state);
  }

  asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state_text) override {
    Expected<const DiskFillParams*> params = ParamsOf<DiskFillParams>(ctx);
    if (!params) co_return params.error();
    Expected<FillState> state = ReadState(state_text);
    if (!state) co_return state.error();
    Expected<FilesystemSpace> space = co_await MeasureSpace(ctx.runner, state->path);
    if (!space) co_return space.error();
    Expected<std::uint64_t> bytes = DiskFillBytes(*space, (*params)->free_left);
    if (!bytes) co_return Error(fmt::format("{}: {}", state->path, bytes.error().message));
    // noclobber makes creating the file fail if anything appeared there since Prepare, so only a
    // file this command created is ever filled (and removed again if fallocate fails). The marker
    // line at its start lets Check and Restore recognise it; fallocate keeps it and extends.
    const std::string quoted = ShellQuote(state->file);
    const std::string command = fmt::format(
        "set -C; printf '%s\\n' {2} > {0} || exit 3; "
        "fallocate -l {1} -- {0} || {{ rc=$?; rm -f -- {0}; exit $rc; }}",
        quoted, *bytes, ShellQuote(state->marker));
    Expected<CommandResult> result = co_await RunChecked(
        ctx.runner, command, kAllocateTimeout, "allocating " + state->file, ctx.inject_hooks);
    if (!result) co_return result.error();
    co_return Status::Ok();
  }

  asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                        const std::string& state_text) override {
    Expected<FillState> state = ReadState(state_text);
    if (!state) co_return state.error();
    Expected<CommandResult> test = co_await ctx.runner.Run(IsOursTest(*state), kQueryTimeout);
    if (!test) co_return test.error();
    if (test->timed_out) {
      co_return Error(
          fmt::format("checking {}: {}", state->file, SummarizeFailure(*test, kQueryTimeout)));
    }
    co_return test->ok();
  }

  asio::awaitable<Status> Restore(const FaultContext& ctx, const std::string& state_text) override {
    Expected<FillState> state = ReadState(state_text);
    if (!state) co_return state.error();
    const std::string command =
        fmt::format("if {}; then rm -f -- {}; fi", IsOursTest(*state), ShellQuote(state->file));
    Expected<CommandResult> result =
        co_await RunChecked(ctx.runner, command, kQueryTimeout, "removing " + state->file);
    if (!result) co_return result.error();
    co_return Status::Ok();
  }

  std::string ManualRestore(const FaultContext& ctx, const std::string& state_text) override {
    Expected<FillState> state = ReadState(state_text);
    if (state) return "rm -f -- " + ShellQuote(state->file);
    const auto* params = dynamic_cast<const DiskFillParams*>(ctx.spec.params.get());
    if (params != nullptr) return "rm -f -- " + ShellQuote(params->FilePath());
    return "rm -f -- PATH/FILE_NAME  # the disk.fill file of this fault";
  }
};

}  // namespace

Expected<FilesystemSpace> ParseDfOutput(std::string_view text) {
  std::istringstream lines{std::string(text)};
  std::string header, values;
  std::getline(lines, header);
  std::getline(lines, values);
  std::istringstream numbers(values);
  // Read as signed first: istream happily wraps "-5" into a huge unsigned value.
  long long avail = -1, size = -1;
  std::string rest;
  if (!(numbers >> avail >> size) || (numbers >> rest) || avail < 0 || size <= 0) {
    return Error(fmt::format("unexpected df output \"{}\"", text));
  }
  return FilesystemSpace{static_cast<std::uint64_t>(avail), static_cast<std::uint64_t>(size)};
}

Expected<std::uint64_t> DiskFillBytes(const FilesystemSpace& space, const SizeSpec& free_left) {
  const std::uint64_t keep = free_left.BytesOf(space.size);
  if (space.avail <= keep) {
    return Error(
        fmt::format("only {} bytes are free, which is not more than free_left {} ({} "
                    "bytes); there is nothing to fill",
                    space.avail, free_left.ToString(), keep));
  }
  return space.avail - keep;
}

std::unique_ptr<Fault> MakeDiskFillFault() { return std::make_unique<DiskFillFault>(); }

}  // namespace firedrill
