// Who "--by alice" is: a name as people type it, matched against the drill's participants.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"

namespace firedrill {

/// What a name given with `--by` matched among a drill's participants.
struct ParticipantMatch {
  /// The participant's name as the drill lists it; empty when none or several matched.
  std::string name;
  /// The participants the name could mean, when it matched more than one (in the drill's order).
  std::vector<std::string> candidates;
};

/// Matches `given` against `participants` the way people name each other: the whole name,
/// case-insensitive ("Alice@Example.com"), or, for a name without '@', the local part of an
/// address ("alice" for "alice@example.com"). An exact (case-insensitive) match wins over local
/// parts; several local-part matches are ambiguous and are all returned. Pure.
ParticipantMatch MatchParticipant(const std::vector<Participant>& participants,
                                  std::string_view given);

}  // namespace firedrill
