// The HTTP side of a witness: POST one witness record to it, GET every record it holds. One
// request at a time, blocking the caller, each bounded by a deadline: publishing happens after a
// checkpoint is committed, and verifying is a command that waits anyway.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "drills/expected.h"

namespace firedrill {

/// One exchange with a witness over HTTP(S).
struct WitnessHttpRequest {
  std::string url;                  ///< http://host[:port]/path or https://... (ParseHttpUrl)
  std::optional<std::string> body;  ///< POST this body (application/json); GET when absent
  std::chrono::milliseconds timeout{5000};  ///< for the whole exchange, name resolution included
  /// For https: trust this PEM file of CA certificates instead of the system's store. The peer's
  /// certificate must chain to a trusted CA and match the host either way.
  std::optional<std::filesystem::path> ca_file;
  std::size_t max_answer = 64 * 1024 * 1024;  ///< a longer answer body fails
};

/// What the witness answered.
struct WitnessHttpAnswer {
  int status = 0;
  std::string body;
};

/// Makes the request and returns the answer, whatever its status. Fails, naming the URL by its
/// origin only (the path may hold a secret), on a bad URL, a name that does not resolve, a
/// connection, TLS or certificate failure, an answer that is not HTTP or too long, and when the
/// timeout passes. Runs its own event loop on the calling thread; never throws.
Expected<WitnessHttpAnswer> ExchangeWithWitness(const WitnessHttpRequest& request);

}  // namespace firedrill
