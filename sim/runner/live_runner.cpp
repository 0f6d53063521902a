#include "sim/runner/live_runner.hpp"

#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "server/core/sqlite_message_store.hpp"
#include "sim/checker/server_exits.hpp"
#include "sim/history/history_writer.hpp"
#include "sim/runner/catch_up_reader.hpp"
#include "sim/runner/live_cluster.hpp"
#include "sim/runner/live_storage_faults.hpp"
#include "sim/runner/ordered_timer_queue.hpp"
#include "sim/runner/run_proxy.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/runner/server_log_relay.hpp"
#include "sim/runner/server_process.hpp"
#include "sim/runner/target_address.hpp"
#include "sim/runner/socket_chat_client.hpp"
#include "sim/runner/target_database_reader.hpp"

namespace resync::sim {

namespace asio = boost::asio;

namespace {

// All rows in id order, read after the run from the embedded server's database.
std::vector<history::CommittedMessage> read_committed_log(const std::string& database_path, std::string& error) {
  constexpr std::size_t rows_per_read = 10000;
  std::vector<history::CommittedMessage> messages;
  try {
    server::SqliteMessageStore store({database_path, server::Durability::full});
    std::int64_t after = 0;
    while (true) {
      const auto rows = store.read_range(after, store.last_committed_id(), rows_per_read);
      for (const auto& row : rows) {
        messages.push_back({row.id, row.content, row.client_offset});
        after = row.id;
      }
      if (rows.size() < rows_per_read) break;
    }
  } catch (const std::exception& exception) {
    error = exception.what();
  }
  return messages;
}

std::optional<std::int64_t> read_highest_id(const std::string& database_path) {
  sqlite3* database = nullptr;
  std::optional<std::int64_t> highest;
  if (sqlite3_open_v2(database_path.c_str(), &database, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(database, 200);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(database, "SELECT COALESCE(MAX(id), 0) FROM messages;", -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      highest = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(database);
  return highest;
}

// Real time, real sockets: the server under test as a child process, the TCP fault proxy
// in-process, and each client transport a Beast WebSocket connection.
class LiveEnvironment final : public RunEnvironment {
 public:
  LiveEnvironment(const Scenario& scenario, const LiveRunOptions& options) : scenario_(scenario), options_(options) {
    std::filesystem::create_directories(options_.work_directory);
    database_path_ = (std::filesystem::path(options_.work_directory) / "chat.db").string();
    std::filesystem::remove(database_path_);
    std::filesystem::remove(database_path_ + "-wal");
    std::filesystem::remove(database_path_ + "-shm");
    history_path_ = (std::filesystem::path(options_.work_directory) / "history.jsonl").string();
    std::string error;
    history_ = history::HistoryWriter::create_file(history_path_, error);
    if (!history_) std::fprintf(stderr, "resync: %s\n", error.c_str());
    server_log_relay_ = std::make_shared<ServerLogRelay>([this] { asio::post(io_, [this] { record_server_log(); }); });
  }

  // The stderr copy's thread may outlive the run: it must not post to a gone io_context.
  ~LiveEnvironment() { server_log_relay_->close(); }
  LiveEnvironment(const LiveEnvironment&) = delete;
  LiveEnvironment& operator=(const LiveEnvironment&) = delete;

  std::string run() {
    ExecutionOptions execution_options;
    execution_options.seed = options_.seed;
    execution_options.mode = "live";
    execution_options.target = describe_target();
    execution_options.delivery = embedded() ? scenario_.server.delivery : "external";
    execution_options.replay = options_.replay;
    const std::optional<std::string> start_offset_error = learn_start_offset(execution_options);
    ScenarioExecution execution(scenario_, execution_options, *this);
    execution.record_run_started();
    if (start_offset_error) return abandon(*start_offset_error, "cannot learn where the target's log ends");
    if (scenario_.server.is_cluster()) {
      if (auto error = start_cluster()) return abandon(*error, "the cluster did not start");
    } else if (auto error = start_target()) {
      // A start cut short by the caller's deadline is the deadline's doing, not the target's.
      abandoned_ = options_.abandon_at && std::chrono::steady_clock::now() >= *options_.abandon_at;
      return abandon(*error, "the server under test did not start");
    }
    if (!cluster_) {
      std::string proxy_error;
      proxy_ = start_run_proxy(io_, target_.host, target_.port, derive_seed(options_.seed, 0), proxy_error);
      if (!proxy_) return abandon("the fault proxy did not start: " + proxy_error, proxy_error);
    }
    // The timeline starts once server and proxy are up, as in the simulator: a step at 1 ms
    // runs 1 ms after the clients could first connect, however long a preload took.
    started_ = std::chrono::steady_clock::now();
    if (options_.abandon_at) {
      abandon_timer_.expires_at(*options_.abandon_at);
      abandon_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error) abandon_at_deadline();
      });
    }
    execution.start();
    watch_for_unrequested_exit();
    io_.run();
    return history_path_;
  }

  bool abandoned() const { return abandoned_; }

  // ---- RunEnvironment ----

  std::int64_t now_ms() const override {
    if (!started_) return 0;  // setting up: the simulator's virtual clock is at 0 then too
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - *started_).count();
  }

