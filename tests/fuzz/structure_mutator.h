// A structure-aware mutation for the fuzz targets: besides libFuzzer's byte-level mutations, it
// inserts the large and deeply nested constructs that byte-level mutation never reaches within
// a short run (a table header of 100,000 parts, arrays nested 50,000 deep, a string of a
// megabyte, a line repeated ten thousand times). Used from LLVMFuzzerCustomMutator.
#pragma once

#include <cstddef>
#include <cstdint>

namespace firedrill::fuzz {

/// The language of the inputs a target reads.
enum class Grammar {
  kToml,  ///< drill files
  kJson,  ///< alert webhook bodies
};

/// Mutates the `size` bytes at `data` (room for `max_size`) and returns the new size, at most
/// `max_size`. One call in eight inserts one construct of `grammar` at a line boundary (TOML) or
/// a random place (JSON), or wraps the whole input in deep nesting (JSON); sizes and depths are
/// drawn log-uniformly, up to 4 KiB for three constructs in four and up to all of `max_size` for
/// the rest. The other calls are LLVMFuzzerMutate's. An input over 64 KiB is usually first cut
/// to a 16 KiB window of it, so that a run keeps executing mostly small inputs (megabyte inputs
/// cost a hundred times more). Deterministic for a given `seed`, as libFuzzer requires.
std::size_t MutateStructure(Grammar grammar, std::uint8_t* data, std::size_t size,
                            std::size_t max_size, unsigned int seed);

/// Records the size of an input the target ran; the largest is printed to stderr when the
/// process exits ("largest input: N bytes"), so a run's report can say how large inputs got.
void NoteInputSize(std::size_t size);

}  // namespace firedrill::fuzz
