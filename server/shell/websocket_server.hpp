#pragma once
// The thin network shell around ChatServerCore: one single-threaded io_context, a listener,
// HTTP sessions that serve the chat page and the client bundle and route /socket.io/, and
// Engine.IO over HTTP long-polling (held GETs, POSTs) and over WebSocket, with the upgrade
// from the first to the second.
//
// Used by `resync serve` and, in-process, by tests and the harness:
//   WebSocketServer server(options, store, reader);   // binds now; port() is known
//   std::thread thread([&] { server.run(); });
//   ... connect to server.url() ...
//   server.stop(); thread.join();
//
// No Beast or Asio types in this header, so the core, tests and harness can include it cheaply.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "server/core/chat_server_core.hpp"
#include "server/core/log_replica.hpp"
#include "server/core/message_store.hpp"
#include "server/host/admission_policy.hpp"
#include "server/shell/shared_log_connection.hpp"

namespace resync::server {

// Limits that protect the server from one connection; each has a reason.
struct ShellLimits {
  // Request line + headers; browsers send a few KiB, more is an attack or a bug.
  std::size_t http_header_bytes_max = 16 * 1024;
  // A client that does not finish a request in this time is dropped (slowloris).
  std::int64_t http_request_timeout_ms = 30000;
  // Frames queued for one WebSocket client. Catch-up waits for drains, so only live
  // broadcasts grow a queue; a client that falls this far behind is a slow consumer and is
  // disconnected rather than letting it hold the server's memory.
  std::size_t write_queue_bytes_max = 64 * 1024 * 1024;
  // A WebSocket close handshake the peer does not answer ends in a hard close after this.
  std::int64_t websocket_close_timeout_ms = 5000;
  // On stop(), sessions get this long to finish their close handshakes.
  std::int64_t shutdown_grace_ms = 3000;
};

struct WebSocketServerOptions {
  std::string host = "127.0.0.1";  // an IP address or a host name to resolve
  // A host that resolves to a non-loopback address makes the server reachable from other
  // machines: the constructor refuses it unless this is set, and then logs a warning.
  bool allow_remote = false;
  std::uint16_t port = 0;          // 0 picks a free port; read it back with port()
  ServerConfig core;               // delivery mode, heartbeats, maxPayload, id source
  // The socket.io browser bundle for /socket.io/socket.io.js; when absent the usual places
  // are searched (static_pages.hpp) and a missing bundle answers 404 with install help.
  std::optional<std::filesystem::path> client_bundle_file;
  // SIGINT and SIGTERM stop run() gracefully. Only for the `resync serve` process: an
  // embedded server must not take the host process's signals.
  bool stop_on_signals = false;
  ShellLimits limits;
  // The connection and session cap, the per-address rate and the allowed origins.
  host::AdmissionSettings admission;
  // A cluster node: the shared log on Redis it appends to and reads (the constructor that
  // takes a LogReplica); core.shared_log must be set with it.
  std::optional<shell::SharedLogSettings> shared_log;
};

class WebSocketServer {
 public:
  // Resolves and binds `host:port` and reads the client bundle. Throws std::runtime_error
  // with the address and the reason when it cannot (address in use, unknown host, a
  // non-loopback address without allow_remote, ...).
  // Commit groups are written to `store` on the server's commit thread; catch-up reads go to
  // `reader` on the event loop's thread, so the two must be separate connections to one
  // database (WAL lets the reader see each commit at once). Both must outlive the server.
  // Destroy the server only after run() has returned.
  WebSocketServer(WebSocketServerOptions options, MessageStore& store, MessageReader& reader);
  // A cluster node: commit groups go to the shared log (options.shared_log), and what the node
  // reads from the log goes into `replica`, which its catch-up reads. `replica` must outlive
  // the server.
  WebSocketServer(WebSocketServerOptions options, LogReplica& replica);
  ~WebSocketServer();
  WebSocketServer(const WebSocketServer&) = delete;
  WebSocketServer& operator=(const WebSocketServer&) = delete;

  std::uint16_t port() const;  // the bound port (the free one picked for port 0)
  std::string url() const;     // "http://HOST:PORT" with HOST as given (IPv6 in brackets)

  // Serves on the calling thread until stop() or a signal; commits pending writes before it
  // returns. Call it once.
  void run();
  // Thread-safe: stops accepting, commits pending writes, closes every session, and makes
  // run() return. Safe to call before run() and more than once.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace resync::server
