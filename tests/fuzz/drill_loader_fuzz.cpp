// Feeds arbitrary bytes to the drill loader. The loader must never crash, hang, leak or trip a
// sanitizer, whatever the input; it may only report problems.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > firedrill::kMaxDrillFileBytes) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  firedrill::LoadResult r = firedrill::LoadDrillText(text, "fuzz.toml", firedrill::BuiltinFaults());
  // A result is either a drill or at least one problem, never neither.
  if (!r.drill && r.diagnostics.empty()) __builtin_trap();
  return 0;
}