  void schedule(std::int64_t time_ms, std::function<void()> work) override {
    timeline_.schedule(*started_ + std::chrono::milliseconds(time_ms), [this, work = std::move(work)] {
      if (!finished_) work();
    });
  }

  // Each line is flushed as it is written (HistoryWriter's default): a killed run still
  // leaves a readable history.
  void record_run_started(history::RunStarted run) override {
    if (history_) history_->write_run_started(now_ms(), run);
  }
  void record(history::EventPayload event) override {
    if (cluster_) note_session_node(event);
    if (history_) history_->write(now_ms(), std::move(event));
  }

  void pump(ChatClient& client) override { socket_of(client).pump(); }

  FaultControl& faults() override { return cluster_ ? cluster_->faults() : *proxy_; }
  bool controls_server() const override { return server_ != nullptr || cluster_ != nullptr; }
  // A server asked to stop counts as down at once, so a heal that follows starts it again.
  // A cluster is running when every node is.
  bool server_running() const override {
    if (cluster_) return cluster_->every_node_running();
    return server_ && server_->running() && !stopping_;
  }
  bool server_start_pending() const override { return cluster_ ? cluster_->start_pending() : restart_when_stopped_; }

  // ---- clusters (sim/runner/live_cluster.hpp) ----
  bool runs_cluster() const override { return cluster_ != nullptr; }
  void hop_client(const std::string& client, int node) override {
    if (cluster_) cluster_->hop(client, node);
  }
  bool node_running(int node) const override { return cluster_ && cluster_->node_running(node); }
  std::optional<std::string> stop_node(int node, int signal) override {
    if (!cluster_) return no_cluster_reason();
    return cluster_->stop_node(node, signal);
  }
  void start_node(int node) override {
    if (cluster_) cluster_->start_node(node);
  }
  std::optional<std::string> stop_redis(int signal, std::string& error) override {
    if (!cluster_) return RunEnvironment::stop_redis(signal, error);
    return cluster_->stop_redis(signal, error);
  }
  std::optional<std::string> start_redis(std::string& error) override {
    if (!cluster_) return RunEnvironment::start_redis(error);
    return cluster_->start_redis(error);
  }
  bool redis_running() const override { return cluster_ && cluster_->redis_running(); }
  std::optional<std::string> trim_stream(std::int64_t keep_last, std::string& error) override {
    if (!cluster_) return RunEnvironment::trim_stream(keep_last, error);
    return cluster_->trim_stream(keep_last, error);
  }
  std::optional<std::string> partition_node(int node, PartitionMode mode, std::string& error) override {
    if (!cluster_) return RunEnvironment::partition_node(node, mode, error);
    return cluster_->partition_node(node, mode, error);
  }
  void heal_partition(int node) override {
    if (cluster_) cluster_->heal_partition(node);
  }

  // Signals the server and returns: the io thread keeps serving the clients while the server
  // shuts down (a graceful stop waits for their WebSocket close replies), and a timer reaps
  // the process. Blocking here would stall every client for the server's whole grace period.
  void stop_server(int signal) override {
    if (cluster_) {
      for (int node = 0; node < scenario_.server.nodes; ++node) cluster_->stop_node(node, signal);
      return;
    }
    stop_server_then(signal, {});
  }

