#include "orchestrator/demo/demo_service.h"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <iostream>

namespace firedrill {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

void WriteAtomically(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  std::ofstream(tmp) << text << "\n";
  std::filesystem::rename(tmp, path);
}

// One request per connection, answered synchronously: the demo service is deliberately simple.
void Serve(asio::ip::tcp::socket socket) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::read(socket, buffer, req, ec);
  if (ec) return;
  http::response<http::string_body> res;
  res.version(req.version());
  res.set(http::field::server, "firedrill-demo-service");
  res.set(http::field::content_type, "text/plain");
  if (req.method() == http::verb::get && req.target() == "/health") {
    res.result(http::status::ok);
    res.body() = "ok\n";
  } else {
    res.result(http::status::not_found);
    res.body() = "not found\n";
  }
  res.keep_alive(false);
  res.prepare_payload();
  http::write(socket, res, ec);
  socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
}

}  // namespace

int ServeDemoService(int port, const std::filesystem::path& port_file,
                     const std::filesystem::path& pid_file) {
  try {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(
        io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
    WriteAtomically(pid_file, std::to_string(::getpid()));
    WriteAtomically(port_file, std::to_string(acceptor.local_endpoint().port()));
    for (;;) {
      asio::ip::tcp::socket socket(io);
      acceptor.accept(socket);
      // A stalled client must not freeze the health endpoint for everyone else.
      timeval tv{2, 0};
      ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(std::move(socket));
    }
  } catch (const std::exception& e) {
    std::cerr << fmt::format("demo service: {}\n", e.what());
    return 1;
  }
}

}  // namespace firedrill
