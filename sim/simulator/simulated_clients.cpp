#include "sim/simulator/simulated_clients.hpp"

#include <utility>

#include "protocol/websocket_frame_writer.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/simulator/simulated_server.hpp"

namespace resync::sim {

namespace websocket = protocol::websocket;

ClientTransportKind transport_kind_of(const OpenTransport& open) {
  return open.kind == ClientTransport::polling ? ClientTransportKind::polling : ClientTransportKind::websocket;
}

void SimulatedClients::pump(ChatClient& client) {
  for (auto& action : client.take_actions()) {
    if (auto* open = std::get_if<OpenTransport>(&action)) {
      open_transport(client, *open);
    } else if (auto* frame = std::get_if<SendFrame>(&action)) {
      if (PollingLink* link = polling_link(client, frame->transport)) {
        link->polling->send(std::move(frame->text));
        carry_polling(*link);
      } else if (SimConnection* connection = network_.find(client, frame->transport)) {
        network_.client_write(*connection, websocket::encode_frame(websocket::Opcode::text, frame->text, next_mask_key()));
      }
    } else if (auto* close = std::get_if<CloseTransport>(&action)) {
      if (PollingLink* link = polling_link(client, close->transport)) {
        link->polling->close();
        carry_polling(*link);
      } else if (SimConnection* connection = network_.find(client, close->transport)) {
        network_.client_closes(*connection);
      }
    } else if (auto* event = std::get_if<RecordEvent>(&action)) {
      record_(std::move(event->event));
    }
  }
  wake(client);
}

void SimulatedClients::open_transport(ChatClient& client, const OpenTransport& open) {
  switch (transport_kind_of(open)) {
    case ClientTransportKind::websocket: return open_websocket_transport(client, open);
    case ClientTransportKind::polling: return open_polling_transport(client, open);
  }
}

void SimulatedClients::open_polling_transport(ChatClient& client, const OpenTransport& open) {
  PollingLink& link = polling_links_[{client.name(), open.transport}];
  link.client = &client;
  link.transport = open.transport;
  link.polling = std::make_unique<PollingClientTransport>(PollingTransportOptions{"127.0.0.1", open.query});
  link.node = servers_.session_node(client);
  link.polling->open();
  carry_polling(link);
}

SimulatedClients::PollingLink* SimulatedClients::polling_link(const ChatClient& client, TransportId transport) {
  const auto found = polling_links_.find({client.name(), transport});
  return found == polling_links_.end() ? nullptr : &found->second;
}

void SimulatedClients::carry_polling(PollingLink& link) {
  ChatClient& client = *link.client;
  const TransportKey key{client.name(), link.transport};
  for (PollingAction& action : link.polling->take_actions()) {
    if (auto* open = std::get_if<OpenPollingConnection>(&action)) {
      if (!network_.accepting()) {
        // Nothing listens: that connect fails, one link latency later, as a WebSocket's does.
        world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, [this, key, id = open->connection] {
          if (world_.finished) return;
          PollingLink& refused = polling_links_.at(key);
          refused.polling->on_connection_closed(id);
          carry_polling(refused);
        });
        continue;
      }
      SimConnection& connection = network_.accept(client, link.transport, link.node);
      link.connections[open->connection] = connection.id;
      polling_connections_[connection.id] = {key, open->connection};
      servers_.node(link.node).accept(connection);
    } else if (auto* write = std::get_if<WritePollingBytes>(&action)) {
      if (const auto found = link.connections.find(write->connection); found != link.connections.end()) {
        network_.client_write(network_.at(found->second), write->bytes);
      }
    } else if (auto* close = std::get_if<ClosePollingConnection>(&action)) {
      if (const auto found = link.connections.find(close->connection); found != link.connections.end()) {
        network_.client_closes(network_.at(found->second));
        link.connections.erase(found);
      }
    } else if (auto* packet = std::get_if<DeliverPacket>(&action)) {
      client.on_text_frame(link.transport, packet->text, world_.now_ms());
    } else if (std::holds_alternative<PollingTransportOpen>(action)) {
      client.on_transport_open(link.transport, world_.now_ms());
    } else if (auto* closed = std::get_if<PollingTransportClosed>(&action)) {
      client.on_transport_closed(link.transport, closed->reason, world_.now_ms());
    }
  }
  pump(client);
}

