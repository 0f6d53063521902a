// Prints what fixed seeds become through the project's own mapping (docs/SEEDS.md): the raw
// engine, each SeededRandom function with the arguments the toxics and the generators use,
// the pipeline's seed derivation, socket.io-client's reconnection backoff, and the delivery
// schedules of the real latency and slicer toxics. Built with libstdc++ and with libc++ by
// check_portable_seeds.sh, which requires both outputs to equal golden.txt. Only code that
// needs nothing but common/, the toxic interface and nlohmann/json goes in here.
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <version>

#include "common/portable_random.hpp"
#include "fault_injector/core/deterministic_seed.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"
#include "sim/client/reconnect_backoff.hpp"

namespace {

void print_sequences(std::uint64_t seed) {
  std::printf("seed %" PRIu64 "\n", seed);
  resync::SeededRandom random(seed);
  std::printf("  next_u64");
  for (int draw = 0; draw < 3; ++draw) std::printf(" %" PRIu64, random.next_u64());
  std::printf("\n  uniform_below(10)");
  for (int draw = 0; draw < 8; ++draw) std::printf(" %" PRIu64, random.uniform_below(10));
  std::printf("\n  uniform_below(1000003)");
  for (int draw = 0; draw < 4; ++draw) std::printf(" %" PRIu64, random.uniform_below(1000003));
  // The latency toxic's jitter (jitter 5 ms, in microseconds) and the slicer's cut offset.
  std::printf("\n  uniform_int(-5000, 5000)");
  for (int draw = 0; draw < 6; ++draw) std::printf(" %" PRId64, random.uniform_int(-5000, 5000));
  std::printf("\n  uniform_int(-3, 2)");
  for (int draw = 0; draw < 8; ++draw) std::printf(" %" PRId64, random.uniform_int(-3, 2));
  std::printf("\n  uniform_int(INT64_MIN, INT64_MAX) %" PRId64, random.uniform_int(INT64_MIN, INT64_MAX));
  std::printf("\n  uniform_unit");
  for (int draw = 0; draw < 3; ++draw) std::printf(" %.17g", random.uniform_unit());
  // The pipeline's toxicity decision.
  std::printf("\n  chance(0.5)");
  for (int draw = 0; draw < 12; ++draw) std::printf(" %d", random.chance(0.5) ? 1 : 0);
  std::printf("\n  chance(0.1)");
  for (int draw = 0; draw < 12; ++draw) std::printf(" %d", random.chance(0.1) ? 1 : 0);
  // A toxic's seed as the connection pipeline derives it.
  std::printf("\n  mix_seed(seed, fnv1a64(\"latency_downstream\")) %" PRIu64,
              resync::fault_injector::mix_seed(seed, resync::fault_injector::fnv1a64("latency_downstream")));
  // socket.io-client's defaults: 1 s, at most 5 s, randomization factor 0.5.
  resync::sim::ReconnectBackoff backoff(1000, 5000, 0.5);
  resync::SeededRandom client_random(seed);
  std::printf("\n  reconnect delays ms");
  for (int attempt = 0; attempt < 6; ++attempt) std::printf(" %" PRId64, backoff.next_delay_ms(client_random));
  std::printf("\n");
}

// The real toxic, placed downstream with `seed`, fed `chunks` chunks of `chunk_bytes` bytes
// 1 ms apart: prints each emission's time (us) and size.
void print_toxic_schedule(const resync::fault_injector::ToxicType& type, const nlohmann::json& attributes,
                          std::uint64_t seed, int chunks, std::size_t chunk_bytes) {
  using namespace resync::fault_injector;
  const Result<nlohmann::json> normalized = type.normalize_attributes(attributes);
  if (!normalized.ok()) {
    std::printf("  %s: attributes rejected\n", std::string(type.name).c_str());
    return;
  }
  ToxicPlacement placement;
  placement.seed = seed;
  const std::shared_ptr<Toxic> toxic = type.create(normalized.value(), placement);
  ToxicOutput out;
  for (int chunk = 0; chunk < chunks; ++chunk) {
    toxic->on_bytes(Direction::downstream, Chunk{Instant(chunk * 1000), std::string(chunk_bytes, 'x')}, out);
  }
  std::printf("  %s %s", std::string(type.name).c_str(), attributes.dump().c_str());
  for (const Emission& emission : out.emissions()) {
    std::printf(" %lld:%zu", static_cast<long long>(emission.at.count()), emission.bytes.size());
  }
  std::printf("\n");
}

void print_toxic_schedules(std::uint64_t seed) {
  using namespace resync::fault_injector;
  print_toxic_schedule(latency_toxic_type(), {{"latency", 100}, {"jitter", 20}}, seed, 8, 16);
  print_toxic_schedule(slicer_toxic_type(), {{"average_size", 10}, {"size_variation", 3}, {"delay", 100}}, seed, 1,
                       120);
}

}  // namespace

int main() {
  // To stderr, so the script can check which library each build really used.
#if defined(_LIBCPP_VERSION)
  std::fprintf(stderr, "standard library: libc++ %d\n", _LIBCPP_VERSION);
#elif defined(__GLIBCXX__)
  std::fprintf(stderr, "standard library: libstdc++ %d\n", __GLIBCXX__);
#else
  std::fprintf(stderr, "standard library: unknown\n");
#endif
  for (std::uint64_t seed : {0ULL, 1ULL, 7ULL, 9ULL, 42ULL, 2406374453731009596ULL, 18446744073709551615ULL}) {
    print_sequences(seed);
    print_toxic_schedules(seed);
  }
  return 0;
}
