#include "sim/runner/node_status_reader.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace resync::sim {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// The status is two fields: a longer answer is not the endpoint the harness expects.
constexpr std::uint64_t status_body_bytes_max = 4096;

}  // namespace

std::variant<NodeStatus, NodeStatusError> read_node_status(const std::string& host, std::uint16_t port,
                                                           std::chrono::milliseconds deadline_max) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, "/resync/status", 11};
  request.set(http::field::host, host);
  request.keep_alive(false);
  http::response_parser<http::string_body> parser;
  parser.body_limit(status_body_bytes_max);
  beast::error_code failure;
  const std::string where = "GET http://" + host + ":" + std::to_string(port) + "/resync/status: ";

  stream.expires_after(deadline_max);
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(host, failure), port);
  if (failure) return NodeStatusError{where + "bad address: " + failure.message()};
  stream.async_connect(endpoint, [&](beast::error_code error) {
    if (error) {
      failure = error;
      return;
    }
    http::async_write(stream, request, [&](beast::error_code write_error, std::size_t) {
      if (write_error) {
        failure = write_error;
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code read_error, std::size_t) { failure = read_error; });
    });
  });
  io.run();
  if (failure) return NodeStatusError{where + failure.message()};
  const auto& response = parser.get();
  if (response.result() != http::status::ok) {
    return NodeStatusError{where + "answered " + std::to_string(response.result_int()) + " (not a resync serve node?)"};
  }
  const nlohmann::json body = nlohmann::json::parse(response.body(), nullptr, false);
  if (!body.is_object() || !body.contains("pending_commit") || !body.at("pending_commit").is_boolean()) {
    return NodeStatusError{where + "the answer has no boolean pending_commit: " + response.body().substr(0, 200)};
  }
  return NodeStatus{body.at("pending_commit").get<bool>()};
}

}  // namespace resync::sim
