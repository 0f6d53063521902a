// Long-polling for one ChatClient transport over HTTP/1.1 bytes: against canned responses
// (framing, errors, keep-alive) and against the real server core's polling answers.
#include "sim/client/polling_client_transport.hpp"

#include <gtest/gtest.h>

#include "sim/client/tests/rendered_ids.hpp"

#include <map>

#include "protocol/engineio_packet.hpp"
#include "server/core/chat_server_core.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "sim/client/chat_client.hpp"
#include "sim/client/http_response_reader.hpp"

namespace resync::sim {
namespace {

using testing::rendered_ids;

namespace engineio = protocol::engineio;

std::string http_response(int status, std::string_view body, std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: text/plain; charset=UTF-8\r\n" +
         std::string(extra_headers) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

const std::string kOpenPacket =
    R"(0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000})";

// ---- HttpResponseReader ----

TEST(HttpResponseReader, ReadsResponsesSplitAnywhereAndSeveralInOneRead) {
  HttpResponseReader reader(1000);
  const std::string both = http_response(200, "ok") + http_response(400, R"({"code":1})", "Connection: close\r\n");
  for (std::size_t cut = 0; cut <= both.size(); ++cut) {
    HttpResponseReader split(1000);
    split.feed(std::string_view(both).substr(0, cut));
    split.feed(std::string_view(both).substr(cut));
    auto first = split.take();
    auto second = split.take();
    ASSERT_TRUE(first && second) << "cut at " << cut;
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->body, "ok");
    EXPECT_TRUE(first->keep_alive);
    EXPECT_EQ(second->status, 400);
    EXPECT_EQ(second->body, R"({"code":1})");
    EXPECT_FALSE(second->keep_alive);
    EXPECT_FALSE(split.take());
    EXPECT_FALSE(split.error());
  }
}

TEST(HttpResponseReader, WhatItCannotFrameIsAnErrorValue) {
  const std::vector<std::string> broken = {
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\n\r\n",  // no Content-Length
      "SSH-2.0-OpenSSH\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n",  // over the body limit
      "HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok",     // not all digits
      "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok",   // a list
      "HTTP/1.1 200 OK\r\n" + std::string(HttpResponseReader::kHeadBytesMax, 'x'),
  };
  for (const std::string& bytes : broken) {
    HttpResponseReader reader(1000);
    reader.feed(bytes);
    EXPECT_TRUE(reader.error().has_value()) << bytes.substr(0, 60);
    EXPECT_FALSE(reader.take().has_value());
  }
}

// ---- PollingClientTransport against canned responses ----

struct Recorded {
  std::vector<PollingConnectionId> opened;
  std::vector<PollingConnectionId> closed;
  std::map<PollingConnectionId, std::string> written;
  std::vector<std::string> packets;
  bool transport_open = false;
  std::vector<std::string> closed_reasons;
};

void record(PollingClientTransport& transport, Recorded& into) {
  for (PollingAction& action : transport.take_actions()) {
    if (auto* open = std::get_if<OpenPollingConnection>(&action)) into.opened.push_back(open->connection);
    if (auto* write = std::get_if<WritePollingBytes>(&action)) into.written[write->connection] += write->bytes;
    if (auto* close = std::get_if<ClosePollingConnection>(&action)) into.closed.push_back(close->connection);
    if (auto* packet = std::get_if<DeliverPacket>(&action)) into.packets.push_back(packet->text);
    if (std::holds_alternative<PollingTransportOpen>(action)) into.transport_open = true;
    if (auto* closed = std::get_if<PollingTransportClosed>(&action)) into.closed_reasons.push_back(closed->reason);
  }
}

PollingClientTransport make_transport() {
  return PollingClientTransport(PollingTransportOptions{"127.0.0.1:3000", "EIO=4&transport=polling&tag=alice"});
}

// Opens and answers the handshake; afterwards connection 1 holds the next GET.
void handshake(PollingClientTransport& transport, Recorded& recorded) {
  transport.open();
  record(transport, recorded);
  transport.on_bytes(1, http_response(200, kOpenPacket));
  record(transport, recorded);
}

TEST(PollingClientTransport, TheHandshakeGetLearnsTheSidAndTheNextGetCarriesIt) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  transport.open();
  record(transport, recorded);
  ASSERT_EQ(recorded.opened, std::vector<PollingConnectionId>{1});
  EXPECT_EQ(recorded.written[1],
            "GET /socket.io/?EIO=4&transport=polling&tag=alice HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept: */*\r\n\r\n");
  recorded.written.clear();
  transport.on_bytes(1, http_response(200, kOpenPacket + "\x1e" + "40"));
  record(transport, recorded);
  EXPECT_TRUE(recorded.transport_open);
  EXPECT_EQ(transport.session_id(), "abc");
  EXPECT_EQ(recorded.packets, (std::vector<std::string>{kOpenPacket, "40"}));
  // Keep-alive: the held GET reuses connection 1.
  EXPECT_EQ(recorded.opened, std::vector<PollingConnectionId>{1});
  EXPECT_EQ(recorded.written[1],
            "GET /socket.io/?EIO=4&transport=polling&tag=alice&sid=abc HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nAccept: */*\r\n\r\n");
}

TEST(PollingClientTransport, PacketsGoInOnePostAtATimeOnTheSecondConnection) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  handshake(transport, recorded);
  transport.send("40");
  transport.send("42[\"chat message\",\"hi\"]");  // waits: one POST in flight
  record(transport, recorded);
  ASSERT_EQ(recorded.opened, (std::vector<PollingConnectionId>{1, 2}));
  EXPECT_EQ(recorded.written[2],
            "POST /socket.io/?EIO=4&transport=polling&tag=alice&sid=abc HTTP/1.1\r\nHost: 127.0.0.1:3000\r\n"
            "Content-Type: text/plain;charset=UTF-8\r\nContent-Length: 2\r\n\r\n40");
  recorded.written.clear();
  transport.send("3");
  transport.on_bytes(2, http_response(200, "ok"));
  record(transport, recorded);
  const std::string body = "42[\"chat message\",\"hi\"]\x1e" "3";
  EXPECT_EQ(recorded.written[2], "POST /socket.io/?EIO=4&transport=polling&tag=alice&sid=abc HTTP/1.1\r\nHost: "
                                 "127.0.0.1:3000\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body);
  EXPECT_TRUE(recorded.closed_reasons.empty());
}

TEST(PollingClientTransport, AConnectionTheServerClosesAfterItsAnswerIsReplacedForTheNextGet) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  transport.open();
  record(transport, recorded);
  transport.on_bytes(1, http_response(200, kOpenPacket, "Connection: close\r\n"));
  record(transport, recorded);
  EXPECT_EQ(recorded.closed, std::vector<PollingConnectionId>{1});
  EXPECT_EQ(recorded.opened, (std::vector<PollingConnectionId>{1, 2}));
  EXPECT_NE(recorded.written[2].find("&sid=abc "), std::string::npos);
  transport.on_connection_closed(1);  // the old one's end is no error
  record(transport, recorded);
  EXPECT_TRUE(recorded.closed_reasons.empty());
  EXPECT_TRUE(transport.is_open());
}

