// Publishing a signed checkpoint to the operator's witnesses (witness_list.h): a file appended
// to, a syslog socket, an HTTP POST. Called after the checkpoint is committed; a witness that
// cannot be reached never undoes or delays the checkpoint beyond its own timeout.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/witness_list.h"

namespace firedrill {

/// How publishing to one witness went.
struct WitnessDelivery {
  std::string witness;  ///< Witness::Describe()
  bool ok = false;
  std::string error;  ///< why not, when !ok
};

/// Sends WitnessRecord(cp, list.origin) to every witness of `list`, in order, and returns one
/// delivery per witness. A file witness gets the line appended (O_APPEND, created 0644 if
/// missing, fsync'd); a syslog witness one datagram "<13>TIMESTAMP firedrill[PID]:
/// firedrill-checkpoint {...}" (facility user, severity notice); an HTTP witness a POST of the
/// record (application/json), delivered on a 2xx answer, bounded by its timeout. Blocks for at
/// most the sum of the HTTP timeouts (plus the local writes); never throws.
std::vector<WitnessDelivery> PublishCheckpoint(const Checkpoint& cp, const WitnessList& list);

/// The outcome of publishing one checkpoint to whatever witnesses are configured.
struct Publication {
  std::optional<std::filesystem::path> list;  ///< the list used; nullopt when none is configured
  std::optional<std::string> problem;         ///< the list could not be loaded: nothing was sent
  std::vector<std::string> warnings;          ///< WitnessList::warnings
  std::vector<WitnessDelivery> deliveries;

  /// True iff no witness was configured, or every configured witness got the checkpoint.
  bool ok() const;
  /// One line per witness for people: "checkpoint 3 published to file /x", "checkpoint 3 NOT
  /// published to http https://w.example.com/…: ..."; or why nothing was published.
  std::vector<std::string> Describe(const Checkpoint& cp) const;
};

/// Loads the witness list for `state_dir` (LoadWitnessList) and publishes `cp` to it.
Publication PublishToWitnesses(const Checkpoint& cp, const std::filesystem::path& state_dir);

}  // namespace firedrill
