// Subcommands for the API tokens of the daemon's HTTP API: token create, list and revoke. Making
// and revoking a token are recorded in the event log, so the audit trail shows who could act.
#pragma once

#include <string_view>

#include "orchestrator/cli/command.h"

namespace firedrill {

/// The drill id of the token events in the event log: empty, as for every event that belongs to
/// no drill (it can never clash with a drill's id).
inline constexpr std::string_view kTokenEventDrillId = "";

/// `firedrill token create --role ROLE [--name NAME]`: makes a token and prints it, once.
Command TokenCreateCommand();
/// `firedrill token list`: every token's id, role, name, creation and revocation time.
Command TokenListCommand();
/// `firedrill token revoke ID`: the token stops authenticating.
Command TokenRevokeCommand();

}  // namespace firedrill