TEST(PollingClientTransport, ARefusedGetClosesTheTransportAsSocketIoClientSaysIt) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  handshake(transport, recorded);
  transport.on_bytes(1, http_response(400, R"({"code":1,"message":"Session ID unknown"})"));
  record(transport, recorded);
  EXPECT_EQ(recorded.closed_reasons, std::vector<std::string>{"transport error (xhr poll error)"});
  EXPECT_TRUE(transport.is_closed());
  transport.send("3");  // nothing happens after the end
  transport.on_bytes(1, http_response(200, "2"));
  Recorded after;
  record(transport, after);
  EXPECT_TRUE(after.written.empty() && after.packets.empty() && after.closed_reasons.empty());
}

TEST(PollingClientTransport, AFailedPostIsAnXhrPostError) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  handshake(transport, recorded);
  transport.send("40");
  record(transport, recorded);
  transport.on_bytes(2, http_response(400, R"({"code":3,"message":"Bad request"})"));
  record(transport, recorded);
  EXPECT_EQ(recorded.closed_reasons, std::vector<std::string>{"transport error (xhr post error)"});
  // Both connections are let go.
  EXPECT_EQ(recorded.closed, (std::vector<PollingConnectionId>{1, 2}));
}

TEST(PollingClientTransport, AConnectionLostWithItsRequestUnansweredIsATransportError) {
  PollingClientTransport refused = make_transport();
  Recorded before_open;
  refused.open();
  refused.on_connection_closed(1);  // connect refused: the handshake GET is lost
  record(refused, before_open);
  EXPECT_EQ(before_open.closed_reasons, std::vector<std::string>{"transport error (xhr poll error)"});

  PollingClientTransport reset = make_transport();
  Recorded recorded;
  handshake(reset, recorded);
  reset.on_bytes(1, http_response(200, "2").substr(0, 10));  // half an answer, then a reset
  reset.on_connection_closed(1);
  record(reset, recorded);
  EXPECT_EQ(recorded.closed_reasons, std::vector<std::string>{"transport error (xhr poll error)"});
}

