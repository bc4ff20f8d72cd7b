#include "orchestrator/engine/participant_match.h"

#include <algorithm>
#include <cctype>

namespace firedrill {

namespace {

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

ParticipantMatch MatchParticipant(const std::vector<Participant>& participants,
                                  std::string_view given) {
  ParticipantMatch m;
  if (given.empty()) return m;
  for (const Participant& p : participants) {
    if (SameIgnoringCase(p.name, given)) {
      m.name = p.name;
      return m;
    }
  }
  if (given.find('@') != std::string_view::npos) return m;
  for (const Participant& p : participants) {
    const std::size_t at = p.name.find('@');
    if (at != std::string::npos &&
        SameIgnoringCase(std::string_view(p.name).substr(0, at), given)) {
      m.candidates.push_back(p.name);
    }
  }
  if (m.candidates.size() == 1) {
    m.name = m.candidates.front();
    m.candidates.clear();
  }
  return m;
}

}  // namespace firedrill
