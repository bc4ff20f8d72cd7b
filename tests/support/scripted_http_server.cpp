#include "tests/support/scripted_http_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <mutex>
#include <thread>

namespace firedrill::testing {

namespace http = boost::beast::http;
using boost::asio::ip::tcp;

struct ScriptedHttpServer::State {
  boost::asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::atomic<bool> stop{false};
  mutable std::mutex mu;
  std::deque<int> forced;
  std::vector<std::string> log;
  std::thread thread;

  void Serve() {
    while (!stop) {
      tcp::socket socket(io);
      boost::system::error_code ec;
      acceptor.accept(socket, ec);
      if (ec || stop) return;
      boost::beast::flat_buffer buffer;
      Request req;
      http::read(socket, buffer, req, ec);
      if (ec) continue;
      Reply reply;
      bool forced_reply = false;
      {
        std::lock_guard lock(mu);
        log.push_back(std::string(req.method_string()) + " " + std::string(req.target()));
        if (!forced.empty()) {
          reply = Reply{forced.front(), R"({"message":"forced by the test"})"};
          forced.pop_front();
          forced_reply = true;
        }
      }
      if (!forced_reply) reply = handler(req);
      http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
      res.set(http::field::content_type, "application/json");
      if (forced_reply && reply.status == 429) res.set(http::field::retry_after, "1");
      res.body() = reply.body;
      res.keep_alive(false);
      res.prepare_payload();
      http::write(socket, res, ec);
    }
  }
};

ScriptedHttpServer::ScriptedHttpServer(Handler handler) : state_(std::make_shared<State>()) {
  state_->handler = std::move(handler);
  state_->acceptor.open(tcp::v4());
  state_->acceptor.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
  state_->acceptor.listen();
  state_->thread = std::thread([s = state_] { s->Serve(); });
}

ScriptedHttpServer::~ScriptedHttpServer() {
  state_->stop = true;
  boost::system::error_code ec;
  tcp::socket wake(state_->io);
  wake.connect(state_->acceptor.local_endpoint(), ec);
  state_->thread.join();
}

std::string ScriptedHttpServer::origin() const {
  return "http://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port());
}

void ScriptedHttpServer::FailNext(std::vector<int> statuses) {
  std::lock_guard lock(state_->mu);
  for (int s : statuses) state_->forced.push_back(s);
}

std::vector<std::string> ScriptedHttpServer::log() const {
  std::lock_guard lock(state_->mu);
  return state_->log;
}

std::string DecodeQuery(const std::string& value) {
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size()) {
      out += static_cast<char>(std::stoi(value.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += value[i] == '+' ? ' ' : value[i];
    }
  }
  return out;
}

}  // namespace firedrill::testing
