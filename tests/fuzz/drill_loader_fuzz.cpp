// Feeds arbitrary bytes to the drill loader. The loader must never crash, hang, leak or trip a
// sanitizer, whatever the input; it may only report problems. The custom mutator (see
// structure_mutator.h) makes sure the inputs include what byte-level mutation rarely builds:
// table headers and dotted keys of many thousands of parts, deep arrays and inline tables,
// megabyte strings, thousands of repeated lines, and times at the edges of the calendar.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"
#include "tests/fuzz/structure_mutator.h"

extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size,
                                               std::size_t max_size, unsigned int seed) {
  return firedrill::fuzz::MutateStructure(firedrill::fuzz::Grammar::kToml, data, size, max_size,
                                          seed);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  firedrill::fuzz::NoteInputSize(size);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  firedrill::LoadResult r = firedrill::LoadDrillText(text, "fuzz.toml", firedrill::BuiltinFaults());
  // A result is either a drill or at least one problem, never neither.
  if (!r.drill && r.diagnostics.empty()) __builtin_trap();
  return 0;
}
