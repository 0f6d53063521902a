// `resync serve`: parses flags, opens the message store, and runs the network shell.
#include "app/serve_command.hpp"

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <exception>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "server/core/chat_server_core.hpp"
#include "server/core/log_replica.hpp"
#include "server/core/planted_bug.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/host/admission_policy.hpp"
#include "server/shell/open_file_limit.hpp"
#include "server/shell/os_random.hpp"
#include "server/shell/planted_fault_store.hpp"
#include "server/shell/redis_url.hpp"
#include "server/shell/websocket_server.hpp"

namespace resync::server {

namespace {

// The server's memory bound per slow client (ShellLimits::write_queue_bytes_max, 64 MiB)
// must hold several maximal messages, so maxPayload stays well below it.
constexpr std::int64_t payload_bytes_limit_max = 16 * 1024 * 1024;
// Heartbeat and connect timeouts above a day are typos, not settings.
constexpr std::int64_t timeout_ms_max = 24LL * 60 * 60 * 1000;
// A cap above a million connections, or a rate above a million a second, is a typo.
constexpr std::size_t connections_max_limit = 1000000;
constexpr std::size_t per_ip_connections_per_second_limit = 1000000;

// Prints the "listening" line, serves until a signal or a stop, and says how it ended.
int serve_until_stopped(WebSocketServer& server) {
  // Tests parse this exact line, so it is the only thing written to stdout.
  std::cout << "resync serve: listening on " << server.url() << std::endl;
  try {
    server.run();
  } catch (const std::exception& error) {
    std::cerr << "resync serve: error: the server stopped: " << error.what() << "\n";
    return 1;
  }
  return 0;
}

// After the server is gone: the stop is done and committed; a second SIGINT or SIGTERM (a
// supervisor that signals twice) must not turn this exit into a death by signal. Asio puts
// the default action back when the server's signal_set goes, so they are ignored from here.
int finish_serving(int status) {
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGTERM, SIG_IGN);
  if (status == 0) std::cerr << "resync serve: stopped\n";
  return status;
}

struct ServeFlags {
  std::string host = "127.0.0.1";
  bool allow_remote = false;
  std::size_t connections_max = host::AdmissionSettings{}.connections_max;
  std::size_t per_ip_connections_per_second_max = 0;
  std::string allowed_origins;  // empty: any origin
  int port = 3000;
  std::string database_path = "chat.db";
  std::string delivery = "strict";
  std::string durability = "full";
  std::int64_t ping_interval_ms = ServerConfig{}.ping_interval_ms;
  std::int64_t ping_timeout_ms = ServerConfig{}.ping_timeout_ms;
  std::int64_t connect_timeout_ms = ServerConfig{}.connect_timeout_ms;
  std::int64_t payload_bytes_max = ServerConfig{}.payload_bytes_max;
  std::string client_bundle_path;  // empty: search the usual places
  std::int64_t recovery_window_ms = RecoveryLimits{}.window_ms;
  bool no_recovery = false;
  std::size_t write_queue_bytes_max = ShellLimits{}.write_queue_bytes_max;
  std::string planted_bug;  // "" = none; for testing Resync itself
  // A cluster node: the shared log's Redis, this node's name, the log's keys, the commit wait.
  std::string redis_url;
  std::string node_id;
  std::string redis_key_prefix = "resync";
  std::int64_t redis_commit_timeout_ms = 5000;
  bool database_given = false;
};

// A node id goes into log lines and the harness's file names: short and plain.
constexpr std::size_t node_id_length_max = 64;
bool is_plain_node_id(const std::string& id) {
  return !id.empty() && id.size() <= node_id_length_max &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                  c == '.';
         });
}

