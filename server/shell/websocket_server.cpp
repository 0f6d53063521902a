#include "server/shell/websocket_server.hpp"

#include <csignal>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/host/server_host.hpp"
#include "server/shell/admission.hpp"
#include "server/shell/asio_scheduler.hpp"
#include "server/shell/http_session.hpp"
#include "server/shell/shell_context.hpp"
#include "server/shell/shell_log.hpp"
#include "server/shell/static_pages.hpp"
#include "server/shell/threaded_group_committer.hpp"

namespace resync::server {

namespace asio = boost::asio;
using asio::ip::tcp;
using shell::log_line;
using shell::LogLevel;

namespace {

// When accept fails for a reason that does not go away at once (no file descriptors left),
// retrying immediately would spin; the listener pauses this long instead.
constexpr std::int64_t accept_retry_delay_ms = 100;

tcp::endpoint resolve_listen_endpoint(asio::io_context& io_context, const std::string& host, std::uint16_t port) {
  boost::system::error_code error;
  asio::ip::address address = asio::ip::make_address(host, error);
  if (!error) return tcp::endpoint(address, port);
  tcp::resolver resolver(io_context);
  tcp::resolver::results_type results =
      resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service, error);
  if (error || results.empty()) {
    throw std::runtime_error("cannot listen on host '" + host + "': it is neither an IP address nor a name that resolves (" +
                             (error ? error.message() : std::string("no addresses")) +
                             "); use an address such as 127.0.0.1");
  }
  return results.begin()->endpoint();
}

host::HostOptions host_options(const ShellLimits& limits, host::LostSocketDirectory* lost_sockets) {
  host::HostOptions options;
  options.write_queue_bytes_max = limits.write_queue_bytes_max;
  options.lost_sockets = lost_sockets;
  return options;
}

}  // namespace

struct WebSocketServer::Impl {
  // A single server: commits on a thread of its own into `store`, catch-up from `reader`.
  Impl(WebSocketServerOptions options_in, MessageStore& store, MessageReader& reader)
      : Impl(std::move(options_in), reader, &store, nullptr) {}

  // A cluster node: commits to the shared log, catch-up from its copy of the log.
  Impl(WebSocketServerOptions options_in, LogReplica& replica_in)
      : Impl(std::move(options_in), replica_in, nullptr, &replica_in) {}

  // Exactly one of `store` (a single server) and `replica_in` (a cluster node) is given.
  Impl(WebSocketServerOptions options_in, MessageReader& reader, MessageStore* store, LogReplica* replica_in)
      : options(std::move(options_in)),
        client_bundle(shell::load_client_bundle(options.client_bundle_file)),
        scheduler(io_context),
        replica(replica_in),
        shared_log(replica_in ? std::make_unique<shell::SharedLogConnection>(
                                    cluster_settings(options), post_to_loop(), shared_log_listener())
                              : nullptr),
        lost_sockets(shared_log ? std::make_unique<shell::SharedLogLostSocketDirectory>(*shared_log) : nullptr),
        host(scheduler, log_sink, options.core, reader,
             shared_log ? std::unique_ptr<host::GroupCommitter>(std::make_unique<shell::SharedLogGroupCommitter>(*shared_log))
                        : std::make_unique<shell::ThreadedGroupCommitter>(*store, post_to_loop()),
             host_options(options.limits, lost_sockets.get())),
        admission(options.admission),
        context{host, options.limits, client_bundle, admission},
        acceptor(io_context),
        accept_retry_timer(io_context),
        shutdown_grace_timer(io_context) {
    bind_and_listen();
    // Registered now, not in run(): a signal that arrives between the "listening" line and
    // run() is queued by the signal_set instead of killing the process.
    if (options.stop_on_signals) signals.emplace(io_context, SIGINT, SIGTERM);
  }

  static const shell::SharedLogSettings& cluster_settings(const WebSocketServerOptions& options) {
    if (!options.shared_log || !options.core.shared_log) {
      throw std::logic_error("a cluster node's WebSocketServer needs options.shared_log and core.shared_log");
    }
    return *options.shared_log;
  }

