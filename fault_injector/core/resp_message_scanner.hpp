#pragma once
// An incremental RESP scanner (the Redis protocol, RESP2 and RESP3) that only observes: it is
// handed each piece of a stream as it is read (a message may be split anywhere, across any
// number of reads) and reports where each top-level message (a command, a reply, a push)
// ends and, when asked, the message's text. It never changes or holds back the bytes being
// forwarded, and it holds none of them itself: a bulk string's payload is skipped by its
// announced length, a line is scanned for its end, an aggregate is one counter on a stack of
// at most kNestingDepthMax. Its memory is fixed whatever the stream announces.
//
// Not hiredis's reader (server/cluster/resp_codec uses it to build replies): it buffers each
// reply whole until it completes (a bulk string announced at 512 MB would be held), compacts
// that buffer as it reads (a message's end offset would have to be rebuilt from it), and the
// hiredis this project builds with (0.14) reads RESP2 only, so a RESP3 link would go opaque.
//
// A message's text is what a trigger's `frame_contains` matches: the values of its strings,
// integers and other scalars in order, one space between two (`XADD key * field value`),
// nested aggregates flattened the same way. Nulls add nothing, and neither does a RESP3
// attribute (metadata about the reply that follows it, not the reply).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace resync::fault_injector {

enum class RespSide : std::uint8_t {
  commands,  // a client's stream (node to Redis): every top-level message is an array
  replies,   // a server's stream (Redis to node): any RESP2/RESP3 value, pushes included
};

class RespMessageListener {
 public:
  virtual ~RespMessageListener() = default;
  // A top-level message's first byte was read.
  virtual void on_message_start() {}
  // The message's text, in order, possibly in several pieces. Only called when text is wanted.
  virtual void on_message_text(std::string_view /*text*/) {}
  // The message's last byte is at `end_offset - 1` of the piece being observed.
  virtual void on_message_end(std::size_t /*end_offset*/) {}
};

class RespMessageScanner {
 public:
  // Aggregates inside aggregates. The deepest reply a cluster node reads is XREAD's, 5 deep;
  // hiredis refuses more than 7.
  static constexpr std::size_t kNestingDepthMax = 16;
  // One aggregate's announced elements (a map's or attribute's pairs count twice). Redis reads
  // a command's element count into a C int.
  static constexpr std::uint64_t kAggregateElementsMax = 2'147'483'647;
  // One bulk string's announced bytes: Redis's default proto-max-bulk-len.
  static constexpr std::uint64_t kBulkStringBytesMax = 512ULL * 1024 * 1024;
  // A simple string, error, number or boolean line: Redis's PROTO_INLINE_MAX_SIZE.
  static constexpr std::size_t kLineBytesMax = 64 * 1024;

  explicit RespMessageScanner(RespSide side) : side_(side) {}

  // Whether a stream whose first byte is `first_byte` is RESP from this side: a command
  // starts with `*`; a reply with one of the RESP2/RESP3 type bytes. None is an upper-case
  // letter, so an HTTP request or response is never taken for RESP.
  static bool starts_stream(RespSide side, std::uint8_t first_byte);

  // Observes the next piece of the stream. Returns false once the stream has shown it is not
  // valid RESP (a bad type byte, a bad length, a limit broken); from then on every piece is
  // ignored (the proxy still forwards the bytes, the scanner stops interpreting them).
  bool observe(std::span<const std::uint8_t> piece, RespMessageListener& listener, bool want_text);

  bool failed() const { return !failure_reason_.empty(); }
  const std::string& failure_reason() const { return failure_reason_; }
  // Some of the current top-level message has been read, not all of it.
  bool in_message() const { return in_message_; }
  std::size_t nesting_depth() const { return depth_; }

 private:
  enum class State : std::uint8_t {
    type_byte,        // the next value's first byte
    length_line,      // a bulk string's length or an aggregate's count, up to its CR
    text_line,        // a simple string, error or double: any bytes up to the CR
    number_line,      // an integer or big number: an optional sign, then digits, up to the CR
    boolean_line,     // `t` or `f`, then the CR
    null_line,        // nothing before the CR
    line_feed,        // the LF after a line's CR (or after a bulk string's payload)
    bulk_payload,     // a bulk string's announced bytes
    bulk_trailer,     // the CR after them
  };
  // An aggregate still being read: how many of its elements are still to come.
  struct OpenAggregate {
    std::uint64_t elements_left = 0;
    bool is_attribute = false;  // its elements annotate the value after it; they are not one
  };

  void fail(std::string reason);
  void start_value(std::uint8_t type, RespMessageListener& listener, bool want_text);
  void start_text_value(RespMessageListener& listener, bool want_text);
  void on_length(RespMessageListener& listener, bool want_text, std::size_t end_offset);
  void complete_value(RespMessageListener& listener, std::size_t end_offset);
  // Each reads the front of `rest` in its state and returns how many bytes it took.
  std::size_t scan_length_line(std::span<const std::uint8_t> rest);
  std::size_t scan_text_line(std::span<const std::uint8_t> rest, RespMessageListener& listener, bool want_text);
  std::size_t scan_number_line(std::span<const std::uint8_t> rest, RespMessageListener& listener, bool want_text);
  std::size_t scan_bulk_payload(std::span<const std::uint8_t> rest, RespMessageListener& listener, bool want_text);
  bool text_is_kept(bool want_text) const { return want_text && attribute_depth_ == 0; }

  RespSide side_;
  State state_ = State::type_byte;
  std::uint8_t type_ = 0;       // the type byte of the value being read
  bool line_is_length_ = false;  // the line ending at the next LF is a length, not a value
  bool in_message_ = false;
  bool message_has_text_ = false;  // the next value's text is preceded by a space
  // The current line or length so far.
  std::size_t line_bytes_ = 0;
  std::size_t line_digits_ = 0;
  bool length_is_negative_ = false;
  std::uint64_t length_ = 0;
  std::uint64_t payload_left_ = 0;        // bytes of the bulk string still to come
  std::size_t verbatim_prefix_left_ = 0;  // a verbatim string's `txt:` is not its text
  std::array<OpenAggregate, kNestingDepthMax> open_aggregates_{};
  std::size_t depth_ = 0;
  std::size_t attribute_depth_ = 0;  // open aggregates that are attributes
  std::string failure_reason_;
};

}  // namespace resync::fault_injector
