// A complete, valid drill text and helpers for tests that change one piece of it.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "drills/drill_loader.h"
#include "faults/fault_registry.h"

namespace firedrill::testing {

/// A complete, valid drill: one local target, one network.block fault, a probe and a guard, in
/// Europe/Copenhagen on 2027-03-04 10:00-11:00.
inline const std::string kValidDrill = R"(id = "checkout-db-blackhole"
title = "Checkout loses its database"
service = "checkout"
owner = "lead@example.com"
playbook = "https://wiki.example.com/runbooks/checkout-db"

[objectives]
detect_within = "5m"
recover_within = "20m"

[window]
start = 2027-03-04T10:00:00
end = 2027-03-04T11:00:00
zone = "Europe/Copenhagen"

[announce]
lead = "72h"
attendees = ["alice@example.com"]

[[participants]]
name = "alice@example.com"
role = "incident-commander"

[targets.db]
local = true

[[faults]]
kind = "network.block"
target = "db"
port = 5432
mode = "reject"

[[probes]]
name = "db-port"
kind = "tcp"
target = "db"
port = 5432

[[guards]]
name = "db-down-too-long"
kind = "probe"
probe = "db-port"
max_red = "30m"

[detection]
match = { service = "checkout" }
)";

/// Loads `text` as "drill.toml" with the built-in fault kinds.
inline LoadResult LoadText(const std::string& text) {
  return LoadDrillText(text, "drill.toml", BuiltinFaults());
}

/// Returns `text` with the first `from` replaced by `to` (which must be there).
inline std::string ReplaceOnce(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

/// Every diagnostic as "FILE:LINE:COL: message", one per line.
inline std::string Diagnosed(const LoadResult& r) {
  std::string s;
  for (const Error& e : r.diagnostics) s += e.ToString() + "\n";
  return s;
}

}  // namespace firedrill::testing