// `resync serve --redis`: the node's WebSocketServer on the shared log, or nothing after
// printing why not.
int run_cluster_node(const ServeFlags& flags, WebSocketServerOptions options) {
  const shell::RedisUrlParse redis = shell::parse_redis_url(flags.redis_url);
  if (!redis.error.empty()) {
    std::cerr << "resync serve: " << redis.error << "\n";
    return 2;
  }
  if (!is_plain_node_id(flags.node_id)) {
    std::cerr << "resync serve: --redis needs --node-id NAME (1 to " << node_id_length_max
              << " letters, digits, '-', '_' or '.'; unique in the cluster, e.g. node-1), got '" << flags.node_id
              << "'\n";
    return 2;
  }
  if (flags.database_given) {
    std::cerr << "resync serve: --db has no use with --redis: a cluster node's messages are in the shared log on Redis "
                 "(the node keeps a temporary copy of it for catch-up); drop --db\n";
    return 2;
  }
  if (options.core.planted_bug != PlantedBug::none && planted_bug_is_live_only(options.core.planted_bug)) {
    std::cerr << "resync serve: --planted-bug " << flags.planted_bug
              << " acts on the node's own database, which a cluster node does not have; plant it without --redis\n";
    return 2;
  }
  shell::SharedLogSettings settings;
  settings.redis_host = redis.address.host;
  settings.redis_port = redis.address.port;
  settings.log.key_prefix = flags.redis_key_prefix;
  settings.log.node_id = flags.node_id;
  settings.log.commit_timeout_ms = flags.redis_commit_timeout_ms;
  options.core.shared_log = true;
  options.shared_log = settings;

  std::unique_ptr<SqliteLogReplica> replica;
  try {
    replica = std::make_unique<SqliteLogReplica>();
  } catch (const std::exception& error) {
    std::cerr << "resync serve: cannot create this node's temporary copy of the shared log: " << error.what()
              << " (SQLite puts it in SQLITE_TMPDIR, TMPDIR or /var/tmp, /usr/tmp, /tmp: one must be writable)\n";
    return 2;
  }
  std::cerr << "resync serve: cluster node " << flags.node_id << ": shared log on " << flags.redis_url << " (keys "
            << flags.redis_key_prefix << ":*); acknowledgements wait for Redis's reply, so --durability is Redis's "
               "appendfsync (always for full)\n";
  std::optional<WebSocketServer> server;
  try {
    server.emplace(std::move(options), *replica);
  } catch (const std::exception& error) {
    std::cerr << "resync serve: " << error.what() << "\n";
    return 2;
  }
  return serve_until_stopped(*server);
}

