// A small HTTP server for tests of REST clients, on 127.0.0.1 in a thread of its own: every
// request goes to the test's handler (a stand-in for Confluence, Jira, ...), except those the test
// makes fail first (429 with Retry-After, 5xx), and each is logged.
#pragma once

#include <boost/beast/http.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace firedrill::testing {

class ScriptedHttpServer {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  /// What to answer: a status and a JSON body (sent as application/json).
  struct Reply {
    int status = 200;
    std::string body;
  };
  using Handler = std::function<Reply(const Request&)>;

  /// Starts serving on a free port; `handler` is called on the server's thread, one request at
  /// a time (Connection: close after each answer).
  explicit ScriptedHttpServer(Handler handler);
  /// Stops serving and joins the thread.
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string origin() const;
  /// The next requests get these statuses, without reaching the handler; a 429 carries
  /// Retry-After: 1.
  void FailNext(std::vector<int> statuses);
  /// "METHOD TARGET" of every request so far, failed ones included.
  std::vector<std::string> log() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// Percent-decodes a URL's query value ('+' is a space); what a server reads.
std::string DecodeQuery(const std::string& value);

}  // namespace firedrill::testing
