#include "faults/memory_stress_runtime.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>

#include "faults/memory_stress.h"
#include "faults/runtime_support.h"
#include "faults/stress_ng_fault.h"

namespace firedrill {

namespace asio = boost::asio;
namespace {

constexpr Duration kReadTimeout = std::chrono::seconds(10);
// stress-ng refuses smaller VM sizes.
constexpr std::uint64_t kMinWorkerBytes = 4096;

class MemoryStressFault : public StressNgFault {
 protected:
  asio::awaitable<Expected<std::string>> StressOptions(const FaultContext& ctx) override {
    Expected<const MemoryStressParams*> params = ParamsOf<MemoryStressParams>(ctx);
    if (!params) co_return params.error();
    std::uint64_t total = (*params)->size.bytes;
    if ((*params)->size.is_percent) {
      Expected<CommandResult> meminfo = co_await RunChecked(ctx.runner, "cat /proc/meminfo",
                                                            kReadTimeout, "reading /proc/meminfo");
      if (!meminfo) co_return meminfo.error();
      Expected<std::uint64_t> memory = ParseMemTotal(meminfo->out);
      if (!memory) co_return memory.error();
      total = (*params)->size.BytesOf(*memory);
    }
    const auto workers = static_cast<std::uint64_t>((*params)->workers);
    // --vm-bytes is per worker; round up so the workers together take at least the size.
    const std::uint64_t per_worker = std::max(kMinWorkerBytes, (total + workers - 1) / workers);
    // --vm-keep never unmaps, and --vm-hang 0 sleeps for good after the memory has been touched
    // once: the workers hold the memory without also burning CPU, which would muddle the drill.
    co_return fmt::format("--vm {} --vm-bytes {}b --vm-keep --vm-hang 0", workers, per_worker);
  }
};

}  // namespace

Expected<std::uint64_t> ParseMemTotal(std::string_view meminfo) {
  std::istringstream lines{std::string(meminfo)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string key, unit;
    std::uint64_t kib = 0;
    if (words >> key >> kib >> unit && key == "MemTotal:" && unit == "kB") return kib * 1024;
  }
  return Error("no \"MemTotal: N kB\" line in /proc/meminfo");
}

std::unique_ptr<Fault> MakeMemoryStressFault() { return std::make_unique<MemoryStressFault>(); }

}  // namespace firedrill
