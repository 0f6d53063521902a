#pragma once
// RESP (the Redis serialization protocol, version 2) for the cluster's links to Redis: the
// commands a node sends, the replies it reads. Replies are parsed by hiredis's reader (a pure
// parser: bytes in, reply objects out) through object functions of our own, so what leaves
// this file is a RespValue tree and never a hiredis struct.
//
// Everything a Redis link sends is untrusted: a reply that breaks the protocol or one of the
// named limits below is an error value with a message; the owner closes the link. Nothing
// here throws on input or crashes on it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parse_result.hpp"

namespace resync::server::cluster {

// One reply node. RESP2 has no way to tell a null bulk string from a null array once parsed
// (hiredis reports both as nil), so there is one `null`.
struct RespValue {
  enum class Kind { simple_string, error, integer, bulk_string, null, array };
  Kind kind = Kind::null;
  std::string text;                // simple_string, error, bulk_string
  std::int64_t integer = 0;        // integer
  std::vector<RespValue> elements;  // array

  static RespValue simple_string(std::string text);
  static RespValue error(std::string text);
  static RespValue integer_value(std::int64_t value);
  static RespValue bulk_string(std::string text);
  static RespValue null();
  static RespValue array(std::vector<RespValue> elements);

  bool is_bulk_string() const { return kind == Kind::bulk_string; }
  bool is_array() const { return kind == Kind::array; }
  friend bool operator==(const RespValue&, const RespValue&) = default;
};

// What a value looks like in a log line or an error text: short, never the whole reply.
std::string describe(const RespValue& value);

// A command as Redis wants it from a client: an array of bulk strings.
std::string encode_command(const std::vector<std::string>& arguments);

// Reply encoders, for the in-memory Redis (and tests): the bytes Redis itself writes.
std::string encode_simple_string(std::string_view text);
std::string encode_error(std::string_view text);
std::string encode_integer(std::int64_t value);
std::string encode_bulk_string(std::string_view text);
std::string encode_null_bulk_string();  // $-1: GET of a missing key
std::string encode_null_array();        // *-1: XREAD with nothing to return
std::string encode_array_header(std::size_t element_count);
// A parsed value back to bytes (a null becomes $-1).
std::string encode_value(const RespValue& value);

struct RespLimits {
  // The bytes of one reply (complete or still arriving). Bounds what is buffered while a
  // reply arrives, and so also what a huge announced bulk length can make us hold.
  std::size_t reply_bytes_max = 64 * 1024 * 1024;
  // One bulk string: a chat message is at most the core's payload_bytes_max (1 MB).
  std::size_t bulk_length_max = 4 * 1024 * 1024;
  // One array's elements: an XREAD batch, an append group's results.
  std::size_t array_elements_max = 1024 * 1024;
  // Arrays inside arrays: XREAD's reply is 5 deep. hiredis's own limit is 7.
  std::size_t nesting_depth_max = 7;
};

inline constexpr std::size_t hiredis_nesting_depth_max = 7;

// Feed bytes as they arrive, take complete values. Not copyable (it owns a hiredis reader).
// The owner takes every complete value after each feed, so what stays buffered is at most
// one incomplete reply (bounded by reply_bytes_max) plus the last feed.
class RespReader {
 public:
  explicit RespReader(RespLimits limits = {});
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  void feed(std::string_view bytes);
  // A value, nullopt when more bytes are needed, or an error. An error is final: every
  // later take() returns it again (the owner closes the link and makes a new reader).
  protocol::ParseResult<std::optional<RespValue>> take();

  bool failed() const { return error_.has_value(); }
  const RespLimits& limits() const { return limits_; }

  // hiredis's object functions reach the reader through this (read.h's privdata).
  struct BuildContext;

 private:
  RespLimits limits_;
  std::unique_ptr<BuildContext> context_;
  void* reader_ = nullptr;  // redisReader*, kept out of this header
  std::uint64_t fed_bytes_total_ = 0;
  std::uint64_t reply_start_offset_ = 0;  // stream offset where the reply being read began
  std::optional<std::string> error_;
};

}  // namespace resync::server::cluster