  // The trigger fired inside the proxy's read handler, on this thread: with no delay the
  // signal leaves from here, before the proxy writes the matched packet on (no timer round
  // trip); a delay waits on a microsecond timer. stop_server touches no proxy state.
  void stop_server_on_trigger(int signal, std::int64_t delay_us, std::function<void()> on_signal_sent) override {
    if (delay_us == 0) {
      stop_server_then(signal, std::move(on_signal_sent));
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::microseconds(delay_us));
    timers_.push_back(timer);
    timer->async_wait([this, signal, on_signal_sent = std::move(on_signal_sent)](const boost::system::error_code& error) {
      if (!error && !finished_) stop_server_then(signal, on_signal_sent);
    });
  }

  void start_server() override {
    if (cluster_) return cluster_->start_every_node_down();
    if (!server_ || (server_->running() && !stopping_)) return;
    if (stopping_) {
      restart_when_stopped_ = true;  // the old process still holds the port
      return;
    }
    restart_when_stopped_ = false;
    if (auto error = server_->start(target_.port)) {
      record(history::ServerFailed{*error});
      return;
    }
    record_server_started();
  }

  bool server_holds_unsettled_writes() const override {
    return cluster_ && cluster_->some_node_holds_unsettled_writes();
  }

  std::optional<std::int64_t> committed_highest_id() override {
    if (cluster_ && !cluster_->external()) return cluster_->committed_highest_id();
    if (!embedded()) return std::nullopt;
    return read_highest_id(database_path_);
  }

  // The target's database when it is reachable (cheap), else a catch-up from the start offset
  // straight to the target (blocking for its quiet period: the clients are quiet by then).
  std::optional<std::int64_t> external_log_end() override {
    if (embedded() || (server_ && !server_running())) return std::nullopt;
    if (const auto path = reachable_database_path()) {
      if (std::filesystem::exists(*path)) {
        if (const auto highest = read_highest_id(*path)) return highest;
      }
    }
    CatchUpLimits limits;
    limits.duration_max_ms = bounded_by_deadline(convergence_read_duration_max_ms);
    const auto read = read_catch_up_rows(target_.host, target_.port, protocol_names(), start_offset_, limits);
    const auto* rows = std::get_if<CatchUpRows>(&read);
    if (rows == nullptr) return std::nullopt;
    return rows->rows.empty() ? start_offset_ : rows->rows.back().id;
  }

  StorageFaultAttempt start_storage_fault(StorageFaultKind kind) override {
    if (cluster_) {
      return {StorageFaultAttempt::Outcome::refused,
              "a cluster node keeps its log in Redis, not in a database the harness can lock or limit"};
    }
    return live_storage_fault_start(kind);
  }
  void end_storage_fault() override {
    database_lock_.release();
    file_size_limit_.restore();
  }


  void finish() override {
    finished_ = true;
    for (auto& [name, socket] : sockets_) socket->close_all();
    for (auto& timer : timers_) timer->cancel();
    timeline_.cancel_all();
    exit_watch_timer_.cancel();
    abandon_timer_.cancel();
    proxy_.reset();
    if (cluster_) {
      if (cluster_->external()) audit_committed_log();
      cluster_->finish();
      if (const auto path = reachable_database_path(); path && cluster_->external()) read_target_committed_log(*path);
      io_.stop();
      return;
    }
    // A server that died since the last look must not be taken for one this stop ended.
    notice_unrequested_exit();
    // Before the stop: the audit reads the target as a page would, so it must be serving.
    if (!embedded()) audit_committed_log();
    if (server_running()) stop_server(SIGTERM);
    if (stopping_) {
      // The end of the run may block: wait for the stop (a step's or the one just asked for),
      // whose signal has been sent already.
      server_->wait_for_exit();
      record_requested_stop();
    }
    record_server_log();
    if (const std::size_t dropped = server_log_relay_->lines_dropped(); dropped > 0) {
      record(history::ServerLog{"warning",
                                "resync: " + std::to_string(dropped) + " server log lines were not recorded (more than " +
                                    std::to_string(server_log_lines_pending_max) + " waited at once)",
                                server_ ? server_->incarnation() : 0});
    }
    if (embedded()) {
      std::string error;
      std::vector<history::CommittedMessage> messages = read_committed_log(database_path_, error);
      if (!error.empty()) {
        record(history::ServerFailed{"cannot read the committed log: " + error});
      } else {
        history::CommittedLog log;
        log.messages = std::move(messages);
        record(std::move(log));
      }
    } else if (const auto path = reachable_database_path()) {
      // After the stop, as for the embedded server: what the target kept is what counts.
      read_target_committed_log(*path);
    }
    io_.stop();
  }

