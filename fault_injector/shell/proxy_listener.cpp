#include "fault_injector/shell/proxy_listener.hpp"

#include <charconv>
#include <iostream>

namespace resync::fault_injector {

namespace asio = boost::asio;
using asio::ip::tcp;

bool split_host_port(const std::string& address, std::string& host, std::string& port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return !port.empty();
}

Result<tcp::endpoint> parse_listen_address(const std::string& address) {
  std::string host;
  std::string port_text;
  const ApiError invalid{400, "listen address must be host:port, got \"" + address + "\""};
  if (!split_host_port(address, host, port_text)) return invalid;
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) return invalid;
  // Toxiproxy binds an empty host to every interface; Resync keeps to loopback unless told.
  if (host.empty()) host = "127.0.0.1";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code parse_error;
  const asio::ip::address ip = asio::ip::make_address(host, parse_error);
  if (parse_error) return invalid;
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

Result<std::shared_ptr<ProxyListener>> ProxyListener::open(ShellContext& context, const ProxyDefinition& definition,
                                                           std::vector<ToxicSpec> toxics,
                                                           std::uint64_t& accepted_counter) {
  Result<tcp::endpoint> endpoint = parse_listen_address(definition.listen);
  if (!endpoint.ok()) return endpoint.error();
  const bool remote = !endpoint->address().is_loopback();
  if (remote && !context.listen_allow_remote) {
    return ApiError{403, "listen address " + definition.listen +
                             " is not a loopback address: resync proxy listens on loopback only (127.0.0.1, ::1, "
                             "localhost) unless it was started with --listen-allow-remote"};
  }
  std::string upstream_host;
  std::string upstream_port;
  if (!split_host_port(definition.upstream, upstream_host, upstream_port)) {
    return ApiError{400, "upstream must be host:port, got \"" + definition.upstream + "\""};
  }
  tcp::acceptor acceptor(context.io);
  boost::system::error_code error;
  acceptor.open(endpoint->protocol(), error);
  if (!error) acceptor.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor.bind(endpoint.value(), error);
  if (!error) acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    std::string reason = error.message();
    for (char& c : reason) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ApiError{500, "listen tcp " + definition.listen + ": bind: " + reason};
  }
  const tcp::endpoint bound = acceptor.local_endpoint(error);
  const std::string bound_address =
      (bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string()) + ":" +
      std::to_string(bound.port());
  if (remote) {
    std::cerr << "resync proxy: warning: proxy " << definition.name << " listens on " << bound_address
              << ", which is not a loopback address: other machines can reach it (--listen-allow-remote)\n";
  }
  return std::make_shared<ProxyListener>(context, definition, std::move(toxics), accepted_counter, std::move(acceptor),
                                         bound_address);
}

ProxyListener::ProxyListener(ShellContext& context, ProxyDefinition definition, std::vector<ToxicSpec> toxics,
                             std::uint64_t& accepted_counter, tcp::acceptor acceptor, std::string bound_address)
    : context_(context),
      definition_(std::move(definition)),
      toxics_(std::move(toxics)),
      accepted_counter_(accepted_counter),
      acceptor_(std::move(acceptor)),
      resolver_(context.io),
      bound_address_(std::move(bound_address)) {}

void ProxyListener::start_accepting() {
  acceptor_.async_accept([self = shared_from_this()](const boost::system::error_code& error, tcp::socket socket) {
    self->on_accept(error, std::move(socket));
  });
}

void ProxyListener::on_accept(const boost::system::error_code& error, tcp::socket socket) {
  if (stopped_) return;
  if (error) {
    if (error == asio::error::operation_aborted) return;
    start_accepting();  // e.g. EMFILE: this client is lost, later ones may succeed
    return;
  }
  if (connections_.size() >= kConnectionsMax) {
    boost::system::error_code ignored;
    socket.close(ignored);
    start_accepting();
    return;
  }
  const std::uint64_t connection_id = ++accepted_counter_;
  ConnectionPipeline pipeline(context_.seed, definition_.name, connection_id);
  pipeline.set_trigger_listener([&context = context_](const TriggerFiring& firing) {
    if (context.on_trigger_fired) context.on_trigger_fired(firing);
  });
  const Instant now = context_.clock.now();
  for (const ToxicSpec& toxic : toxics_) pipeline.attach(toxic, now);
  auto connection = std::make_shared<ProxiedConnection>(
      context_, std::move(socket), std::move(pipeline),
      [weak = weak_from_this()](std::uint64_t id) {
        if (auto self = weak.lock()) self->connections_.erase(id);
      });
  connections_[connection_id] = connection;

  std::string host;
  std::string port;
  split_host_port(definition_.upstream, host, port);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code literal_error;
  const asio::ip::address literal = asio::ip::make_address(host, literal_error);
  if (!literal_error) {
    // A literal address needs no resolver (whose async form would hop through a thread).
    const tcp::endpoint endpoint(literal, static_cast<unsigned short>(std::stoul(port)));
    connection->start(tcp::resolver::results_type::create(endpoint, host, port));
  } else {
    resolver_.async_resolve(host, port,
                            [self = shared_from_this(), connection](const boost::system::error_code& resolve_error,
                                                                    const tcp::resolver::results_type& results) {
                              self->on_resolved(resolve_error, results, connection);
                            });
  }
  start_accepting();
}

void ProxyListener::on_resolved(const boost::system::error_code& error, const tcp::resolver::results_type& results,
                                const std::shared_ptr<ProxiedConnection>& connection) {
  if (error || stopped_) {
    connection->drop();
    return;
  }
  connection->start(results);
}

void ProxyListener::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  resolver_.cancel();
  auto connections = std::move(connections_);
  connections_.clear();
  for (auto& [id, connection] : connections) connection->drop();
}

void ProxyListener::toxic_added(const ToxicSpec& toxic) {
  toxics_.push_back(toxic);
  for (auto& [id, connection] : connections_) connection->attach(toxic);
}

void ProxyListener::toxic_updated(const ToxicSpec& toxic) {
  for (ToxicSpec& existing : toxics_) {
    if (existing.name == toxic.name) existing = toxic;
  }
  for (auto& [id, connection] : connections_) connection->update(toxic);
}

void ProxyListener::toxic_removed(const std::string& toxic_name) {
  std::erase_if(toxics_, [&](const ToxicSpec& toxic) { return toxic.name == toxic_name; });
  // Copy: detaching can finish a connection, which edits connections_ (deferred, but be safe).
  auto connections = connections_;
  for (auto& [id, connection] : connections) connection->detach(toxic_name);
}

std::vector<ConnectionInfo> ProxyListener::connections() const {
  std::vector<ConnectionInfo> result;
  for (const auto& [id, connection] : connections_) result.push_back(connection->info());
  return result;
}

}  // namespace resync::fault_injector
