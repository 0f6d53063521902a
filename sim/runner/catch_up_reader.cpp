#include "sim/runner/catch_up_reader.hpp"

#include <chrono>
#include <map>

#include <boost/asio/io_context.hpp>

#include "sim/runner/socket_chat_client.hpp"

namespace resync::sim {

namespace asio = boost::asio;

namespace {

// How long one turn of the io loop may block before the quiet rule is looked at again.
constexpr auto poll_interval = std::chrono::milliseconds(20);

// The ChatClient does the protocol (handshake, heartbeats, the chat event's arguments); this
// shell only moves its frames and watches its history records.
class CatchUpReader {
 public:
  // `keep_rows`: the audit keeps every row; the start-offset reader only counts them, since
  // a long-lived server's whole history may be far larger than any log a run judges.
  CatchUpReader(const std::string& host, std::uint16_t port, const ClientProtocolNames& names, const CatchUpLimits& limits,
                std::int64_t from_offset, bool keep_rows)
      : host_(host), port_(port), limits_(limits), keep_rows_(keep_rows), client_(reader_spec(keep_rows), names, 1),
        socket_(io_, client_, host, port, hooks()) {
    if (from_offset > 0) client_.start_from(from_offset);
  }

  // The highest id and the message count, or why the catch-up could not be read.
  std::variant<CatchUpEnd, std::string> run() {
    client_.connect(now_ms());
    socket_.pump();
    while (!failure_) {
      const std::int64_t now = now_ms();
      if (connected_at_ms_ && now - std::max(*connected_at_ms_, last_message_ms_) >= limits_.quiet_ms) break;
      if (now >= limits_.duration_max_ms) {
        failure_ = "the catch-up of " + std::string(connected_at_ms_ ? "" : "(never connected) ") + host_ + ":" +
                   std::to_string(port_) + " did not go quiet for " + std::to_string(limits_.quiet_ms) + " ms within " +
                   std::to_string(limits_.duration_max_ms) + " ms (" + std::to_string(end_.message_count) + " messages read)";
        break;
      }
      io_.run_for(poll_interval);
      if (io_.stopped()) io_.restart();
    }
    socket_.close_all();
    if (failure_) return *failure_;
    end_.highest_id = client_.server_offset();
    return end_;
  }

  // What run() kept, when keeping rows.
  const std::map<std::int64_t, std::string>& rows() const { return rows_; }

 private:
  // The dedupe policy keeps the highest id as its offset, whatever order the catch-up has.
  // The name is the client's tag in its handshake query, so a server's log shows who asked.
  static ClientSpec reader_spec(bool audit) {
    ClientSpec spec;
    spec.name = audit ? "resync-log-audit" : "resync-start-offset-probe";
    spec.policy = ClientPolicy::dedupe;
    return spec;
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  }

  SocketChatClientHooks hooks() {
    SocketChatClientHooks hooks;
    hooks.now_ms = [this] { return now_ms(); };
    hooks.on_record = [this](const history::EventPayload& record) { notice(record); };
    hooks.on_closed = [this](const std::string& reason) {
      if (!connected_at_ms_) failure_ = "cannot connect to " + host_ + ":" + std::to_string(port_) + ": " + reason;
    };
    return hooks;
  }

  void notice(const history::EventPayload& event) {
    if (std::holds_alternative<history::ClientConnected>(event)) {
      connected_at_ms_ = now_ms();
    } else if (const auto* received = std::get_if<history::MessageReceived>(&event)) {
      ++end_.message_count;
      last_message_ms_ = now_ms();
      if (keep_rows_ && !failure_) keep_row(*received);
    } else if (const auto* refused = std::get_if<history::ClientConnectError>(&event)) {
      failure_ = "the server refused the reader's CONNECT: " + refused->message;
    } else if (const auto* disconnected = std::get_if<history::ClientDisconnected>(&event); disconnected && connected_at_ms_) {
      // A catch-up cut short would give a start offset too low: say so instead of guessing.
      failure_ = "the server closed the reader's connection during its catch-up (" + disconnected->reason + ")";
    }
  }

  // A repeated id keeps its first content: the history's log holds each id once, and the
  // clients' own renderings show a server that repeats itself.
  void keep_row(const history::MessageReceived& event) {
    const std::int64_t id = event.id;
    if (rows_.contains(id)) return;
    if (rows_.size() == limits_.rows_max) {
      failure_ = "the catch-up of " + host_ + ":" + std::to_string(port_) + " carried more than " +
                 std::to_string(limits_.rows_max) + " rows (the audit's limit)";
      return;
    }
    rows_.emplace(id, event.content);
  }

  std::string host_;
  std::uint16_t port_;
  CatchUpLimits limits_;
  bool keep_rows_ = false;
  std::map<std::int64_t, std::string> rows_;
  asio::io_context io_;
  ChatClient client_;
  SocketChatClient socket_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::optional<std::int64_t> connected_at_ms_;
  std::int64_t last_message_ms_ = 0;
  CatchUpEnd end_;
  std::optional<std::string> failure_;
};

}  // namespace

std::variant<CatchUpEnd, std::string> read_catch_up_end(const std::string& host, std::uint16_t port,
                                                        const ClientProtocolNames& names, const CatchUpLimits& limits) {
  return CatchUpReader(host, port, names, limits, 0, false).run();
}

std::variant<CatchUpRows, std::string> read_catch_up_rows(const std::string& host, std::uint16_t port,
                                                          const ClientProtocolNames& names, std::int64_t from_offset,
                                                          const CatchUpLimits& limits) {
  CatchUpReader reader(host, port, names, limits, from_offset, true);
  const auto end = reader.run();
  if (const auto* error = std::get_if<std::string>(&end)) return *error;
  CatchUpRows read;
  read.from_offset = from_offset;
  read.message_count = std::get<CatchUpEnd>(end).message_count;
  read.rows.reserve(reader.rows().size());
  for (const auto& [id, content] : reader.rows()) read.rows.push_back({id, content});
  return read;
}

}  // namespace resync::sim