  // The server's SQLite file when the harness can read it: the embedded server's chat.db;
  // else --target-db, or the scenario's server.external.database. A relative path is taken
  // inside the target's RESYNC_RUN_DIR when the harness starts the target (that is where a
  // --target-cmd keeps its database), else relative to the current directory.
  std::optional<std::string> reachable_database_path() const {
    if (embedded()) return database_path_;
    const std::string named = options_.target_database.value_or(scenario_.server.database);
    if (named.empty()) return std::nullopt;
    const std::filesystem::path path(named);
    if (path.is_relative() && !target_command().empty()) return (target_run_directory() / path).string();
    return std::filesystem::absolute(path).string();
  }

 private:
  StorageFaultAttempt live_storage_fault_start(StorageFaultKind kind) {
    using Outcome = StorageFaultAttempt::Outcome;
    const std::optional<std::string> database = reachable_database_path();
    if (kind == StorageFaultKind::lock_database) {
      if (!database) return {Outcome::refused, "no reachable database: give the target's SQLite file with --target-db PATH"};
      return database_lock_.try_acquire(*database);
    }
    if (!server_running()) {
      return {Outcome::refused, server_ ? "the server is not running" : "the harness did not start this target (give --target-cmd)"};
    }
    const std::vector<pid_t> processes =
        server_->leads_process_group() ? processes_in_group(server_->pid()) : std::vector<pid_t>{server_->pid()};
    std::uint64_t limit_bytes = 0;
    std::string how = "RLIMIT_FSIZE 0 (no write to any regular file)";
    if (kind == StorageFaultKind::full) {
      if (!database) return {Outcome::refused, "no reachable database to measure: give --target-db PATH"};
      std::string sizes;
      const auto smallest = smallest_database_file_bytes(*database, sizes);
      if (!smallest) return {Outcome::refused, "no database file at " + *database};
      limit_bytes = *smallest;
      how = "RLIMIT_FSIZE " + std::to_string(limit_bytes) + " bytes, the smallest of " + sizes + " (no database file can grow)";
    }
    if (auto error = file_size_limit_.apply(processes, limit_bytes)) return {Outcome::refused, *error};
    std::string pids;
    for (pid_t process : processes) pids += (pids.empty() ? "" : ", ") + std::to_string(process);
    return {Outcome::started, how + " on server process(es) " + pids};
  }

  bool embedded() const {
    return !options_.target_url && !options_.target_command && scenario_.server.kind == ServerKind::embedded;
  }
  std::string target_command() const {
    if (options_.target_command) return *options_.target_command;
    return options_.target_url ? std::string() : scenario_.server.command;
  }
  std::string describe_target() const {
    if (embedded()) return "embedded";
    if (options_.target_url) return *options_.target_url;
    if (!target_command().empty()) return "command: " + target_command();
    return scenario_.server.url;
  }

  // A server the harness neither starts nor empties (`--target URL`, `server.external.url`)
  // holds older runs' rows: the run starts from its current end, which a catch-up from
  // offset 0 reveals. A server we start (embedded, --target-cmd) starts empty.
  std::optional<std::string> learn_start_offset(ExecutionOptions& execution_options) {
    if (embedded() || !target_command().empty()) return std::nullopt;
    const std::string url = options_.target_url.value_or(scenario_.server.url);
    const auto address = parse_target_url(url);
    if (!address) return "cannot read the target URL '" + url + "': expected http://HOST:PORT";
    const auto end = read_catch_up_end(address->host, address->port, protocol_names());
    if (const auto* error = std::get_if<std::string>(&end)) return "cannot read the target's log to find where it ends: " + *error;
    start_offset_ = std::get<CatchUpEnd>(end).highest_id;
    execution_options.start_offset = start_offset_;
    return std::nullopt;
  }

