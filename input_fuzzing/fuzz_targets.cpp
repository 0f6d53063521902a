#include "input_fuzzing/fuzz_targets.hpp"

#include <array>

namespace resync::input_fuzzing {

std::span<const FuzzTarget> fuzz_targets() {
  static constexpr std::array targets{
      FuzzTarget{"engineio_packet", "one Engine.IO packet (a WebSocket text frame) and an open packet's data",
                 fuzz_engineio_packet},
      FuzzTarget{"engineio_polling_payload", "a long-polling payload: packets joined by 0x1E", fuzz_engineio_polling_payload},
      FuzzTarget{"socketio_packet", "one Socket.IO packet, its JSON (with the nesting limit) and a chat event's arguments",
                 fuzz_socketio_packet},
      FuzzTarget{"handshake_query", "the query of a /socket.io/ request (percent-decoding included)", fuzz_handshake_query},
      FuzzTarget{"server_http",
                 "the server's HTTP handling: requests on a keep-alive connection through the router and the host, "
                 "then a WebSocket's text frames",
                 fuzz_server_http},
      FuzzTarget{"text_decoding", "UTF-8 validation (against Beast's checker) and percent-decoding", fuzz_text_decoding},
      FuzzTarget{"websocket_frame_observer",
                 "a proxied connection's bytes both ways (HTTP upgrade, WebSocket frames; or RESP on a Redis "
                 "link) through the observer and triggers",
                 fuzz_websocket_frame_observer},
      FuzzTarget{"connect_auth", "an Engine.IO message read for a Socket.IO CONNECT auth tag", fuzz_connect_auth},
      FuzzTarget{"toxiproxy_api", "Toxiproxy HTTP API requests (\"METHOD TARGET\", body) against one control plane",
                 fuzz_toxiproxy_api},
      FuzzTarget{"scenario_loader", "a scenario file's text", fuzz_scenario_loader},
      FuzzTarget{"history_reader", "a history file's text (JSON lines)", fuzz_history_reader},
      FuzzTarget{"http_response_reader", "a server's long-polling HTTP responses, whole and in pieces",
                 fuzz_http_response_reader},
      FuzzTarget{"chat_client_input", "a server's text frames (and timer, send, close directives) to a ChatClient",
                 fuzz_chat_client_input},
      FuzzTarget{"redis_replies", "what a cluster node reads from Redis on its three links (appends, the tail, lost sockets)",
                 fuzz_redis_replies},
  };
  return targets;
}

}  // namespace resync::input_fuzzing
