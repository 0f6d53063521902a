#include "sim/client/chat_client.hpp"
#include "sim/history/history_json.hpp"

#include <gtest/gtest.h>

#include "sim/client/tests/rendered_ids.hpp"
#include <rapidcheck/gtest.h>

#include "server/core/chat_server_core.hpp"
#include "server/core/sqlite_message_store.hpp"

namespace resync::sim {
namespace {

using testing::rendered_ids;

// Wires clients to the real server core through an in-memory "network" that can drop a
// connection: enough to test the client's protocol and delivery logic without sockets.
class Loopback {
 public:
  explicit Loopback(server::ServerConfig config = {}) : store_({":memory:", server::Durability::full}), core_(config, store_) {}

  ChatClient& add_client(ClientSpec spec) {
    clients_.push_back(std::make_unique<ChatClient>(std::move(spec), ClientProtocolNames{}, 42));
    return *clients_.back();
  }

  // Runs everything that is due until nothing moves, with time advancing to deadlines up to `until_ms`.
  void run_until(std::int64_t until_ms) {
    while (true) {
      pump();
      std::optional<std::int64_t> next = core_.next_deadline_ms();
      for (auto& client : clients_) {
        const auto deadline = client->next_deadline_ms();
        if (deadline && (!next || *deadline < *next)) next = deadline;
      }
      if (!next || *next > until_ms) {
        now_ms = until_ms;
        return;
      }
      now_ms = std::max(now_ms, *next);
      core_.on_timer(now_ms);
      for (auto& client : clients_) client->on_timer(now_ms);
    }
  }

  // Drops the connection of a client without either side being told (a blackhole), or with both told (a reset).
  void reset_connection(const ChatClient& client) {
    for (auto& [session, link] : links_) {
      if (link.client == &client && link.open) {
        link.open = false;
        core_.on_session_closed(session, now_ms);
        link.client->on_transport_closed(link.transport, "transport error", now_ms);
      }
    }
  }

  // From now on, what the server sends on this client's open connections is lost on the
  // way (a downstream blackhole): the server reads the client, the client hears nothing.
  void swallow_server_frames_to(const ChatClient& client) {
    for (auto& [session, link] : links_) {
      if (link.client == &client && link.open) link.swallow_server_frames = true;
    }
  }

  // The rows the server committed, as the checker would read them from the database.
  std::vector<server::StoredMessage> stored_rows() { return store_.read_range(0, 1'000'000, 1000); }

  // The history events of one type for one client, in order.
  std::vector<nlohmann::json> events(const std::string& client, const std::string& type) const {
    std::vector<nlohmann::json> found;
    for (const auto& event : history) {
      if (event["client"] == client && event["type"] == type) found.push_back(event);
    }
    return found;
  }

  std::vector<nlohmann::json> history;
  std::int64_t now_ms = 0;

 private:
  struct Link {
    ChatClient* client = nullptr;
    TransportId transport = 0;
    bool open = false;
    bool swallow_server_frames = false;
  };

  void deliver_to_client(server::SessionId session, const std::string& text) {
    Link& link = links_.at(session);
    if (link.open && !link.swallow_server_frames) link.client->on_text_frame(link.transport, text, now_ms);
    core_.on_output_drained(session, now_ms);
  }

