#pragma once
// The Beast shell around handle_http_api_request: accepts HTTP/1.1 connections, reads one
// bounded request at a time, answers, keeps the connection alive. Nothing else.
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "fault_injector/control/control_plane.hpp"
#include "fault_injector/core/result.hpp"

namespace resync::fault_injector {

class HttpApiServer : public std::enable_shared_from_this<HttpApiServer> {
 public:
  static constexpr std::size_t kRequestBodyBytesMax = 1024 * 1024;
  static constexpr std::size_t kSessionsMax = 256;

  // Binds `address` ("127.0.0.1:8474"); a non-loopback address is refused unless allowed.
  static Result<std::shared_ptr<HttpApiServer>> open(boost::asio::io_context& io, ControlPlane& control_plane,
                                                     const std::string& address, bool allow_non_loopback);

  HttpApiServer(boost::asio::io_context& io, ControlPlane& control_plane, boost::asio::ip::tcp::acceptor acceptor);
  const std::string& bound_address() const { return bound_address_; }
  void start_accepting();
  void stop();

  std::size_t& live_sessions() { return live_sessions_; }

 private:
  boost::asio::io_context& io_;
  ControlPlane& control_plane_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::string bound_address_;
  std::size_t live_sessions_ = 0;
};

}  // namespace resync::fault_injector