  std::function<void(std::function<void()>)> post_to_loop() {
    return [this](std::function<void()> work) { asio::post(io_context, std::move(work)); };
  }

  // What the node reads from the shared log goes into its copy first, so a catch-up that the
  // core starts on hearing of an entry finds the entry there.
  shell::SharedLogListener shared_log_listener() {
    shell::SharedLogListener listener;
    listener.on_entries = [this](std::vector<StoredMessage> entries) {
      if (replica_failed) return;
      try {
        replica->append(entries);
      } catch (const StorageError& error) {
        // Without the entries in its copy this node would skip them in every catch-up; it
        // stops instead, and its clients reconnect (to another node) and catch up there.
        replica_failed = true;
        log_line(LogLevel::error, std::string("cannot keep this node's copy of the shared log: ") + error.what() +
                                      "; stopping the node");
        begin_shutdown("its copy of the shared log failed");
        return;
      }
      host.on_log_entries(entries);
    };
    listener.on_gap = [this](std::int64_t after_id, std::int64_t next_id) { host.on_log_gap(after_id, next_id); };
    // The client names the node and the shared log in every line.
    listener.on_log = [](host::LogLevel level, std::string text) { log_line(level, text); };
    return listener;
  }

  void bind_and_listen() {
    tcp::endpoint endpoint = resolve_listen_endpoint(io_context, options.host, options.port);
    std::string where = options.host + ":" + std::to_string(options.port);
    const std::string address = endpoint.address().to_string();
    if (!endpoint.address().is_loopback()) {
      if (!options.allow_remote) {
        throw std::runtime_error("refusing to listen on " + where + " (" + address +
                                 "): it is not a loopback address, so other machines could reach the server; use "
                                 "--host 127.0.0.1, or pass --allow-remote to listen there anyway");
      }
      log_line(LogLevel::warning, "listening on " + where + " (" + address +
                                      "), which is not a loopback address: other machines can reach this server "
                                      "(--allow-remote); it has no authentication, see README \"Security\"");
    }
    boost::system::error_code error;
    auto check = [&](const char* step) {
      if (!error) return;
      throw std::runtime_error("cannot listen on " + where + ": " + step + " failed: " + error.message() +
                               (error == asio::error::address_in_use
                                    ? " (another process uses this port; choose another --port, or --port 0 for a free one)"
                                    : ""));
    };
    acceptor.open(endpoint.protocol(), error);
    check("open");
    // Restarts must not wait for old connections in TIME_WAIT to expire.
    acceptor.set_option(asio::socket_base::reuse_address(true), error);
    check("setsockopt SO_REUSEADDR");
    acceptor.bind(endpoint, error);
    check("bind");
    acceptor.listen(asio::socket_base::max_listen_connections, error);
    check("listen");
    bound_port = acceptor.local_endpoint().port();
  }

  void do_accept() {
    acceptor.async_accept(
        [this](boost::system::error_code error, tcp::socket socket) { on_accept(error, std::move(socket)); });
  }

  void on_accept(boost::system::error_code error, tcp::socket socket) {
    if (shutting_down || !acceptor.is_open()) return;
    if (error) {
      log_line(LogLevel::warning, "accept: " + error.message() + "; retrying shortly");
      accept_retry_timer.expires_after(std::chrono::milliseconds(accept_retry_delay_ms));
      accept_retry_timer.async_wait([this](boost::system::error_code wait_error) {
        if (!wait_error && !shutting_down) do_accept();
      });
      return;
    }
    // As Node's socket.io server (ws sets it): acks and broadcasts are small frames, and
    // Nagle's algorithm would hold each one until the client's delayed ACK, up to 40 ms.
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (std::optional<host::AdmissionRefusal> refusal = admission.admit_connection(*open_connections, shell::admission_now_ms())) {
      if (!refusal->log_line.empty()) log_line(LogLevel::warning, refusal->log_line);
      shell::refuse_connection(std::move(socket), refusal->error, refused_connections_open);
    } else {
      std::make_shared<shell::HttpSession>(std::move(socket), shell::ConnectionSlot(open_connections), context)->run();
    }
    do_accept();
  }

