// Sending a streamed answer (server-sent events): the head, then what the handler pushes into
// the answer's ResponseFeed as it comes, with heartbeats, until the feed closes, the client goes
// away or the server stops. Private to orchestrator/control/.
#pragma once

#include "orchestrator/control/control_server_impl.h"

namespace firedrill::control_internal {

/// Sends a streamed answer: its head and first text, then whatever the handler pushes into the
/// feed, until the feed is closed, the client goes away or the server stops. A comment line every
/// 15 seconds tells the client (and us) that the connection still stands. The connection closes
/// after it (no Content-Length: the body ends with the connection).
/// Registers the feed in `state->feeds` (for Stop) while it is sent. Defined for
/// `beast::tcp_stream` and `TlsStream`.
template <typename Stream>
awaitable<void> SendStream(State state, Stream& stream, ControlResponse r, unsigned version,
                           ConnectionAdmission::Id id);

}  // namespace firedrill::control_internal
