#pragma once
// The libFuzzer targets: one function per reader of untrusted input. Each takes the fuzzer's
// bytes, feeds them to the code under test and checks what must hold for any input (no
// crash, no hang, no leak, and the target's own properties, with RESYNC_ASSERT). The same
// functions run under libFuzzer (the `fuzz` preset, clang) and in ctest, where
// resync_fuzz_replay feeds them the committed corpus and the regression inputs.
#include <span>
#include <string_view>

namespace resync::input_fuzzing {

void fuzz_engineio_packet(std::string_view input);
void fuzz_engineio_polling_payload(std::string_view input);
void fuzz_socketio_packet(std::string_view input);
void fuzz_handshake_query(std::string_view input);
void fuzz_server_http(std::string_view input);
void fuzz_text_decoding(std::string_view input);
void fuzz_websocket_frame_observer(std::string_view input);
void fuzz_connect_auth(std::string_view input);
void fuzz_toxiproxy_api(std::string_view input);
void fuzz_scenario_loader(std::string_view input);
void fuzz_history_reader(std::string_view input);
void fuzz_http_response_reader(std::string_view input);
void fuzz_chat_client_input(std::string_view input);
void fuzz_redis_replies(std::string_view input);

struct FuzzTarget {
  std::string_view name;  // also the folder of its corpus and regression inputs
  std::string_view reads;  // what it feeds, for --list
  void (*run)(std::string_view input);
};

// Every target, by name.
std::span<const FuzzTarget> fuzz_targets();

}  // namespace resync::input_fuzzing
