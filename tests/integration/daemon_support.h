// What the daemon's end-to-end tests share: a drill file with a marker-file fault and a short
// window, `firedrill serve` as a real process, a CLI command run to completion, and the API
// token `firedrill token create` prints.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "drills/duration.h"
#include "drills/zoned_time.h"
#include "orchestrator/control/control_client.h"
#include "tests/integration/e2e_support.h"

namespace firedrill::testing {

/// The bearer token Alertmanager and Grafana present to the daemons these tests start.
inline constexpr char kAlertToken[] = "alert-secret-for-tests";

/// The `--override-lead` reason of drills that open a second or two after they are written: on a
/// loaded machine `firedrill schedule` may finish after the window opened, which is a late
/// announcement (refused at injection) that no test of those drills is about.
inline constexpr char kOpensSoon[] =
    "a test drill opens seconds after it is written; scheduling may end after that";

/// Writes DIR/ID.toml: a drill whose fault creates `marker`; it opens `open_in` from now and
/// auto-restores after `active`. `extra` is appended (more keys of the top level must come
/// first: use `head`); `target` replaces the local target with a [targets.remote] table.
std::filesystem::path WriteDrill(const std::filesystem::path& dir, const std::string& id,
                                 const std::filesystem::path& marker, Duration open_in,
                                 Duration active, const std::string& head = "",
                                 const std::string& extra = "", const std::string& target = "");

/// `firedrill serve` on `state`, with the alert token and `extra` arguments; the constructor
/// waits until it serves (REQUIRE).
struct Serve {
  Serve(const std::filesystem::path& dir, const std::filesystem::path& state,
        const std::vector<std::string>& extra = {});
  /// Writes the alert token file in `dir`; returns its path.
  static std::filesystem::path Token(const std::filesystem::path& dir);
  /// Sends a request to the daemon (with `token` instead of the local one when given); REQUIREs
  /// an answer.
  ControlResponse Send(const std::string& method, const std::string& path,
                       const std::string& body = "", const std::string& token = "");
  std::filesystem::path token_file;
  Firedrill fd;
  ControlEndpoint endpoint;
};

/// Runs a firedrill command to completion; returns its exit status, its output in `out`.
int Cli(const std::filesystem::path& dir, std::vector<std::string> args,
        std::string* out = nullptr);

/// The API token `firedrill token create` printed in `out` (REQUIREs one).
std::string TokenIn(const std::string& out);

/// An Alertmanager v4 webhook body as Alertmanager sends it: one group of one alert with
/// `labels`, `fingerprint` and the summary `summary`, started at `starts`; firing, or resolved
/// (ended now).
std::string AlertmanagerWebhook(const std::string& status, const std::string& fingerprint,
                                const boost::json::object& labels, const std::string& summary,
                                SysTime starts);

/// The schedule state of drill `id` in `state` ("scheduled", "running", "done", ...), "" when
/// the database or the drill is not there.
std::string StateOf(const std::filesystem::path& state, const std::string& id);

/// One request a Receiver got.
struct ReceivedRequest {
  std::string method;
  std::string target;
  std::string authorization;
  std::string content_type;
  std::string body;
};

/// A chat or webhook receiver on 127.0.0.1: answers every request with `status` and keeps the
/// requests, in order of arrival.
class Receiver {
 public:
  explicit Receiver(unsigned status);
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  /// The URL to give firedrill (http://127.0.0.1:PORT/hook).
  std::string url() const;
  /// http://127.0.0.1:PORT, for a client that appends its own path.
  std::string origin() const;
  /// The bodies received so far.
  std::vector<std::string> bodies();
  /// The requests received so far.
  std::vector<ReceivedRequest> requests();

 private:
  void Serve();

  unsigned status_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_{io_};
  unsigned short port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

}  // namespace firedrill::testing
