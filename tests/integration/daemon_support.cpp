#include "tests/integration/daemon_support.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <fstream>
#include <regex>

#include "drills/zoned_time.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/schedule_table.h"

namespace firedrill::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A drill whose fault creates `marker`; it opens `open_in` from now and auto-restores after
// `active`. `extra` is appended (more keys of the top level must come first: use `head`).
fs::path WriteDrill(const fs::path& dir, const std::string& id, const fs::path& marker,
                    Duration open_in, Duration active, const std::string& head,
                    const std::string& extra, const std::string& target) {
  fs::path file = dir / (id + ".toml");
  SysTime start = NowUtc() + open_in;
  SysTime end = start + active + std::chrono::seconds(1);
  std::ofstream out(file);
  out << "id = \"" << id << "\"\ntitle = \"daemon test\"\nservice = \"svc-" << id
      << "\"\nowner = \"Lead <lead@example.com>\"\nplaybook = \"runbook.md\"\n"
      << head << "[window]\nstart = " << FormatUtc(start) << "\nend = " << FormatUtc(end)
      << "\nzone = \"Europe/Copenhagen\"\ngrace = \"20s\"\n"
      << "[announce]\nlead = \"0s\"\nattendees = [\"team@example.com\"]\n";
  if (target.empty()) out << "[targets.here]\nlocal = true\n";
  out << target << "[[faults]]\nid = \"marker\"\nkind = \"command\"\ntarget = \""
      << (target.empty() ? "here" : "remote") << "\"\n"
      << "inject = \"touch '" << marker.string() << "'\"\n"
      << "check = \"test -f '" << marker.string() << "'\"\n"
      << "restore = \"rm -f '" << marker.string() << "'\"\nrestore_timeout = \"1s\"\n"
      << extra;
  return file;
}

Serve::Serve(const fs::path& dir, const fs::path& state, const std::vector<std::string>& extra)
    : token_file(Token(dir)), fd(dir, [&] {
        std::vector<std::string> args{"serve", "--state", state.string(), "--alert-token-file",
                                      token_file.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
      }()) {
  bool up = Eventually([&] { return FindControlEndpoint(state).ok(); }, 10s);
  INFO(fd.Output());
  REQUIRE(up);
  endpoint = *FindControlEndpoint(state);
}

fs::path Serve::Token(const fs::path& dir) {
  fs::path f = dir / "alert-token";
  std::ofstream(f) << kAlertToken << "\n";
  return f;
}

ControlResponse Serve::Send(const std::string& method, const std::string& path,
                            const std::string& body, const std::string& token) {
  ControlEndpoint e = endpoint;
  if (!token.empty()) e.token = token;
  auto r = SendControl(e, method, path, body, 10s);
  REQUIRE(r.ok());
  return *r;
}

// Runs a firedrill command to completion; returns its exit status, output in `out`.
int Cli(const fs::path& dir, std::vector<std::string> args, std::string* out) {
  Firedrill fd(dir, std::move(args));
  int status = fd.Wait();
  if (out != nullptr) *out = fd.Output();
  return status;
}

// The API token `firedrill token create` printed.
std::string TokenIn(const std::string& out) {
  std::smatch m;
  REQUIRE(std::regex_search(out, m, std::regex("fdt_[0-9a-f]{8}_[0-9a-f]{64}")));
  return m.str();
}

std::string AlertmanagerWebhook(const std::string& status, const std::string& fingerprint,
                                const boost::json::object& labels, const std::string& summary,
                                SysTime starts) {
  namespace json = boost::json;
  json::object alert{
      {"status", status},
      {"labels", labels},
      {"annotations", json::object{{"summary", summary}}},
      {"startsAt", FormatUtc(starts)},
      {"endsAt", status == "resolved" ? FormatUtc(NowUtc()) : "0001-01-01T00:00:00Z"},
      {"generatorURL", ""},
      {"fingerprint", fingerprint}};
  return json::serialize(json::object{{"version", "4"},
                                      {"groupKey", "{}"},
                                      {"status", status},
                                      {"receiver", "firedrill"},
                                      {"alerts", json::array{alert}}});
}

std::string StateOf(const fs::path& state, const std::string& id) {
  auto db = Database::Open(state, OpenMode::kReadOnly);
  if (!db) return "";
  auto r = ScheduleTable(*db).Get(id);
  if (!r || !*r) return "";
  return std::string(ScheduleStateName((*r)->state));
}

Receiver::Receiver(unsigned status) : status_(status) {
  acceptor_.open(boost::asio::ip::tcp::v4());
  acceptor_.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  thread_ = std::thread([this] { Serve(); });
}

Receiver::~Receiver() {
  stop_ = true;
  boost::system::error_code ec;
  // Wake the blocking accept with a connection of our own.
  boost::asio::ip::tcp::socket s(io_);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
  thread_.join();
}

std::string Receiver::url() const { return origin() + "/hook"; }

std::string Receiver::origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> Receiver::bodies() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> bodies;
  for (const ReceivedRequest& r : requests_) bodies.push_back(r.body);
  return bodies;
}

std::vector<ReceivedRequest> Receiver::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void Receiver::Serve() {
  namespace http = boost::beast::http;
  while (!stop_) {
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket socket(io_);
    acceptor_.accept(socket, ec);
    if (ec || stop_) return;
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> req;
    http::read(socket, buffer, req, ec);
    if (ec) continue;
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back({std::string(req.method_string()), std::string(req.target()),
                           std::string(req[http::field::authorization]),
                           std::string(req[http::field::content_type]), req.body()});
    }
    http::response<http::string_body> res{static_cast<http::status>(status_), req.version()};
    res.keep_alive(false);
    res.prepare_payload();
    http::write(socket, res, ec);
  }
}

}  // namespace firedrill::testing