TEST(PollingClientTransport, TheServersClosePacketEndsPollingWithoutATransportError) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  handshake(transport, recorded);
  recorded.written.clear();
  transport.on_bytes(1, http_response(200, "1"));
  record(transport, recorded);
  EXPECT_EQ(recorded.packets.back(), "1");  // the ChatClient reads it, as on a WebSocket
  EXPECT_TRUE(recorded.closed_reasons.empty());
  EXPECT_TRUE(recorded.written.empty());  // no next GET
  EXPECT_TRUE(transport.is_closed());
}

TEST(PollingClientTransport, CloseSendsTheClosePacketAfterWhatIsBuffered) {
  PollingClientTransport transport = make_transport();
  Recorded recorded;
  handshake(transport, recorded);
  transport.send("41");
  record(transport, recorded);
  recorded.written.clear();
  transport.close();
  record(transport, recorded);
  EXPECT_EQ(recorded.closed, std::vector<PollingConnectionId>{1});  // the held GET is abandoned
  EXPECT_TRUE(recorded.written.empty());                            // "1" waits for the "ok" of "41"
  transport.on_bytes(2, http_response(200, "ok"));
  record(transport, recorded);
  EXPECT_TRUE(recorded.written[2].ends_with("Content-Length: 1\r\n\r\n1"));
  transport.on_bytes(2, http_response(200, "ok"));
  record(transport, recorded);
  EXPECT_EQ(recorded.closed, (std::vector<PollingConnectionId>{1, 2}));
  EXPECT_TRUE(recorded.closed_reasons.empty());
  EXPECT_TRUE(transport.is_closed());
}

// ---- Against the real server core ----

// The server's HTTP shell for polling in miniature (server/shell/http_session.cpp): parses
// the transport's requests, drives the real ChatServerCore and frames its answers.
class PollingLoopback {
 public:
  PollingLoopback() : store_({":memory:", server::Durability::full}), core_(server::ServerConfig{}, store_) {}

  ChatClient& add_client(ClientSpec spec) {
    spec.transport = ClientTransport::polling;
    clients_.push_back(std::make_unique<ChatClient>(std::move(spec), ClientProtocolNames{}, 42));
    return *clients_.back();
  }

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

  // Cuts every HTTP connection of the client (a reset both ends see).
  void reset_connections_of(const ChatClient& client) {
    for (auto& [key, connection] : connections_) {
      if (key.first == &client && connection.open) {
        connection.open = false;
        to_client_.push_back({key, std::nullopt});
      }
    }
  }

  std::vector<history::EventPayload> history;
  std::int64_t now_ms = 0;
  std::size_t requests = 0;

 private:
  using Key = std::pair<const ChatClient*, PollingConnectionId>;
  struct Connection {
    std::string in;
    bool open = true;
  };
  struct Link {
    ChatClient* client = nullptr;
    TransportId transport = 0;
    std::unique_ptr<PollingClientTransport> polling;
  };

