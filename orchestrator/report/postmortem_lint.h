// A blamelessness check for a completed postmortem: flags phrases that attribute an outcome to
// a person ("human error", "X forgot", "X failed to", "X should have", "careless",
// "negligence") and participants named in the contributing-factors section, each with a
// suggested reframing. Pure: works on the file's text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace firedrill {

/// One flagged phrase.
struct LintFinding {
  int line = 0;            ///< 1-based
  std::string phrase;      ///< as written, e.g. "alice forgot"
  std::string message;     ///< what is wrong with it
  std::string suggestion;  ///< a blameless way to say it
};

/// Returns the participant names listed in the postmortem's "## Participants" table (first
/// column), in order; empty when there is no such table.
std::vector<std::string> ParticipantsInPostmortem(std::string_view text);

/// Checks `text` and returns the findings in line order. `participants` are names that must not
/// appear in the "## Contributing factors" section (whole words, case-insensitive; an e-mail
/// address also matches by its local part and that part's dot- or underscore-separated pieces
/// of 3 letters or more). "failed to" and "should have" are flagged when a person is their
/// subject: a pronoun, a role word (engineer, operator, on-call, responder, ...), a participant
/// name or an e-mail address; "forgot" is always flagged. The template's own guidance lines
/// (IsTemplateGuidance) are skipped.
std::vector<LintFinding> LintPostmortem(std::string_view text,
                                        const std::vector<std::string>& participants);

/// Formats a finding as "FILE:LINE: message: \"phrase\". Suggestion: suggestion".
std::string FormatFinding(const std::string& file, const LintFinding& finding);

}  // namespace firedrill