  void pump() {
    for (int round = 0; round < 10000; ++round) {
      bool moved = false;
      for (auto& client : clients_) {
        for (auto& action : client->take_actions()) {
          moved = true;
          if (auto* open = std::get_if<OpenTransport>(&action)) {
            const server::SessionId session = next_session_++;
            links_[session] = Link{client.get(), open->transport, true};
            client->on_transport_open(open->transport, now_ms);
            core_.on_session_opened(session, {}, now_ms);
          } else if (auto* frame = std::get_if<SendFrame>(&action)) {
            for (auto& [session, link] : links_) {
              if (link.client == client.get() && link.transport == frame->transport && link.open) {
                core_.on_text_frame(session, frame->text, now_ms);
              }
            }
          } else if (auto* close = std::get_if<CloseTransport>(&action)) {
            for (auto& [session, link] : links_) {
              if (link.client == client.get() && link.transport == close->transport && link.open) {
                link.open = false;
                core_.on_session_closed(session, now_ms);
              }
            }
          } else if (auto* record = std::get_if<RecordEvent>(&action)) {
            // As a JSON line (the writer's own encoding), for tests that look at fields.
            history.push_back(resync::history::encode_event(resync::history::HistoryEvent{now_ms, record->event, 0}));
          }
        }
      }
      for (auto& action : core_.take_actions()) {
        moved = true;
        if (auto* request = std::get_if<server::CommitRequest>(&action)) {
          core_.on_commit_completed(server::run_commit_group(store_, *request), now_ms);  // an instant fsync
        } else if (auto* send = std::get_if<server::SendPacket>(&action)) {
          deliver_to_client(send->session, send->text);
        } else if (auto* broadcast = std::get_if<server::BroadcastPacket>(&action)) {
          for (const server::SessionId session : broadcast->sessions) deliver_to_client(session, broadcast->text);
        } else if (auto* close = std::get_if<server::CloseSession>(&action)) {
          Link& link = links_.at(close->session);
          if (link.open) {
            link.open = false;
            link.client->on_transport_closed(link.transport, "transport close", now_ms);
          }
        }
      }
      if (!moved) return;
    }
    FAIL() << "the loopback did not settle";
  }