  // A blocking read (a catch-up) runs before the abandon timer can fire: it gets no more than
  // the time left before the caller's deadline.
  std::int64_t bounded_by_deadline(std::int64_t duration_ms) const {
    if (!options_.abandon_at) return duration_ms;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*options_.abandon_at - std::chrono::steady_clock::now());
    return std::clamp<std::int64_t>(left.count(), 1, duration_ms);
  }

  // The caller's deadline came first: tear down at once, without the converge phase's
  // checks or the committed log (nobody judges this run), and kill rather than stop the
  // server, whose graceful stop could take longer than the caller has left.
  void abandon_at_deadline() {
    if (finished_) return;
    abandoned_ = true;
    finished_ = true;
    for (auto& [name, socket] : sockets_) socket->close_all();
    for (auto& timer : timers_) timer->cancel();
    timeline_.cancel_all();
    exit_watch_timer_.cancel();
    stop_poll_timer_.cancel();
    proxy_.reset();
    if (server_ && server_->running()) server_->stop(SIGKILL);
    if (cluster_) cluster_->abandon();
    record(history::RunFinished{false, "abandoned: the caller's deadline came before the run ended"});
    io_.stop();
  }

  // An external target's committed log, read as a page reads it: an audit client connects
  // straight to the target (not through the proxy, which is gone: the faults are healed, and
  // nothing between the audit and the server should be able to change what it reads) with the
  // run's start offset, and takes the whole catch-up until it is quiet. What it could not
  // read is recorded as such, never as an empty log.
  void audit_committed_log() {
    history::CommittedLogUnavailable unavailable{history::CommittedLogSource::catch_up_audit, start_offset_, ""};
    if (server_ && !server_running()) {
      unavailable.detail = "the target was not running at the end of the run (see its server_stopped line), so no "
                           "client could read its catch-up";
      return record(std::move(unavailable));
    }
    CatchUpLimits limits;
    // A scenario that needs a longer silence to call its clients converged gets it here too.
    limits.quiet_ms = std::max(limits.quiet_ms, scenario_.quiet_ms);
    limits.duration_max_ms = bounded_by_deadline(audit_duration_max_ms);
    limits.rows_max = audit_rows_max;
    const auto read = read_catch_up_rows(target_.host, target_.port, protocol_names(), start_offset_, limits);
    if (const auto* error = std::get_if<std::string>(&read)) {
      unavailable.detail = *error;
      return record(std::move(unavailable));
    }
    history::CommittedLog log;
    log.source = history::CommittedLogSource::catch_up_audit;
    log.from_offset = start_offset_;
    for (const CatchUpRow& row : std::get<CatchUpRows>(read).rows) log.messages.push_back({row.id, row.content, std::nullopt});
    record(std::move(log));
  }

  void read_target_committed_log(const std::string& path) {
    auto read = read_target_database(path);
    if (auto* error = std::get_if<std::string>(&read)) {
      return record(history::CommittedLogUnavailable{history::CommittedLogSource::database, std::nullopt,
                                                             std::move(*error)});
    }
    history::CommittedLog log;
    log.source = history::CommittedLogSource::database;
    log.messages = std::move(std::get<std::vector<history::CommittedMessage>>(read));
    record(std::move(log));
  }

  ClientProtocolNames protocol_names() const {
    return ClientProtocolNames{scenario_.server.chat_event, scenario_.server.offset_auth_field};
  }

  // The --target-cmd's RESYNC_RUN_DIR: one per scenario, kept across its restarts.
  std::filesystem::path target_run_directory() const {
    return std::filesystem::absolute(options_.work_directory) / "target";
  }

  std::string abandon(const std::string& detail, const std::string& reason) {
    record(history::ServerFailed{detail});
    record(history::RunFinished{false, reason});
    if (server_ && server_running()) server_->stop(SIGKILL);
    if (cluster_) cluster_->abandon();
    return history_path_;
  }