int run_serve(const ServeFlags& flags) {
  // A client that disconnects mid-write must surface as an error code, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit (RLIMIT_FSIZE: a full disk, or the harness's storage faults) must
  // surface as a failed write (EFBIG), which the store reports and the core never acks,
  // not as SIGXFSZ killing the server. Node ignores it too.
  std::signal(SIGXFSZ, SIG_IGN);

  WebSocketServerOptions options;
  options.host = flags.host;
  options.allow_remote = flags.allow_remote;
  options.admission.connections_max_requested = flags.connections_max;
  options.admission.connections_max = flags.connections_max;
  options.admission.per_ip_connections_per_second_max = flags.per_ip_connections_per_second_max;
  if (!flags.allowed_origins.empty()) {
    options.admission.allowed_origins = host::parse_allowed_origins(flags.allowed_origins).origins;
  }
  // Every connection is a file descriptor: the soft limit goes up to the hard one, and a cap the
  // hard limit cannot carry is lowered to what it can, so clients beyond it are told 503
  // instead of waiting on an accept that fails with "too many open files".
  const shell::OpenFileLimit file_limit = shell::raise_open_file_limit_to_hard_limit();
  if (!file_limit.error.empty()) std::cerr << "resync serve: warning: " << file_limit.error << "\n";
  if (file_limit.soft != file_limit.soft_before) {
    std::cerr << "resync serve: open-file limit (RLIMIT_NOFILE) raised from " << file_limit.soft_before
              << " to the hard limit " << file_limit.soft << "\n";
  }
  options.admission.connections_max = host::connections_max_for_file_limit(flags.connections_max, file_limit.soft);
  if (options.admission.connections_max < flags.connections_max) {
    std::cerr << "resync serve: warning: --max-connections " << flags.connections_max << " needs about "
              << flags.connections_max + host::file_descriptors_reserved_for_the_process +
                     host::refused_connections_open_max
              << " file descriptors, but the open-file limit (RLIMIT_NOFILE) is " << file_limit.soft << " (hard limit "
              << file_limit.hard << "); serving at most " << options.admission.connections_max
              << " connections and sessions, and telling further clients 503. Raise the hard limit (ulimit -Hn as "
                 "root, LimitNOFILE= in a systemd unit, --ulimit nofile= in docker) or lower --max-connections\n";
  }
  options.port = static_cast<std::uint16_t>(flags.port);
  options.core.delivery = flags.delivery == "tutorial" ? DeliveryMode::tutorial : DeliveryMode::strict;
  options.core.ping_interval_ms = flags.ping_interval_ms;
  options.core.ping_timeout_ms = flags.ping_timeout_ms;
  options.core.connect_timeout_ms = flags.connect_timeout_ms;
  options.core.payload_bytes_max = flags.payload_bytes_max;
  // The only randomness of the server: its ids. The core never reads randomness itself (the
  // simulator replays it from a seed); a real server's ids come from the kernel's CSPRNG.
  options.core.random_bytes = fill_from_os_random;
  // The tutorial's server runs with connectionStateRecovery: {}; so does this one by default.
  options.core.recovery_enabled = !flags.no_recovery;
  options.core.recovery.window_ms = flags.recovery_window_ms;
  options.limits.write_queue_bytes_max = flags.write_queue_bytes_max;
  options.core.planted_bug = parse_planted_bug(flags.planted_bug).value_or(PlantedBug::none);
  if (!flags.client_bundle_path.empty()) options.client_bundle_file = flags.client_bundle_path;
  options.stop_on_signals = true;

  if (!flags.redis_url.empty()) return finish_serving(run_cluster_node(flags, std::move(options)));

  SqliteOptions store_options;
  store_options.path = flags.database_path;
  store_options.durability = flags.durability == "process-crash" ? Durability::process_crash : Durability::full;
  std::unique_ptr<SqliteMessageStore> store;
  try {
    store = std::make_unique<SqliteMessageStore>(store_options);
  } catch (const std::exception& error) {
    std::cerr << "resync serve: cannot open the message database '" << flags.database_path << "': " << error.what()
              << "\n  --db must name an SQLite database file (created if missing) in a writable directory;"
                 " a chat.db written by the tutorial's Node server opens unchanged.\n";
    return 2;
  }

  // Catch-up reads run on the event loop's thread while the commit thread writes, each on a
  // connection of its own (WAL: readers see every commit at once and never wait for a writer).
  std::unique_ptr<SqliteMessageStore> reader;
  try {
    reader = std::make_unique<SqliteMessageStore>(store_options);
  } catch (const std::exception& error) {
    std::cerr << "resync serve: cannot open a reading connection to '" << flags.database_path << "': " << error.what()
              << "\n";
    return 2;
  }

  // What SQLite has in force, read back from the connection (tests assert it per --durability).
  const SqliteSettings settings = store->settings();
  std::cerr << "resync serve: database " << flags.database_path << ": journal_mode=" << settings.journal_mode
            << " synchronous=" << settings.synchronous << " (--durability " << flags.durability << ")\n";
  // The live-only planted bugs strike from the storage path; the core's own take effect in
  // the core. Without a planted bug the server uses the store directly.
  std::optional<shell::PlantedFaultStore> planted_fault_store;
  MessageStore* served_store = store.get();
  if (planted_bug_is_live_only(options.core.planted_bug)) {
    planted_fault_store.emplace(*store, options.core.planted_bug);
    served_store = &*planted_fault_store;
  }
  if (options.core.planted_bug != PlantedBug::none) {
    std::cerr << "resync serve: warning: planted bug " << flags.planted_bug << " is on (for testing Resync itself)\n";
  }

  std::optional<WebSocketServer> server;
  try {
    server.emplace(std::move(options), *served_store, *reader);
  } catch (const std::exception& error) {
    std::cerr << "resync serve: " << error.what() << "\n";
    return 2;
  }

  const int status = serve_until_stopped(*server);
  server.reset();
  return finish_serving(status);
}

}  // namespace