  void begin_shutdown(std::string_view why) {
    if (shutting_down) return;
    shutting_down = true;
    log_line(LogLevel::info, std::string("stopping (") + std::string(why) + "): committing and closing " +
                                 std::to_string(host.open_session_count()) + " sessions");
    boost::system::error_code ignored;
    acceptor.close(ignored);
    accept_retry_timer.cancel();
    if (signals) signals->cancel(ignored);
    shutdown_grace_timer.expires_after(std::chrono::milliseconds(options.limits.shutdown_grace_ms));
    shutdown_grace_timer.async_wait([this](boost::system::error_code error) {
      if (error) return;
      log_line(LogLevel::warning, std::to_string(host.open_session_count()) +
                                      " sessions did not close in time; stopping anyway");
      io_context.stop();
    });
    // HTTP connections (idle keep-alives, half-read requests) carry nothing that must be
    // finished, so the loop stops as soon as every Engine.IO session has closed.
    host.begin_shutdown([this] { io_context.stop(); });
  }

  WebSocketServerOptions options;
  // The hint says one thread runs the loop; stop() from another thread is still safe (post).
  asio::io_context io_context{1};
  shell::ClientBundle client_bundle;
  shell::StderrLogSink log_sink;
  shell::AsioScheduler scheduler;
  // A cluster node's copy of the shared log and its connection to the log (before the host,
  // whose committer uses the connection, so the host goes first).
  LogReplica* replica = nullptr;
  bool replica_failed = false;
  std::unique_ptr<shell::SharedLogConnection> shared_log;
  std::unique_ptr<shell::SharedLogLostSocketDirectory> lost_sockets;
  host::ServerHost host;
  host::AdmissionPolicy admission;
  shell::ShellContext context;
  // Open TCP connections (HTTP and WebSocket sessions hold a slot each), and the connections
  // being told 503 beyond the cap; shared with the slots, which may outlive this object.
  std::shared_ptr<std::size_t> open_connections = std::make_shared<std::size_t>(0);
  std::shared_ptr<std::size_t> refused_connections_open = std::make_shared<std::size_t>(0);
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry_timer;
  asio::steady_timer shutdown_grace_timer;
  std::optional<asio::signal_set> signals;
  std::uint16_t bound_port = 0;
  bool shutting_down = false;
  bool has_run = false;
};

WebSocketServer::WebSocketServer(WebSocketServerOptions options, MessageStore& store, MessageReader& reader)
    : impl_(std::make_unique<Impl>(std::move(options), store, reader)) {}

WebSocketServer::WebSocketServer(WebSocketServerOptions options, LogReplica& replica)
    : impl_(std::make_unique<Impl>(std::move(options), replica)) {}

// Members go in reverse order: the host (cancelling its timers), the scheduler and the
// acceptor before the io_context, whose destruction then frees the sessions its pending
// handlers still own. Sessions never use the host from their destructors, so this order is safe.
WebSocketServer::~WebSocketServer() = default;

std::uint16_t WebSocketServer::port() const { return impl_->bound_port; }

std::string WebSocketServer::url() const {
  const std::string& host = impl_->options.host;
  bool is_ipv6_literal = host.find(':') != std::string::npos;
  return "http://" + (is_ipv6_literal ? "[" + host + "]" : host) + ":" + std::to_string(impl_->bound_port);
}

void WebSocketServer::run() {
  if (impl_->has_run) throw std::logic_error("WebSocketServer::run() may be called only once");
  impl_->has_run = true;
  Impl& impl = *impl_;
  log_line(LogLevel::info, "client bundle: " + impl.client_bundle.source_description);
  if (impl.signals) {
    impl.signals->async_wait([&impl](boost::system::error_code error, int signal_number) {
      if (error) return;
      impl.begin_shutdown(signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    });
  }
  impl.do_accept();
  impl.io_context.run();
  impl.host.commit_before_exit();
}

void WebSocketServer::stop() {
  Impl* impl = impl_.get();
  asio::post(impl->io_context, [impl] { impl->begin_shutdown("stop requested"); });
}

}  // namespace resync::server
