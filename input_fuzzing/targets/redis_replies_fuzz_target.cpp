// What a cluster node reads from Redis, through the node's shared-log client: the input's
// first byte picks which of the three links (the append's replies, the tail's XREAD
// replies, the lost-socket table's) each following chunk arrives on, with a group and a
// lost-socket take outstanding and the clock moving. Properties: no crash whatever Redis
// sends; every submitted group is answered exactly once, every take exactly once; the tail's
// entries come in increasing id order; a value taken from the lost-socket table that this
// server did not write decodes to nothing.
#include <cstdint>
#include <set>
#include <string>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "server/cluster/lost_socket_record.hpp"
#include "server/cluster/shared_log_client.hpp"

namespace resync::input_fuzzing {

namespace {

using server::cluster::Link;

// Short chunks: a reply split anywhere, as TCP may split it.
constexpr std::size_t chunk_bytes_max = 64;

struct ClientWatch {
  std::size_t groups_answered = 0;
  std::set<std::uint64_t> takes_answered;
  std::int64_t last_entry_id = 0;

  void take(server::cluster::SharedLogClient& client) {
    for (auto& action : client.take_actions()) {
      if (std::holds_alternative<server::cluster::GroupCommitted>(action)) ++groups_answered;
      if (auto* tailed = std::get_if<server::cluster::EntriesTailed>(&action)) {
        for (const auto& entry : tailed->entries) {
          RESYNC_ASSERT(entry.id > last_entry_id, "the tail's entries come in increasing id order");
          last_entry_id = entry.id;
        }
      }
      if (auto* taken = std::get_if<server::cluster::LostSocketTaken>(&action)) {
        RESYNC_ASSERT(takes_answered.insert(taken->request).second, "a take is answered once");
        if (taken->value) server::cluster::decode_lost_socket(*taken->value);
      }
    }
  }
};

}  // namespace

void fuzz_redis_replies(std::string_view input) {
  server::cluster::SharedLogConfig config;
  config.node_id = "fuzz";
  config.commit_timeout_ms = 1000;
  config.tail_block_ms = 100;
  config.tail_silence_grace_ms = 100;
  server::cluster::SharedLogClient client(config);
  ClientWatch watch;
  std::int64_t now_ms = 0;
  client.start(now_ms);
  for (const Link link : {Link::command, Link::tail, Link::lost_sockets}) client.on_link_open(link, now_ms);
  std::uint64_t groups_submitted = 0;
  std::set<std::uint64_t> takes_asked;
  const auto submit = [&] {
    if (client.in_flight()) return;
    ++groups_submitted;
    client.submit_group({groups_submitted, {{"hello", std::string("o-") + std::to_string(groups_submitted)},
                                             {"plain", std::nullopt}}},
                        now_ms);
  };
  submit();
  takes_asked.insert(client.take_lost_socket("pid", now_ms));
  watch.take(client);

  std::size_t position = 0;
  while (position < input.size()) {
    const unsigned char directive = static_cast<unsigned char>(input[position++]);
    const Link link = directive % 3 == 0 ? Link::command : directive % 3 == 1 ? Link::tail : Link::lost_sockets;
    const std::size_t length = std::min<std::size_t>(input.size() - position, 1 + (directive >> 2) % chunk_bytes_max);
    const std::string_view chunk = input.substr(position, length);
    position += length;
    // Bytes only reach a link the client has open; a closed one is reopened by time.
    client.on_link_bytes(link, chunk, now_ms);
    watch.take(client);
    if (directive & 0x80) {
      now_ms += 150;
      client.on_timer(now_ms);
    }
    submit();
    if (directive & 0x40) takes_asked.insert(client.take_lost_socket("pid", now_ms));
    watch.take(client);
  }
  // Time runs out for whatever is still outstanding: every group and take gets its answer.
  now_ms += config.commit_timeout_ms + 1;
  client.on_timer(now_ms);
  watch.take(client);
  RESYNC_ASSERT(watch.groups_answered == groups_submitted, "every submitted group is answered exactly once");
  RESYNC_ASSERT(watch.takes_answered == takes_asked, "every take is answered exactly once");
}

}  // namespace resync::input_fuzzing
