#include "fault_injector/shell/http_api_server.hpp"

#include <chrono>
#include <iostream>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fault_injector/control/http_api_handler.hpp"
#include "fault_injector/shell/proxy_listener.hpp"

namespace resync::fault_injector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

constexpr auto kIdleTimeout = std::chrono::seconds(60);

class HttpApiSession : public std::enable_shared_from_this<HttpApiSession> {
 public:
  HttpApiSession(tcp::socket socket, ControlPlane& control_plane, std::weak_ptr<HttpApiServer> server)
      : stream_(std::move(socket)), control_plane_(control_plane), server_(std::move(server)) {}

  ~HttpApiSession() {
    if (auto server = server_.lock()) --server->live_sessions();
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(HttpApiServer::kRequestBodyBytesMax);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpApiSession::on_read, shared_from_this()));
  }

 private:
  void on_read(beast::error_code error, std::size_t) {
    if (error == http::error::end_of_stream) return close();
    if (error == http::error::body_limit) return reply_error(413, "request body too large");
    if (error) return close();
    const auto& request = parser_->get();
    const HttpApiResponse answer = handle_http_api_request(
        control_plane_, {std::string_view(request.method_string().data(), request.method_string().size()),
                         std::string_view(request.target().data(), request.target().size()),
                         request.body(),
                         std::string_view(request[http::field::user_agent].data(), request[http::field::user_agent].size())});
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(answer.status),
                                                                       request.version());
    response->set(http::field::server, "resync-proxy");
    if (answer.status != 204) response->set(http::field::content_type, answer.content_type);
    response->keep_alive(request.keep_alive());
    response->body() = answer.body;
    response->prepare_payload();
    write(response);
  }

  void reply_error(int status, const std::string& message) {
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    response->set(http::field::content_type, "application/json");
    response->body() = nlohmann::json{{"error", message}, {"status", status}}.dump();
    response->keep_alive(false);
    response->prepare_payload();
    write(response);
  }

  void write(const std::shared_ptr<http::response<http::string_body>>& response) {
    http::async_write(stream_, *response,
                      [self = shared_from_this(), response](beast::error_code error, std::size_t) {
                        if (error || !response->keep_alive()) return self->close();
                        self->do_read();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  ControlPlane& control_plane_;
  std::weak_ptr<HttpApiServer> server_;
};

}  // namespace

Result<std::shared_ptr<HttpApiServer>> HttpApiServer::open(asio::io_context& io, ControlPlane& control_plane,
                                                           const std::string& address, bool allow_non_loopback) {
  Result<tcp::endpoint> endpoint = parse_listen_address(address);
  if (!endpoint.ok()) return endpoint.error();
  if (!endpoint->address().is_loopback() && !allow_non_loopback) {
    return ApiError{400, "the API listens on loopback only; pass --api-allow-remote to listen on " + address};
  }
  tcp::acceptor acceptor(io);
  boost::system::error_code error;
  acceptor.open(endpoint->protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint.value(), error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return ApiError{500, "listen tcp " + address + ": " + error.message()};
  if (!endpoint->address().is_loopback()) {
    std::cerr << "resync proxy: warning: the API listens on " << address
              << ", which is not a loopback address: anyone who can reach it can create proxies and toxics "
                 "(--api-allow-remote)\n";
  }
  return std::make_shared<HttpApiServer>(io, control_plane, std::move(acceptor));
}

HttpApiServer::HttpApiServer(asio::io_context& io, ControlPlane& control_plane, tcp::acceptor acceptor)
    : io_(io), control_plane_(control_plane), acceptor_(std::move(acceptor)) {
  boost::system::error_code ignored;
  const tcp::endpoint bound = acceptor_.local_endpoint(ignored);
  bound_address_ = bound.address().to_string() + ":" + std::to_string(bound.port());
}

void HttpApiServer::start_accepting() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    if (!error && self->live_sessions_ < kSessionsMax) {
      ++self->live_sessions_;
      std::make_shared<HttpApiSession>(std::move(socket), self->control_plane_, self)->do_read();
    }
    self->start_accepting();
  });
}

void HttpApiServer::stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace resync::fault_injector