  // The embedded cluster; an external one is not started by this build yet.
  std::optional<std::string> start_cluster() {
    LiveClusterLaunch launch;
    if (!embedded()) {
      if (target_command().empty()) {
        return "a cluster needs the harness to start its nodes (it routes each session to one): give --target-cmd "
               "or server.external.command, not only a URL";
      }
      launch.target_command = target_command();
      launch.run_directory = target_run_directory().string();
      if (auto error = empty_directory(launch.run_directory)) return error;
    }
    launch.resync_executable = options_.resync_executable;
    launch.work_directory = std::filesystem::absolute(options_.work_directory);
    launch.seed = options_.seed;
    launch.start_timeout_ms = bounded_by_deadline(ServerLaunch{}.start_timeout_ms);
    LiveClusterHooks hooks;
    hooks.record = [this](history::EventPayload event) { record(std::move(event)); };
    hooks.wake_for_server_logs = [this] { asio::post(io_, [this] { record_server_log(); }); };
    cluster_ = std::make_unique<LiveCluster>(io_, scenario_, launch, std::move(hooks));
    if (auto error = cluster_->start()) return error;
    // An external cluster's audit and convergence reads go straight to node 0.
    target_ = {"127.0.0.1", cluster_->node_port(0)};
    return std::nullopt;
  }

  // A client's session is routed at its `connecting` line (which precedes the transport it
  // opens), and that line and the `connected` that follows carry the node.
  void note_session_node(history::EventPayload& event) {
    if (auto* connecting = std::get_if<history::ClientConnecting>(&event)) {
      const int node = cluster_->route_new_session(connecting->client);
      session_nodes_[connecting->client] = node;
      connecting->node = node;
    } else if (auto* connected = std::get_if<history::ClientConnected>(&event)) {
      connected->node = session_node(connected->client);
    }
  }

  int session_node(const std::string& client) {
    const auto found = session_nodes_.find(client);
    if (found != session_nodes_.end()) return found->second;
    const int node = cluster_->route_new_session(client);
    session_nodes_[client] = node;
    return node;
  }

  std::optional<std::string> start_target() {
    const std::string stderr_path = (std::filesystem::path(options_.work_directory) / "server.stderr").string();
    std::filesystem::remove(stderr_path);
    ServerLaunch launch;
    launch.stderr_path = stderr_path;
    {
      // Waiting for the port blocks before the abandon timer can fire: bound it by the
      // deadline too (restarts during the run keep this bound).
      launch.start_timeout_ms = bounded_by_deadline(launch.start_timeout_ms);
    }
    if (embedded()) {
      if (scenario_.server.preload_messages > 0) preload();
      launch.on_stderr_line = [relay = server_log_relay_](int incarnation, std::string line) {
        relay->push(incarnation, line);
      };
      launch.serve_arguments = {options_.resync_executable, "serve", "--host", "127.0.0.1", "--db", database_path_,
                                "--delivery", scenario_.server.delivery, "--durability", scenario_.server.durability,
                                "--ping-interval-ms", std::to_string(scenario_.server.ping_interval_ms),
                                "--ping-timeout-ms", std::to_string(scenario_.server.ping_timeout_ms),
                                "--recovery-window-ms", std::to_string(scenario_.server.recovery_window_ms)};
      if (!scenario_.server.recovery) launch.serve_arguments.push_back("--no-recovery");
      if (scenario_.server.write_queue_bytes_max != ServerSpec{}.write_queue_bytes_max) {
        launch.serve_arguments.insert(launch.serve_arguments.end(),
                                      {"--write-queue-bytes-max", std::to_string(scenario_.server.write_queue_bytes_max)});
      }
      if (!scenario_.server.planted_bug.empty()) {
        launch.serve_arguments.insert(launch.serve_arguments.end(), {"--planted-bug", scenario_.server.planted_bug});
      }
    } else if (!target_command().empty()) {
      launch.shell_command = target_command();
      launch.run_directory = target_run_directory().string();
      if (auto error = empty_directory(launch.run_directory)) return error;
    } else {
      const std::string url = options_.target_url.value_or(scenario_.server.url);
      const auto address = parse_target_url(url);
      if (!address) return "cannot read the target URL '" + url + "': expected http://HOST:PORT";
      target_ = *address;
      return std::nullopt;
    }
    server_ = std::make_unique<ServerProcess>(launch);
    if (auto error = server_->start(0)) return error;
    target_ = {"127.0.0.1", server_->port()};
    record_server_started();
    return std::nullopt;
  }