  server::SqliteMessageStore store_;
  server::ChatServerCore core_;
  std::vector<std::unique_ptr<ChatClient>> clients_;
  std::map<server::SessionId, Link> links_;
  server::SessionId next_session_ = 1;
};

ClientSpec named(std::string name, SendMode mode = SendMode::plain) {
  ClientSpec spec;
  spec.name = std::move(name);
  spec.send_mode = mode;
  spec.policy = ClientPolicy::dedupe;
  return spec;
}

TEST(ChatClient, ConnectsSendsAndRendersTheBroadcastWithItsId) {
  Loopback network;
  ChatClient& alice = network.add_client(named("alice"));
  ChatClient& bob = network.add_client(named("bob"));
  alice.connect(0);
  bob.connect(0);
  network.run_until(10);
  ASSERT_TRUE(alice.connected());
  alice.send("hello", network.now_ms);
  network.run_until(20);
  EXPECT_EQ(rendered_ids(alice), std::vector<std::int64_t>{1});
  EXPECT_EQ(rendered_ids(bob), std::vector<std::int64_t>{1});
  EXPECT_EQ(bob.rendered().at(0).content, "hello");
  EXPECT_EQ(bob.server_offset(), 1);
}

TEST(ChatClient, PlainEmitsWhileDisconnectedAreBufferedAndSentOnConnect) {
  Loopback network;
  ChatClient& alice = network.add_client(named("alice"));
  alice.send("early", 0);
  alice.connect(0);
  network.run_until(10);
  EXPECT_EQ(rendered_ids(alice), std::vector<std::int64_t>{1});
}

TEST(ChatClient, ReconnectsWithBackoffAndCatchesUpFromItsOffset) {
  Loopback network;
  ChatClient& alice = network.add_client(named("alice"));
  ChatClient& bob = network.add_client(named("bob"));
  alice.connect(0);
  bob.connect(0);
  network.run_until(10);
  alice.send("one", network.now_ms);
  network.run_until(20);
  network.reset_connection(bob);
  EXPECT_FALSE(bob.connected());
  alice.send("two", network.now_ms);
  alice.send("three", network.now_ms);
  network.run_until(200);
  EXPECT_FALSE(bob.connected()) << "the first retry waits about reconnectionDelay (500..1500 ms)";
  network.run_until(2000);
  EXPECT_TRUE(bob.connected());
  EXPECT_EQ(rendered_ids(bob), (std::vector<std::int64_t>{1, 2, 3}));
}

// The server stores the send but its ack is lost; the connection then drops. The client
// reconnects, resends the same clientOffset, and the server acks it from the UNIQUE column
// without storing or broadcasting it again.
TEST(ChatClient, AckedSendRetriesAfterReconnectAndIsStoredOnce) {
  Loopback network;
  ClientSpec spec = named("alice", SendMode::acked);
  spec.ack_timeout_ms = 10'000;  // longer than the test: only the reconnect can cause the retry
  ChatClient& alice = network.add_client(spec);
  ChatClient& bob = network.add_client(named("bob"));
  alice.connect(0);
  bob.connect(0);
  network.run_until(10);
  ASSERT_TRUE(alice.connected());
  network.swallow_server_frames_to(alice);
  alice.send("important", network.now_ms);
  network.run_until(20);
  ASSERT_EQ(network.stored_rows().size(), 1u) << "the server read and stored the first try";
  EXPECT_FALSE(alice.settled()) << "its ack was lost";

  network.reset_connection(alice);
  EXPECT_FALSE(alice.connected());
  network.run_until(3000);
  ASSERT_TRUE(alice.connected());
  EXPECT_TRUE(alice.settled());

  const auto sent = network.events("alice", "sent");
  ASSERT_EQ(sent.size(), 2u) << "one try before the drop, one after the reconnect";
  EXPECT_EQ(sent[0]["attempt"], 1);
  EXPECT_EQ(sent[1]["attempt"], 2);
  EXPECT_EQ(sent[0]["client_offset"], sent[1]["client_offset"]) << "a retry keeps its clientOffset";
  EXPECT_EQ(network.events("alice", "connected").size(), 2u);
  EXPECT_EQ(network.events("alice", "acked").size(), 1u);
  const auto rows = network.stored_rows();
  ASSERT_EQ(rows.size(), 1u) << "stored once";
  EXPECT_EQ(rows[0].client_offset, sent[0]["client_offset"].get<std::string>());
  EXPECT_EQ(rendered_ids(alice), std::vector<std::int64_t>{1}) << "alice catches up on id 1 after the reconnect";
  EXPECT_EQ(network.events("bob", "received").size(), 1u) << "the retry is not broadcast again";
}

// A reload is a new page: the rendered list and the offset go, the socket reconnects with
// serverOffset 0 and the whole history arrives again, rendered afresh.
TEST(ChatClient, ReloadForgetsTheRenderedListAndCatchesUpFromZero) {
  Loopback network;
  ChatClient& alice = network.add_client(named("alice"));
  alice.connect(0);
  network.run_until(10);
  alice.send("a", network.now_ms);
  alice.send("b", network.now_ms);
  network.run_until(20);
  ASSERT_EQ(rendered_ids(alice), (std::vector<std::int64_t>{1, 2}));
  ASSERT_EQ(alice.server_offset(), 2);
  const std::size_t events_before_reload = network.history.size();

  alice.reload(network.now_ms);
  EXPECT_TRUE(alice.rendered().empty()) << "the page forgot what it showed";
  EXPECT_EQ(alice.server_offset(), 0) << "and its offset";
  network.run_until(40);
  EXPECT_EQ(rendered_ids(alice), (std::vector<std::int64_t>{1, 2})) << "a reload shows the full history once";

  // What happened after the reload: a reloaded event, a connect from offset 0, and ids 1, 2
  // received again and rendered (not skipped as already seen).
  const std::vector<nlohmann::json> after(network.history.begin() + static_cast<std::ptrdiff_t>(events_before_reload),
                                          network.history.end());
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after.front()["type"], "reloaded");
  std::vector<std::int64_t> connect_offsets;
  std::vector<std::int64_t> rendered_again;
  for (const auto& event : after) {
    if (event["type"] == "connected") connect_offsets.push_back(event["server_offset"].get<std::int64_t>());
    if (event["type"] == "received" && event["rendered"].get<bool>()) rendered_again.push_back(event["id"].get<std::int64_t>());
  }
  EXPECT_EQ(connect_offsets, std::vector<std::int64_t>{0});
  EXPECT_EQ(rendered_again, (std::vector<std::int64_t>{1, 2}));
}

TEST(ChatClient, WithRecoveryItReturnsWithPidAndOffsetAndGetsExactlyTheMissedEvents) {
  server::ServerConfig config;
  config.recovery_enabled = true;
  Loopback network(config);
  ClientSpec spec = named("alice");
  spec.connection_state_recovery = true;
  ChatClient& alice = network.add_client(spec);
  ChatClient& bob = network.add_client(named("bob"));
  alice.connect(0);
  bob.connect(0);
  network.run_until(10);
  bob.send("one", network.now_ms);
  bob.send("two", network.now_ms);
  network.run_until(20);
  network.reset_connection(alice);
  bob.send("three", network.now_ms);
  network.run_until(2000);
  ASSERT_TRUE(alice.connected());
  EXPECT_EQ(rendered_ids(alice), (std::vector<std::int64_t>{1, 2, 3}));
  std::vector<bool> recovered;
  for (const auto& event : network.history) {
    if (event["type"] == "connected" && event["client"] == "alice") recovered.push_back(event["recovered"].get<bool>());
  }
  EXPECT_EQ(recovered, (std::vector<bool>{false, true})) << "the second connect is a recovery";
}

TEST(ChatClient, WithoutRecoveryItSendsOnlyItsOffset) {
  server::ServerConfig config;
  config.recovery_enabled = true;
  Loopback network(config);
  ChatClient& alice = network.add_client(named("alice"));
  alice.connect(0);
  network.run_until(10);
  alice.send("one", network.now_ms);
  network.run_until(20);
  network.reset_connection(alice);
  network.run_until(2000);
  ASSERT_TRUE(alice.connected());
  EXPECT_EQ(rendered_ids(alice), std::vector<std::int64_t>{1});
  for (const auto& event : network.history) {
    if (event["type"] == "connected") {
      EXPECT_FALSE(event["recovered"].get<bool>());
    }
  }
}

TEST(ChatClient, BackoffFollowsSocketIoClientDefaults) {
  SeededRandom random(7);
  ReconnectBackoff backoff(1000, 5000, 0.5);
  const std::vector<std::pair<std::int64_t, std::int64_t>> bounds = {{500, 1500}, {1000, 3000}, {2000, 5000}, {4000, 5000}, {5000, 5000}};
  for (const auto& [low, high] : bounds) {
    const std::int64_t delay = backoff.next_delay_ms(random);
    EXPECT_GE(delay, low);
    EXPECT_LE(delay, high);
  }
}

// A server under test that replays events but never sends its CONNECT reply must not grow
// the client's receive buffer without end: past the limit the client drops the transport,
// reports the server's fault and reconnects later.
TEST(ChatClient, EventsBeforeAConnectReplyBeyondTheLimitDropTheTransport) {
  ClientSpec spec;
  spec.name = "alice";
  ChatClient client(spec, ClientProtocolNames{}, 42);
  client.connect(0);
  client.take_actions();
  client.on_text_frame(1, R"(0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})", 1);
  client.take_actions();
  for (std::size_t i = 0; i < ChatClient::receive_buffer_events_max; ++i) {
    client.on_text_frame(1, R"(42["chat message","hi",)" + std::to_string(i + 1) + "]", 2);
  }
  EXPECT_EQ(client.buffered_receive_events(), ChatClient::receive_buffer_events_max);
  EXPECT_TRUE(client.take_actions().empty());
  client.on_text_frame(1, R"(42["chat message","one too many",100001])", 3);
  EXPECT_EQ(client.buffered_receive_events(), 0U);
  EXPECT_FALSE(client.connected());
  bool closed = false;
  std::string connect_error;
  for (const ClientAction& action : client.take_actions()) {
    closed |= std::holds_alternative<CloseTransport>(action);
    if (const auto* record = std::get_if<RecordEvent>(&action)) {
      if (const auto* error = std::get_if<history::ClientConnectError>(&record->event)) connect_error = error->message;
    }
  }
  EXPECT_TRUE(closed);
  EXPECT_NE(connect_error.find("before its CONNECT reply"), std::string::npos) << connect_error;
  EXPECT_TRUE(client.next_deadline_ms().has_value()) << "it reconnects later";
}

}  // namespace
}  // namespace resync::sim