void register_serve_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve",
      "Run the Socket.IO-compatible chat server of the Socket.IO tutorial (Engine.IO v4 over HTTP long-polling "
      "with upgrade to WebSocket, or WebSocket directly; Socket.IO v5 on namespace / with connection state "
      "recovery; messages stored in SQLite). Serves the tutorial's chat page at / and the socket.io client "
      "bundle at /socket.io/socket.io.js. Prints one line "
      "'resync serve: listening on http://HOST:PORT' to stdout; logs go to stderr. "
      "SIGINT or SIGTERM commits pending messages, closes every connection and exits 0.");

  serve->add_option("--host", flags->host,
                    "Address to listen on (an IP address or a host name). A non-loopback address needs "
                    "--allow-remote")
      ->capture_default_str();
  serve->add_flag("--allow-remote", flags->allow_remote,
                  "Allow --host to be a non-loopback address (e.g. 0.0.0.0), reachable from other machines; the "
                  "server logs a warning then. It has no authentication: see README \"Security\"");
  serve->add_option("--max-connections", flags->connections_max,
                    "At most this many open TCP connections (HTTP or WebSocket) and, separately, this many "
                    "Engine.IO sessions (a long-polling session counts while it has no request open). Beyond it a "
                    "new connection or session is answered HTTP 503 with a JSON error naming this flag. The "
                    "soft open-file limit is raised to the hard one at start; a cap the hard limit cannot carry "
                    "is lowered to fit, with a warning")
      ->check(CLI::Range(std::size_t{1}, connections_max_limit))
      ->capture_default_str();
  serve->add_option("--per-ip-connections-per-second-max", flags->per_ip_connections_per_second_max,
                    "At most this many new Engine.IO sessions (polling handshakes, WebSockets without a sid) per "
                    "client IP address per second; beyond it HTTP 429 with a JSON error. Requests of an open "
                    "session and its upgrade do not count. 0 = no limit")
      ->check(CLI::Range(std::size_t{0}, per_ip_connections_per_second_limit))
      ->capture_default_str();
  serve->add_option("--allowed-origins", flags->allowed_origins,
                    "Comma-separated origins (scheme://host[:port], e.g. https://chat.example.com) whose pages may "
                    "use the server: an Engine.IO request with another Origin header gets HTTP 403. A request "
                    "without an Origin (a non-browser client) is allowed, so this protects browsers only. Include "
                    "the server's own origin for its chat page at /. Default: any origin, as socket.io")
      ->check([](const std::string& list) -> std::string { return host::parse_allowed_origins(list).error; });
  serve->add_option("--port", flags->port, "TCP port to listen on; 0 picks a free port (read it from the stdout line)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  CLI::Option* database_option = serve->add_option("--db", flags->database_path,
                    "SQLite database file; created with the tutorial's messages table if missing, and a database "
                    "written by the tutorial's Node server opens unchanged. A file, not :memory:: catch-up reads "
                    "and commits use two connections to it")
      ->check([](const std::string& path) -> std::string {
        if (path.empty() || path == ":memory:" || path.rfind("file:", 0) == 0) {
          return "--db must be a database file path (the server opens it twice: one connection commits, one "
                 "reads for catch-up); got '" + path + "'";
        }
        return {};
      })
      ->capture_default_str();
  serve->add_option("--delivery", flags->delivery,
                    "strict: every client receives each id once, in increasing order, also during its catch-up. "
                    "tutorial: reproduces the tutorial Node server, whose catch-up interleaves with live "
                    "broadcasts (duplicates and reordering possible)")
      ->check(CLI::IsMember({"strict", "tutorial"}))
      ->capture_default_str();
  serve->add_option("--durability", flags->durability,
                    "full: SQLite WAL with synchronous=FULL, a committed message survives a process kill and a "
                    "power loss. process-crash: synchronous=NORMAL, it survives a process kill (SIGKILL) but the "
                    "last commits may be lost on power loss; faster")
      ->check(CLI::IsMember({"full", "process-crash"}))
      ->capture_default_str();
  serve->add_option("--ping-interval-ms", flags->ping_interval_ms,
                    "Engine.IO pingInterval: the server sends a ping this often")
      ->check(CLI::Range(std::int64_t{1}, timeout_ms_max))
      ->capture_default_str();
  serve->add_option("--ping-timeout-ms", flags->ping_timeout_ms,
                    "Engine.IO pingTimeout: a client that does not answer a ping within this time is disconnected")
      ->check(CLI::Range(std::int64_t{1}, timeout_ms_max))
      ->capture_default_str();
  serve->add_option("--connect-timeout-ms", flags->connect_timeout_ms,
                    "A client that opens an Engine.IO session but sends no Socket.IO CONNECT within this time is "
                    "disconnected")
      ->check(CLI::Range(std::int64_t{1}, timeout_ms_max))
      ->capture_default_str();
  serve->add_option("--max-payload-bytes", flags->payload_bytes_max,
                    "Engine.IO maxPayload: a WebSocket message longer than this closes that connection (code 1009); "
                    "a long-polling POST longer than this is answered 413")
      ->check(CLI::Range(std::int64_t{1}, payload_bytes_limit_max))
      ->capture_default_str();
  serve->add_option("--recovery-window-ms", flags->recovery_window_ms,
                    "Connection state recovery (socket.io's connectionStateRecovery.maxDisconnectionDuration): a "
                    "client whose transport dropped (not one that disconnected on purpose) and that reconnects "
                    "within this time with its pid and last offset gets the events it missed from memory, keeps "
                    "its socket id and skips the database catch-up. Events are kept this long, at most " +
                        std::to_string(RecoveryLimits{}.buffered_events_max) + " of them")
      ->check(CLI::Range(std::int64_t{1}, timeout_ms_max))
      ->capture_default_str();
  serve->add_option("--write-queue-bytes-max", flags->write_queue_bytes_max,
                    "Unwritten bytes one WebSocket client may have queued; a client that falls this far behind is "
                    "a slow consumer and is disconnected (it reconnects and catches up from the database)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1024} * 1024 * 1024))
      ->capture_default_str();
  serve->add_flag("--no-recovery", flags->no_recovery,
                  "Turn connection state recovery off: no pid in the CONNECT reply, no offset argument on events, "
                  "every reconnect is a fresh socket with the database catch-up from auth.serverOffset");
  std::vector<std::string> planted_bug_choices;
  for (const auto name : planted_bug_names()) planted_bug_choices.emplace_back(name);
  serve->add_option("--planted-bug", flags->planted_bug,
                    "For testing Resync itself, never for real use: plant a known bug so a test can prove Resync "
                    "catches it. drop-every-10th-plain and the recovery-* bugs break delivery; crash-after-20-messages "
                    "raises SIGSEGV and use-after-free-after-20-messages reads freed memory once 20 messages are "
                    "stored; ack-before-commit acknowledges before the commit (docs/SCENARIOS.md)")
      ->check(CLI::IsMember(planted_bug_choices));
  serve->add_option("--client-bundle", flags->client_bundle_path,
                    "socket.io.min.js served at /socket.io/socket.io.js for the chat page at /. Default: the copy "
                    "embedded at build time when tests/node/node_modules was installed ((cd tests/node && npm ci), "
                    "then build); otherwise tests/node/node_modules/socket.io-client/dist/socket.io.min.js, searched "
                    "from the current directory and the executable's directory upwards");

  serve->add_option("--redis", flags->redis_url,
                    "Join a cluster: redis://HOST:PORT of the Redis whose Stream is the cluster's shared log. Every "
                    "node appends messages there with one atomic script (one order of ids cluster-wide, a "
                    "client_offset stored once) and delivers what it reads from the stream in log order; catch-up "
                    "and acknowledgements work on whichever node a client reaches. Acknowledgements wait for "
                    "Redis's reply: run Redis with appendonly yes and appendfsync always for --durability full. "
                    "Needs --node-id; --db has no use then (README \"Clusters\")");
  serve->add_option("--node-id", flags->node_id, "With --redis: this node's name in the cluster, for log lines (e.g. node-1)");
  serve->add_option("--redis-key-prefix", flags->redis_key_prefix,
                    "With --redis: the shared log's keys are PREFIX:log (the Stream), PREFIX:offsets and PREFIX:last-id")
      ->capture_default_str();
  serve->add_option("--redis-commit-timeout-ms", flags->redis_commit_timeout_ms,
                    "With --redis: a commit group Redis has not answered within this time fails (nothing of it is "
                    "acknowledged; clients retry and the client_offset keeps a retry stored once)")
      ->check(CLI::Range(std::int64_t{1}, timeout_ms_max))
      ->capture_default_str();

  serve->callback([flags, database_option, &exit_code] {
    flags->database_given = database_option->count() > 0;
    exit_code = run_serve(*flags);
  });
}

}  // namespace resync::server
