#include "faults/cpu_stress_runtime.h"

#include <fmt/format.h>

#include "faults/cpu_stress.h"
#include "faults/runtime_support.h"
#include "faults/stress_ng_fault.h"

namespace firedrill {

namespace asio = boost::asio;
namespace {

class CpuStressFault : public StressNgFault {
 protected:
  asio::awaitable<Expected<std::string>> StressOptions(const FaultContext& ctx) override {
    Expected<const CpuStressParams*> params = ParamsOf<CpuStressParams>(ctx);
    if (!params) co_return params.error();
    // stress-ng reads "--cpu 0" as one worker per online CPU, which is what workers = 0 means.
    co_return fmt::format("--cpu {} --cpu-load {}", (*params)->workers, (*params)->load);
  }
};

}  // namespace

std::unique_ptr<Fault> MakeCpuStressFault() { return std::make_unique<CpuStressFault>(); }

}  // namespace firedrill