void SimulatedClients::polling_arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream) {
  if (connection.finished || !connection.client_end.open) return;
  const auto& [key, polling_id] = polling_connections_.at(connection.id);
  PollingLink& link = polling_links_.at(key);
  if (end_of_stream) {
    connection.client_end.open = false;
    network_.client_socket_closed(connection);  // the client's socket closes too
    link.connections.erase(polling_id);
    link.polling->on_connection_closed(polling_id);
  } else {
    link.polling->on_bytes(polling_id, bytes);
  }
  carry_polling(link);
}

void SimulatedClients::polling_connection_lost(SimConnection& connection) {
  if (!connection.client_end.open) return;
  connection.client_end.open = false;
  const auto& [key, polling_id] = polling_connections_.at(connection.id);
  PollingLink& link = polling_links_.at(key);
  link.connections.erase(polling_id);
  link.polling->on_connection_closed(polling_id);
  carry_polling(link);
}

void SimulatedClients::open_websocket_transport(ChatClient& client, const OpenTransport& open) {
  if (!network_.accepting()) {
    // Nothing listens: the connect fails at once.
    return refuse_connect(client, open.transport, "transport error (connection refused)");
  }
  SimConnection& connection = network_.accept(client, open.transport, servers_.session_node(client));
  servers_.node(connection.node).accept(connection);
  network_.client_write(connection, websocket::encode_upgrade_request("127.0.0.1", "/socket.io/?" + open.query));
}

void SimulatedClients::refuse_connect(ChatClient& client, TransportId transport, std::string reason) {
  ChatClient* client_pointer = &client;
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us,
                     [this, client_pointer, transport, reason = std::move(reason)] {
                       if (world_.finished) return;
                       client_pointer->on_transport_closed(transport, reason, world_.now_ms());
                       pump(*client_pointer);
                     });
}

void SimulatedClients::arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream) {
  if (polling_connections_.count(connection.id) != 0) return polling_arrive(connection, bytes, end_of_stream);
  if (connection.finished || !connection.client_end.open) return;
  ChatClient& client = *connection.client;
  if (end_of_stream) {
    connection.client_end.open = false;
    client.on_transport_closed(connection.transport, "transport close", world_.now_ms());
    // The client's socket closes too.
    network_.client_socket_closed(connection);
    pump(client);
    return;
  }
  if (const auto head = connection.client_end.feed(bytes)) {
    if (head->rfind("HTTP/1.1 101", 0) != 0) {
      connection.client_end.open = false;
      client.on_transport_closed(connection.transport, "transport error (upgrade refused)", world_.now_ms());
      pump(client);
      return;
    }
    client.on_transport_open(connection.transport, world_.now_ms());
  }
  for (auto& frame : connection.client_end.take_frames()) {
    if (frame.opcode == fault_injector::WebSocketFrameHeader::kText) {
      trace_frame(world_, connection, "client <-", frame.payload);
      client.on_text_frame(connection.transport, frame.payload, world_.now_ms());
    }
  }
  pump(client);
}

void SimulatedClients::connection_reset(SimConnection& connection, const std::string& reason) {
  if (polling_connections_.count(connection.id) != 0) return polling_connection_lost(connection);
  if (!connection.client_end.open) return;
  connection.client_end.open = false;
  connection.client->on_transport_closed(connection.transport, reason, world_.now_ms());
  pump(*connection.client);
}

void SimulatedClients::wake(ChatClient& client) {
  const auto deadline = client.next_deadline_ms();
  if (!deadline) return;
  const std::int64_t wake_us = std::max(*deadline * 1000, world_.clock.now_us());
  auto& scheduled = wake_us_[client.name()];
  if (scheduled && *scheduled <= wake_us && *scheduled >= world_.clock.now_us()) return;
  scheduled = wake_us;
  ChatClient* client_pointer = &client;
  world_.clock.at_us(wake_us, [this, client_pointer] {
    wake_us_[client_pointer->name()].reset();
    if (world_.finished) return;
    client_pointer->on_timer(world_.now_ms());
    pump(*client_pointer);
  });
}

std::array<std::uint8_t, 4> SimulatedClients::next_mask_key() {
  // Clients must mask; a deterministic key keeps the bytes (and so the run) reproducible.
  const std::uint32_t key = static_cast<std::uint32_t>(derive_seed(world_.options.seed, 5000 + mask_counter_++));
  return {static_cast<std::uint8_t>(key), static_cast<std::uint8_t>(key >> 8), static_cast<std::uint8_t>(key >> 16),
          static_cast<std::uint8_t>(key >> 24)};
}

}  // namespace resync::sim
