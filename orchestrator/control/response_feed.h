// The body of a streamed answer (server-sent events): what a handler pushes after it answered,
// sent by the control server as it comes. Both sides run on the server's one loop thread.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace firedrill {

/// A queue of text from one producer (the handler's side) to one connection (the server's side).
/// Not thread-safe: everything happens on the loop thread.
class ResponseFeed {
 public:
  /// Appends `text` to what is to be sent and wakes the connection. Ignored once closed.
  void Push(std::string_view text);
  /// Ends the stream once what was pushed is sent. Idempotent.
  void Close();

  /// True once Close was called.
  bool closed() const { return closed_; }
  /// True while the connection is there to take what is pushed (set by the server; false once
  /// the client went away): a producer drops feeds that are no longer open.
  bool open() const { return open_ && !closed_; }
  /// Bytes pushed and not taken yet: a producer may close a feed whose client reads too slowly.
  std::size_t pending() const { return pending_.size(); }

  /// Server side: takes everything pushed so far.
  std::string Take();
  /// Server side: `wake` is called (on the loop thread) after each Push and on Close; unset once
  /// the connection ends, together with `open`.
  void Attach(std::function<void()> wake);
  void Detach();

 private:
  std::string pending_;
  bool closed_ = false;
  bool open_ = false;
  std::function<void()> wake_;
};

/// Returns one server-sent event: `event: NAME`, `id: ID` (omitted when empty) and every line of
/// `data` as its own `data:` line, ended by a blank line. CR and LF in `name` and `id` are
/// dropped, so that no text can start an event of its own.
std::string ServerSentEvent(std::string_view name, std::string_view id, std::string_view data);

}  // namespace firedrill
