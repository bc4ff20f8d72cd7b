// The control server's connections: the accept loop (admission, displacement), each plain or TLS
// connection on its own strand, and its requests one after the other under deadlines and limits,
// kept alive while the client wants; screening, routing and answering each. Private to
// orchestrator/control/.
#pragma once

#include "orchestrator/control/control_server_impl.h"

namespace firedrill::control_internal {

/// Accepts connections while `state->serving`, each admitted one served by its own coroutine on
/// its own strand (TLS when `state->access.tls` is set). Ends when the acceptor is closed.
awaitable<void> AcceptLoop(State state);

}  // namespace firedrill::control_internal