  // The target's RESYNC_RUN_DIR is emptied and created once per scenario, before the first
  // start, and kept across its kills and restarts: a restarted target finds its database.
  static std::optional<std::string> empty_directory(const std::string& directory) {
    std::error_code error;
    std::filesystem::remove_all(directory, error);
    if (!error) std::filesystem::create_directories(directory, error);
    if (error) return "cannot create RESYNC_RUN_DIR " + directory + ": " + error.message();
    return std::nullopt;
  }

  // The signal leaves first; `on_signal_sent` (history lines, scheduling) runs before the
  // first look at whether the process is gone, so the stop is recorded after it.
  void stop_server_then(int signal, const std::function<void()>& on_signal_sent) {
    if (!server_running()) return;
    stopping_ = Stopping{signal, server_->incarnation(), std::chrono::steady_clock::now()};
    server_->signal(signal);
    if (on_signal_sent) on_signal_sent();
    poll_stopping_server();
  }

  void poll_stopping_server() {
    if (!stopping_ || finished_) return;
    if (server_->try_reap()) {
      record_requested_stop();
      if (restart_when_stopped_) start_server();
      return;
    }
    if (std::chrono::steady_clock::now() - stopping_->since > stop_grace_max) server_->escalate();
    stop_poll_timer_.expires_after(std::chrono::milliseconds(stop_poll_interval_ms));
    stop_poll_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) poll_stopping_server();
    });
  }

  // Looks often, so a crash is in the history at the time it happened (within the
  // interval) and nothing waits on a server that is gone: a dead server counts as stopped,
  // and the heal phase starts it again like one a step killed.
  void watch_for_unrequested_exit() {
    if (finished_) return;
    notice_unrequested_exit();
    exit_watch_timer_.expires_after(std::chrono::milliseconds(exit_watch_interval_ms));
    exit_watch_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) watch_for_unrequested_exit();
    });
  }

  void notice_unrequested_exit() {
    if (cluster_) return cluster_->notice_unrequested_exits();
    if (!server_ || stopping_ || !server_->running() || !server_->try_reap()) return;
    record_server_stopped(std::nullopt, server_->incarnation());
  }

  void record_requested_stop() {
    record_server_stopped(stopping_->signal, stopping_->incarnation);
    stopping_.reset();
  }

  // `sent_signal`: what a step or the end of the run sent; nothing when it exited unasked.
  // The stderr goes into the line only when the checker will call the stop a crash, so the
  // rule lives in one place (sim/checker/server_exits).
  void record_server_stopped(std::optional<int> sent_signal, int incarnation) {
    record_server_log();  // what it logged on its way out comes before its stop
    const ServerExit exit = server_->last_exit().value_or(ServerExit{});
    history::ServerStopped stopped;
    stopped.signal = sent_signal ? signal_name(*sent_signal) : "exit";
    stopped.incarnation = incarnation;
    stopped.requested = sent_signal.has_value();
    if (exit.exit_status) stopped.exit_status = *exit.exit_status;
    if (exit.exit_signal) stopped.exit_signal = signal_name(*exit.exit_signal);
    stopped.sanitizer_report = exit.sanitizer_report;
    stopped.escalated = exit.escalated;
    if (checker::why_server_stop_is_a_crash(stopped)) stopped.detail = exit_detail(exit);
    record(std::move(stopped));
  }

  // The embedded server's log lines that reached the relay, in the order it wrote them.
  void record_server_log() {
    if (cluster_) cluster_->record_server_logs();
    for (history::ServerLog& log : server_log_relay_->take()) record(std::move(log));
  }

  void record_server_started() {
    record(history::ServerStarted{server_->port(), server_->pid(), server_->incarnation()});
  }

  void preload() {
    server::SqliteMessageStore store({database_path_, server::Durability::process_crash});
    for (std::int64_t index = 0; index < scenario_.server.preload_messages; ++index) {
      store.insert("preloaded-" + std::to_string(index + 1), std::nullopt);
    }
    store.commit();
  }

  // Each client's sockets, made at its first pump (the proxy is up by then: clients act only
  // once the timeline has started).
  SocketChatClient& socket_of(ChatClient& client) {
    auto found = sockets_.find(client.name());
    if (found == sockets_.end()) {
      if (!proxy_ && !cluster_) {
        std::fprintf(stderr, "resync: invariant broken: client %s acted before the proxy was up\n", client.name().c_str());
        std::abort();
      }
      SocketChatClientHooks hooks;
      hooks.now_ms = [this] { return now_ms(); };
      hooks.on_record = [this](history::EventPayload line) { record(std::move(line)); };
      if (cluster_) {
        hooks.port_for_new_session = [this, name = client.name()] { return cluster_->client_port(session_node(name)); };
      }
      found = sockets_.emplace(client.name(), std::make_unique<SocketChatClient>(io_, client, "127.0.0.1", proxy_ ? proxy_->port() : std::uint16_t{0},
                                                                                 std::move(hooks))).first;
    }
    return *found->second;
  }

  const Scenario& scenario_;
  LiveRunOptions options_;
  asio::io_context io_;
  // When the timeline started; history times and steps count from it.
  std::optional<std::chrono::steady_clock::time_point> started_;
  // A stop under way: signalled, not yet reaped.
  struct Stopping {
    int signal = 0;
    int incarnation = 0;
    std::chrono::steady_clock::time_point since;
  };
  std::optional<Stopping> stopping_;
  bool restart_when_stopped_ = false;
  asio::steady_timer stop_poll_timer_{io_};
  static constexpr int stop_poll_interval_ms = 2;
  asio::steady_timer exit_watch_timer_{io_};
  static constexpr int exit_watch_interval_ms = 10;
  static constexpr auto stop_grace_max = std::chrono::seconds(10);
  // The audit's bounds: as quiet as the start-offset reader; a minute and a million rows, five
  // times what one scenario can store (preload and sends, scenario_bounds), so only a server
  // that never stops sending reaches them.
  static constexpr std::int64_t audit_duration_max_ms = 60000;
  // A convergence check is a glance, not the audit: a log that takes longer is still moving.
  static constexpr std::int64_t convergence_read_duration_max_ms = 5000;
  static constexpr std::size_t audit_rows_max = 1000000;
  // Where the target's log ended before the run (learn_start_offset); 0 for a server we start.
  std::int64_t start_offset_ = 0;
  std::string database_path_;
  std::string history_path_;
  std::optional<history::HistoryWriter> history_;  // unset when the file could not be created
  std::shared_ptr<ServerLogRelay> server_log_relay_;  // the embedded server's stderr lines, to record
  std::unique_ptr<ServerProcess> server_;
  // Declared after server_: lifted (destroyed) before the server process is.
  DatabaseWriteLock database_lock_;
  FileSizeLimit file_size_limit_;
  TargetAddress target_;
  std::unique_ptr<RunProxy> proxy_;
  // A cluster run (server.is_cluster()): its processes and listeners, and each client's node.
  std::unique_ptr<LiveCluster> cluster_;
  std::map<std::string, int> session_nodes_;
  std::map<std::string, std::unique_ptr<SocketChatClient>> sockets_;
  OrderedTimerQueue timeline_{io_};  // the steps and everything scheduled at a timeline instant
  // Microsecond delays after a protocol trigger (stop_server_on_trigger): one per fired fault.
  std::vector<std::shared_ptr<asio::steady_timer>> timers_;
  asio::steady_timer abandon_timer_{io_};
  bool finished_ = false;
  bool abandoned_ = false;
};

}  // namespace

std::string run_scenario_live(const Scenario& scenario, const LiveRunOptions& options) {
  return run_scenario_live_bounded(scenario, options).history_path;
}

LiveRunResult run_scenario_live_bounded(const Scenario& scenario, const LiveRunOptions& options) {
  LiveEnvironment environment(scenario, options);
  std::string history_path = environment.run();
  return {std::move(history_path), environment.abandoned()};
}

}  // namespace resync::sim
