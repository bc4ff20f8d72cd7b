// A small HTTP(S) witness for tests, on 127.0.0.1 only: it keeps every body POSTed to it, one line
// each, and answers GET with all of them, as an operator's witness service would.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/test_certificate.h"

namespace firedrill::testing {

/// An HTTP witness served by a thread of its own. Thread-safe.
class WitnessReceiver {
 public:
  /// Starts listening on 127.0.0.1 on a free port, speaking HTTPS with `tls` when given (its
  /// certificate must name IP:127.0.0.1); fails the test if it cannot.
  explicit WitnessReceiver(std::optional<TestCertificate> tls = std::nullopt);
  /// Stops serving and joins the thread.
  ~WitnessReceiver();
  WitnessReceiver(const WitnessReceiver&) = delete;
  WitnessReceiver& operator=(const WitnessReceiver&) = delete;

  /// "http://127.0.0.1:PORT/firedrill/checkpoints" (https:// with TLS).
  std::string url() const;
  /// The lines received so far, in order.
  std::vector<std::string> lines() const;
  /// From now on, answer POSTs with `status` and keep nothing (0: accept again).
  void FailWith(int status);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace firedrill::testing
