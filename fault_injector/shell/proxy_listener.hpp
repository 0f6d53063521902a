#pragma once
// One enabled proxy: its listening socket, the toxics its new connections start with, and
// its live connections.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "fault_injector/control/proxy_runtime.hpp"
#include "fault_injector/shell/proxied_connection.hpp"

namespace resync::fault_injector {

class ProxyListener : public std::enable_shared_from_this<ProxyListener> {
 public:
  static constexpr std::size_t kConnectionsMax = 16384;

  // Binds and listens; the error is Toxiproxy's ("listen tcp 127.0.0.1:8080: bind: address
  // already in use", 500) or 400 for an address that cannot be parsed.
  static Result<std::shared_ptr<ProxyListener>> open(ShellContext& context, const ProxyDefinition& definition,
                                                     std::vector<ToxicSpec> toxics, std::uint64_t& accepted_counter);

  const std::string& bound_address() const { return bound_address_; }
  void start_accepting();
  void stop();  // closes the listener and drops every live connection

  void toxic_added(const ToxicSpec& toxic);
  void toxic_updated(const ToxicSpec& toxic);
  void toxic_removed(const std::string& toxic_name);
  std::vector<ConnectionInfo> connections() const;

  ProxyListener(ShellContext& context, ProxyDefinition definition, std::vector<ToxicSpec> toxics,
                std::uint64_t& accepted_counter, boost::asio::ip::tcp::acceptor acceptor, std::string bound_address);

 private:
  void on_accept(const boost::system::error_code& error, boost::asio::ip::tcp::socket socket);
  void on_resolved(const boost::system::error_code& error, const boost::asio::ip::tcp::resolver::results_type& results,
                   const std::shared_ptr<ProxiedConnection>& connection);

  ShellContext& context_;
  ProxyDefinition definition_;
  std::vector<ToxicSpec> toxics_;
  std::uint64_t& accepted_counter_;  // owned by the runtime: ids keep counting across restarts
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::resolver resolver_;
  std::string bound_address_;
  std::map<std::uint64_t, std::shared_ptr<ProxiedConnection>> connections_;
  bool stopped_ = false;
};

// "host:port" to an endpoint; "localhost" is 127.0.0.1 and an empty host means every
// interface (Go's meaning). Only literal addresses: listening never needs DNS.
Result<boost::asio::ip::tcp::endpoint> parse_listen_address(const std::string& address);
// Splits "host:port" (host may be "[v6]").
bool split_host_port(const std::string& address, std::string& host, std::string& port);

}  // namespace resync::fault_injector
