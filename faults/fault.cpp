#include "faults/fault.h"

#include "faults/builtin_faults.h"

namespace firedrill {

boost::asio::awaitable<Expected<std::string>> Fault::InjectAndCapture(const FaultContext& ctx,
                                                                      const std::string& state) {
  Status st = co_await Inject(ctx, state);
  if (!st) co_return st.error();
  co_return state;
}

std::unique_ptr<Fault> MakeBuiltinFault(const std::string& kind) {
  for (const BuiltinFaultFactory& factory : BuiltinFaultFactories()) {
    if (factory.kind == kind) return factory.make();
  }
  return nullptr;
}

}  // namespace firedrill
