// The simulated client's HTTP response reader: the bytes a server under test sends on a
// long-polling connection (a user's own server: untrusted). Fed once whole and once in
// seeded pieces, taking responses as they complete. Properties: no crash; it never holds
// more than its head limit or one body's limit; the responses and the error are the same
// however the bytes were split.
//
// Input: byte 0 seeds the cuts; the rest is the connection's bytes.
#include <optional>
#include <string>
#include <vector>

#include "common/invariant.hpp"
#include "common/portable_random.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "sim/client/http_response_reader.hpp"

namespace resync::input_fuzzing {

namespace {

// Small, so the fuzzer reaches the limit; the transport's is 64 MiB.
constexpr std::size_t fuzzed_body_bytes_max = 2048;
constexpr std::uint64_t response_cut_distance_max = 64;

struct ReadResponses {
  std::vector<sim::HttpResponse> responses;
  std::optional<std::string> error;
  bool partial = false;
};

bool same(const ReadResponses& left, const ReadResponses& right) {
  if (left.responses.size() != right.responses.size() || left.error != right.error || left.partial != right.partial) {
    return false;
  }
  for (std::size_t index = 0; index < left.responses.size(); ++index) {
    const sim::HttpResponse& a = left.responses[index];
    const sim::HttpResponse& b = right.responses[index];
    if (a.status != b.status || a.body != b.body || a.keep_alive != b.keep_alive) return false;
  }
  return true;
}

ReadResponses read_in_pieces(std::string_view bytes, std::optional<std::uint64_t> cut_seed) {
  sim::HttpResponseReader reader(fuzzed_body_bytes_max);
  ReadResponses read;
  std::optional<SeededRandom> random;
  if (cut_seed) random.emplace(*cut_seed);
  while (!bytes.empty()) {
    const std::size_t length = random ? 1 + static_cast<std::size_t>(random->uniform_below(response_cut_distance_max)) : bytes.size();
    const std::string_view piece = bytes.substr(0, length);
    bytes.remove_prefix(piece.size());
    reader.feed(piece);
    RESYNC_ASSERT(reader.buffered_bytes() <= std::max(sim::HttpResponseReader::kHeadBytesMax, fuzzed_body_bytes_max),
                  "the reader holds at most one head or one body between pieces");
    while (std::optional<sim::HttpResponse> response = reader.take()) {
      RESYNC_ASSERT(response->status >= 100 && response->status <= 599, "a response's status is 100 to 599");
      RESYNC_ASSERT(response->body.size() <= fuzzed_body_bytes_max, "a body is within the limit");
      read.responses.push_back(std::move(*response));
    }
    if (reader.error()) {
      RESYNC_ASSERT(!reader.error()->empty() && !reader.partial(), "an error says why and holds nothing");
    }
  }
  read.error = reader.error();
  read.partial = reader.partial();
  return read;
}

}  // namespace

void fuzz_http_response_reader(std::string_view input) {
  if (input.empty()) return;
  const std::uint64_t cut_seed = static_cast<std::uint8_t>(input[0]);
  const std::string_view bytes = input.substr(1);
  const ReadResponses whole = read_in_pieces(bytes, std::nullopt);
  const ReadResponses cut = read_in_pieces(bytes, cut_seed);
  RESYNC_ASSERT(same(whole, cut), "the same responses and error whether the bytes come at once or in pieces");
}

}  // namespace resync::input_fuzzing