  void pump() {
    for (int round = 0; round < 100000; ++round) {
      bool moved = false;
      for (auto& client : clients_) {
        for (ClientAction& action : client->take_actions()) {
          moved = true;
          if (auto* open = std::get_if<OpenTransport>(&action)) {
            ASSERT_EQ(open->kind, ClientTransport::polling);
            Link& link = links_[client.get()];
            link = Link{client.get(), open->transport,
                        std::make_unique<PollingClientTransport>(PollingTransportOptions{"server", open->query})};
            link.polling->open();
          } else if (auto* frame = std::get_if<SendFrame>(&action)) {
            Link& link = links_[client.get()];
            if (link.transport == frame->transport) link.polling->send(frame->text);
          } else if (auto* close = std::get_if<CloseTransport>(&action)) {
            Link& link = links_[client.get()];
            if (link.transport == close->transport && link.polling) link.polling->close();
          } else if (auto* event = std::get_if<RecordEvent>(&action)) {
            history.push_back(event->event);
          }
        }
      }
      for (auto& [client, link] : links_) {
        if (!link.polling) continue;
        for (PollingAction& action : link.polling->take_actions()) {
          moved = true;
          carry(link, action);
        }
      }
      for (server::Action& action : core_.take_actions()) {
        moved = true;
        if (auto* request = std::get_if<server::CommitRequest>(&action)) {
          core_.on_commit_completed(server::run_commit_group(store_, *request), now_ms);  // an instant fsync
        }
        if (auto* answer = std::get_if<server::AnswerPoll>(&action)) respond_to_held_get(answer->session, answer->body);
        if (auto* close = std::get_if<server::CloseSession>(&action)) {
          respond_to_held_get(close->session, engineio::encode_packet(engineio::PacketType::close));
        }
      }
      for (auto& [key, bytes] : std::exchange(to_client_, {})) {
        moved = true;
        Link& link = links_[const_cast<ChatClient*>(key.first)];
        if (!link.polling) continue;
        if (bytes) link.polling->on_bytes(key.second, *bytes);
        else link.polling->on_connection_closed(key.second);
      }
      if (!moved) return;
    }
    FAIL() << "the polling loopback did not settle";
  }

  void carry(Link& link, PollingAction& action) {
    if (auto* open = std::get_if<OpenPollingConnection>(&action)) {
      connections_[{link.client, open->connection}] = Connection{};
    } else if (auto* write = std::get_if<WritePollingBytes>(&action)) {
      Connection& connection = connections_.at({link.client, write->connection});
      if (!connection.open) return;
      connection.in += write->bytes;
      serve({link.client, write->connection}, connection);
    } else if (auto* close = std::get_if<ClosePollingConnection>(&action)) {
      connections_.at({link.client, close->connection}).open = false;
    } else if (auto* packet = std::get_if<DeliverPacket>(&action)) {
      link.client->on_text_frame(link.transport, packet->text, now_ms);
    } else if (std::holds_alternative<PollingTransportOpen>(action)) {
      link.client->on_transport_open(link.transport, now_ms);
    } else if (auto* closed = std::get_if<PollingTransportClosed>(&action)) {
      link.client->on_transport_closed(link.transport, closed->reason, now_ms);
    }
  }

  void serve(const Key& key, Connection& connection) {
    while (true) {
      const std::size_t head_end = connection.in.find("\r\n\r\n");
      if (head_end == std::string::npos) return;
      const std::string head = connection.in.substr(0, head_end);
      std::size_t body_bytes = 0;
      if (const std::size_t length = head.find("Content-Length: "); length != std::string::npos) {
        body_bytes = std::stoul(head.substr(length + 16));
      }
      if (connection.in.size() < head_end + 4 + body_bytes) return;
      const std::string body = connection.in.substr(head_end + 4, body_bytes);
      connection.in.erase(0, head_end + 4 + body_bytes);
      ++requests;
      const std::string target = head.substr(head.find(' ') + 1, head.find(" HTTP/") - head.find(' ') - 1);
      const auto handshake = engineio::parse_handshake_query(target.substr(target.find('?') + 1));
      ASSERT_TRUE(handshake.ok) << target;
      ASSERT_EQ(handshake.query.transport, engineio::Transport::polling);
      if (head.starts_with("GET ") && handshake.query.session_id.empty()) {
        const server::SessionId session = next_session_++;
        held_gets_[session] = key;
        core_.on_session_opened(session, handshake.query, now_ms);
      } else if (head.starts_with("GET ")) {
        const server::PollingRequestResult result = core_.on_poll_request(handshake.query.session_id, now_ms);
        if (result.error) {
          answer(key, result.error->http_status, result.error->json_body());
        } else {
          held_gets_[*result.session] = key;
        }
      } else {
        const server::PollingRequestResult result = core_.on_poll_data(handshake.query.session_id, body, now_ms);
        if (result.error) answer(key, result.error->http_status, result.error->json_body());
        else answer(key, 200, "ok");
      }
    }
  }

