#pragma once
// The load generator's measurements. Each returns one JSON object: "completed" (bool), an
// "error" when it did not, and its figures.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/load/load_client.hpp"

namespace resync::bench {

// `senders` clients, each keeping `in_flight` acked chat messages outstanding, until
// `messages` are acknowledged. Figures: acked, seconds, acked_per_second.
struct IngestOptions {
  int senders = 10;
  int in_flight = 16;
  std::int64_t messages = 3000;
  int timeout_s = 300;
};
nlohmann::json run_ingest(const LoadTarget& target, const IngestOptions& options);

// `receivers` connected clients and one sender with `in_flight` acked sends outstanding, until
// every receiver has every one of `messages`. Figures: deliveries_per_second and the
// send-to-receive latency p50_ms / p99_ms / max_ms over every delivery (one clock, one process).
struct FanoutOptions {
  int receivers = 100;
  int in_flight = 8;
  std::int64_t messages = 300;
  int timeout_s = 300;
};
nlohmann::json run_fanout(const LoadTarget& target, const FanoutOptions& options);

// One new client (auth serverOffset 0) to a server that already stores `rows` messages; timed
// from the connection's start to the last row. Figures: rows, seconds, rows_per_second, and
// whether the ids it was given kept increasing.
struct CatchUpOptions {
  std::int64_t rows = 100000;
  int timeout_s = 300;
};
nlohmann::json run_catch_up(const LoadTarget& target, const CatchUpOptions& options);

// `connections` connected, silent clients (answering pings); the server process's resident
// memory (from /proc/<server_pid>/status) before they connect and `settle_ms` after the last
// one did. Figures: rss_before_kib, rss_after_kib, kib_per_connection.
struct IdleOptions {
  int connections = 10000;
  int server_pid = 0;
  int handshakes_in_flight_max = 200;
  int settle_ms = 2000;
  int timeout_s = 300;
};
nlohmann::json run_idle(const LoadTarget& target, const IdleOptions& options);

// `cycles` connect/disconnect cycles over `transport`, `parallel` at a time; every
// `message_every`-th cycle (0: none) emits one acked message with client offset
// `offset_prefix` + cycle number and waits for the ack; the transport closes `linger_ms`
// after the Socket.IO DISCONNECT. Figures: cycles, messages_acked, seconds, cycles_per_second.
struct ChurnOptions {
  std::int64_t cycles = 1000;
  LoadTransport transport = LoadTransport::websocket;
  int parallel = 16;
  int message_every = 10;
  int linger_ms = 5;
  std::string offset_prefix = "churn-";
  int timeout_s = 600;
};
nlohmann::json run_churn(const LoadTarget& target, const ChurnOptions& options);

// `connections` connected receivers (answering the server's pings) and `senders` more
// clients; from the moment all are connected, one acked message every 1000/`messages_per_second`
// ms (senders in turn) for `duration_s`, each received by every connection. With a
// `stalled` target, one more client connects through it last (the soak script makes it a
// proxy whose downstream is blackholed a moment later) and is watched, not measured.
// Figures: deliveries, p50_ms / p99_ms / max_ms from emit to receipt over every connection
// but the stalled one, and when (ms after the sending started) and why the stalled one ended.
struct CrowdOptions {
  int connections = 5000;
  int senders = 5;
  int messages_per_second = 5;
  int duration_s = 20;
  int handshakes_in_flight_max = 200;
  int delivery_grace_ms = 2000;  // after the last emit, time for its deliveries to arrive
  std::optional<LoadTarget> stalled;
  int stalled_connect_wait_ms = 15000;  // the stalled client's CONNECT, before sending starts
  int timeout_s = 600;
};
nlohmann::json run_crowd(const LoadTarget& target, const CrowdOptions& options);

}  // namespace resync::bench