  void respond_to_held_get(server::SessionId session, const std::string& body) {
    const auto held = held_gets_.find(session);
    if (held == held_gets_.end()) return;
    const Key key = held->second;
    held_gets_.erase(held);
    answer(key, 200, body);
  }

  void answer(const Key& key, int status, const std::string& body) {
    if (!connections_.at(key).open) return;
    to_client_.push_back({key, http_response(status, body)});
  }

  server::SqliteMessageStore store_;
  server::ChatServerCore core_;
  std::vector<std::unique_ptr<ChatClient>> clients_;
  std::map<ChatClient*, Link> links_;
  std::map<Key, Connection> connections_;
  std::map<server::SessionId, Key> held_gets_;
  std::vector<std::pair<Key, std::optional<std::string>>> to_client_;  // nullopt: the connection ended
  server::SessionId next_session_ = 1;
};

ClientSpec polling_client(std::string name) {
  ClientSpec spec;
  spec.name = std::move(name);
  spec.policy = ClientPolicy::dedupe;
  spec.transport = ClientTransport::polling;
  return spec;
}

TEST(PollingClientTransportWithTheServerCore, ClientsConnectSendAndReceiveEveryMessageOverPolling) {
  PollingLoopback network;
  ChatClient& alice = network.add_client(polling_client("alice"));
  ChatClient& bob = network.add_client(polling_client("bob"));
  alice.connect(0);
  bob.connect(0);
  network.run_until(10);
  ASSERT_TRUE(alice.connected());
  ASSERT_TRUE(bob.connected());
  for (int index = 0; index < 5; ++index) alice.send("m" + std::to_string(index), network.now_ms);
  network.run_until(20);
  EXPECT_EQ(rendered_ids(alice), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(rendered_ids(bob), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(bob.rendered().at(4).content, "m4");
}

TEST(PollingClientTransportWithTheServerCore, HeartbeatsKeepAnIdlePollingClientConnected) {
  PollingLoopback network;
  ChatClient& alice = network.add_client(polling_client("alice"));
  alice.connect(0);
  // Five minutes: a dozen pings, each answered by a POSTed pong.
  network.run_until(300000);
  EXPECT_TRUE(alice.connected());
  EXPECT_GT(network.requests, 20u);
  for (const auto& event : network.history) {
    const auto* disconnected = std::get_if<history::ClientDisconnected>(&event);
    EXPECT_EQ(disconnected, nullptr) << (disconnected ? disconnected->reason : "");
  }
}

TEST(PollingClientTransportWithTheServerCore, AfterItsConnectionsAreCutTheClientReconnectsAndCatchesUp) {
  PollingLoopback network;
  ChatClient& alice = network.add_client(polling_client("alice"));
  ChatClient& bob = network.add_client(polling_client("bob"));
  alice.connect(0);
  bob.connect(0);
  network.run_until(10);
  network.reset_connections_of(bob);
  alice.send("while bob is away", network.now_ms);
  network.run_until(20);
  EXPECT_FALSE(bob.connected());
  network.run_until(30000);
  ASSERT_TRUE(bob.connected());
  EXPECT_EQ(rendered_ids(bob), std::vector<std::int64_t>{1});
  bool saw_poll_error = false;
  for (const auto& event : network.history) {
    const auto* disconnected = std::get_if<history::ClientDisconnected>(&event);
    saw_poll_error |= disconnected && disconnected->reason == "transport error (xhr poll error)";
  }
  EXPECT_TRUE(saw_poll_error);
}

}  // namespace
}  // namespace resync::sim
