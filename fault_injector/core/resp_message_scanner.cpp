#include "fault_injector/core/resp_message_scanner.hpp"

#include <algorithm>
#include <cstring>

#include "common/invariant.hpp"

namespace resync::fault_injector {
namespace {

bool is_resp_type_byte(std::uint8_t byte) {
  switch (byte) {
    case '+': case '-': case ':': case '$': case '*':                        // RESP2
    case '_': case ',': case '#': case '!': case '=': case '(': case '%':  // RESP3
    case '~': case '>': case '|':
      return true;
    default: return false;
  }
}

bool is_bulk_type(std::uint8_t type) { return type == '$' || type == '!' || type == '='; }

// The aggregates whose count is of pairs: each announced element is a key and a value.
bool counts_pairs(std::uint8_t type) { return type == '%' || type == '|'; }

bool is_digit(std::uint8_t byte) { return byte >= '0' && byte <= '9'; }

// A byte from the network in a failure reason: printable as itself, anything else as hex.
std::string quoted_byte(std::uint8_t byte) {
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + static_cast<char>(byte) + "'";
  static constexpr char kHexDigits[] = "0123456789abcdef";
  return std::string("0x") + kHexDigits[byte >> 4] + kHexDigits[byte & 0xF];
}

std::string_view as_text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// A verbatim string's payload starts with its three-letter format and a colon (`txt:`).
constexpr std::size_t kVerbatimPrefixBytes = 4;

}  // namespace

bool RespMessageScanner::starts_stream(RespSide side, std::uint8_t first_byte) {
  return side == RespSide::commands ? first_byte == '*' : is_resp_type_byte(first_byte);
}

void RespMessageScanner::fail(std::string reason) {
  RESYNC_ASSERT(!reason.empty(), "a failure says why");
  failure_reason_ = std::move(reason);
}

void RespMessageScanner::start_text_value(RespMessageListener& listener, bool want_text) {
  if (attribute_depth_ > 0) return;
  if (want_text && message_has_text_) listener.on_message_text(" ");
  message_has_text_ = true;
}

void RespMessageScanner::start_value(std::uint8_t type, RespMessageListener& listener, bool want_text) {
  type_ = type;
  line_bytes_ = 0;
  line_digits_ = 0;
  length_ = 0;
  length_is_negative_ = false;
  switch (type) {
    case '+':
    case '-':
    case ',':
      start_text_value(listener, want_text);
      state_ = State::text_line;
      return;
    case ':':
    case '(':
      start_text_value(listener, want_text);
      state_ = State::number_line;
      return;
    case '#':
      start_text_value(listener, want_text);
      state_ = State::boolean_line;
      return;
    case '_': state_ = State::null_line; return;
    case '$':
    case '!':
    case '=':
    case '*':
    case '%':
    case '~':
    case '>':
    case '|': state_ = State::length_line; return;
    default: fail("the byte " + quoted_byte(type) + " where a RESP value starts is no RESP type"); return;
  }
}

std::size_t RespMessageScanner::scan_length_line(std::span<const std::uint8_t> rest) {
  const std::uint64_t length_max = is_bulk_type(type_) ? kBulkStringBytesMax : kAggregateElementsMax;
  std::size_t taken = 0;
  while (taken < rest.size()) {
    const std::uint8_t byte = rest[taken++];
    if (byte == '\r') {
      if (line_digits_ == 0) {
        fail("a RESP length without digits after " + quoted_byte(type_));
        return taken;
      }
      line_is_length_ = true;
      state_ = State::line_feed;
      return taken;
    }
    if (byte == '-' && line_bytes_ == 0) {
      length_is_negative_ = true;
    } else if (is_digit(byte)) {
      ++line_digits_;
      length_ = length_ * 10 + (byte - '0');
      // Checked at every digit, so the length never grows past length_max * 10 + 9.
      if (length_ > length_max) {
        fail(std::string("a RESP ") + (is_bulk_type(type_) ? "bulk string of more than kBulkStringBytesMax " :
                                                             "aggregate of more than kAggregateElementsMax ") +
             std::to_string(length_max) + (is_bulk_type(type_) ? " bytes" : " elements"));
        return taken;
      }
    } else {
      fail("the byte " + quoted_byte(byte) + " in the length after " + quoted_byte(type_));
      return taken;
    }
    ++line_bytes_;
  }
  return taken;
}

std::size_t RespMessageScanner::scan_text_line(std::span<const std::uint8_t> rest, RespMessageListener& listener,
                                               bool want_text) {
  const void* carriage_return = std::memchr(rest.data(), '\r', rest.size());
  const std::size_t run =
      carriage_return == nullptr ? rest.size() : static_cast<const std::uint8_t*>(carriage_return) - rest.data();
  if (line_bytes_ + run > kLineBytesMax) {
    fail("a RESP line longer than kLineBytesMax " + std::to_string(kLineBytesMax) + " bytes");
    return run;
  }
  line_bytes_ += run;
  if (run > 0 && text_is_kept(want_text)) listener.on_message_text(as_text(rest.first(run)));
  if (carriage_return == nullptr) return run;
  line_is_length_ = false;
  state_ = State::line_feed;
  return run + 1;
}

std::size_t RespMessageScanner::scan_number_line(std::span<const std::uint8_t> rest, RespMessageListener& listener,
                                                 bool want_text) {
  std::size_t run = 0;
  while (run < rest.size() && rest[run] != '\r') {
    const std::uint8_t byte = rest[run];
    if (is_digit(byte)) {
      ++line_digits_;
    } else if (!((byte == '-' || byte == '+') && line_bytes_ + run == 0)) {
      fail("the byte " + quoted_byte(byte) + " in a RESP number after " + quoted_byte(type_));
      return run;
    }
    ++run;
  }
  if (line_bytes_ + run > kLineBytesMax) {
    fail("a RESP line longer than kLineBytesMax " + std::to_string(kLineBytesMax) + " bytes");
    return run;
  }
  line_bytes_ += run;
  if (run > 0 && text_is_kept(want_text)) listener.on_message_text(as_text(rest.first(run)));
  if (run == rest.size()) return run;
  if (line_digits_ == 0) {
    fail("a RESP number without digits after " + quoted_byte(type_));
    return run;
  }
  line_is_length_ = false;
  state_ = State::line_feed;
  return run + 1;
}

std::size_t RespMessageScanner::scan_bulk_payload(std::span<const std::uint8_t> rest, RespMessageListener& listener,
                                                  bool want_text) {
  const auto taken = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, rest.size()));
  const std::size_t prefix = std::min(verbatim_prefix_left_, taken);
  if (taken > prefix && text_is_kept(want_text)) listener.on_message_text(as_text(rest.subspan(prefix, taken - prefix)));
  verbatim_prefix_left_ -= prefix;
  payload_left_ -= taken;
  if (payload_left_ == 0) state_ = State::bulk_trailer;
  return taken;
}

void RespMessageScanner::on_length(RespMessageListener& listener, bool want_text, std::size_t end_offset) {
  line_is_length_ = false;
  if (length_is_negative_) {
    // RESP2's null bulk string and null array; RESP3 writes `_` instead and allows no other.
    if (length_ != 1 || (type_ != '$' && type_ != '*')) {
      fail("a RESP length of -" + std::to_string(length_) + " after " + quoted_byte(type_));
      return;
    }
    complete_value(listener, end_offset);
    return;
  }
  if (is_bulk_type(type_)) {
    if (type_ == '=' && length_ < kVerbatimPrefixBytes) {
      fail("a RESP verbatim string of " + std::to_string(length_) + " bytes, shorter than its format prefix");
      return;
    }
    start_text_value(listener, want_text);
    payload_left_ = length_;
    verbatim_prefix_left_ = type_ == '=' ? kVerbatimPrefixBytes : 0;
    state_ = payload_left_ == 0 ? State::bulk_trailer : State::bulk_payload;
    return;
  }
  const bool is_attribute = type_ == '|';
  const std::uint64_t elements = length_ * (counts_pairs(type_) ? 2 : 1);
  if (elements == 0) {
    // An empty attribute annotates the value after it, which is still to come.
    if (is_attribute) {
      state_ = State::type_byte;
      return;
    }
    complete_value(listener, end_offset);
    return;
  }
  if (depth_ == kNestingDepthMax) {
    fail("RESP aggregates nested deeper than kNestingDepthMax " + std::to_string(kNestingDepthMax));
    return;
  }
  open_aggregates_[depth_++] = {elements, is_attribute};
  if (is_attribute) ++attribute_depth_;
  state_ = State::type_byte;
}

void RespMessageScanner::complete_value(RespMessageListener& listener, std::size_t end_offset) {
  state_ = State::type_byte;
  while (depth_ > 0) {
    OpenAggregate& innermost = open_aggregates_[depth_ - 1];
    RESYNC_ASSERT(innermost.elements_left > 0, "an open aggregate still waits for an element");
    if (--innermost.elements_left > 0) return;
    --depth_;
    if (innermost.is_attribute) {
      // The value the attribute annotates comes next, in the same place: the attribute
      // itself is not one of its parent's elements, nor a message.
      --attribute_depth_;
      return;
    }
  }
  RESYNC_ASSERT(attribute_depth_ == 0, "no attribute is open outside every aggregate");
  in_message_ = false;
  message_has_text_ = false;
  listener.on_message_end(end_offset);
}

bool RespMessageScanner::observe(std::span<const std::uint8_t> piece, RespMessageListener& listener, bool want_text) {
  std::size_t offset = 0;
  while (offset < piece.size() && !failed()) {
    const std::span<const std::uint8_t> rest = piece.subspan(offset);
    switch (state_) {
      case State::type_byte: {
        const std::uint8_t type = piece[offset++];
        if (!in_message_) {
          if (side_ == RespSide::commands && type != '*') {
            fail("a RESP command is an array ('*'), not " + quoted_byte(type));
            break;
          }
          in_message_ = true;
          listener.on_message_start();
        }
        start_value(type, listener, want_text);
        break;
      }
      case State::length_line: offset += scan_length_line(rest); break;
      case State::text_line: offset += scan_text_line(rest, listener, want_text); break;
      case State::number_line: offset += scan_number_line(rest, listener, want_text); break;
      case State::boolean_line: {
        const std::uint8_t byte = piece[offset++];
        if (line_bytes_ == 0 && (byte == 't' || byte == 'f')) {
          if (text_is_kept(want_text)) listener.on_message_text(byte == 't' ? "t" : "f");
          line_bytes_ = 1;
        } else if (line_bytes_ == 1 && byte == '\r') {
          line_is_length_ = false;
          state_ = State::line_feed;
        } else {
          fail("the byte " + quoted_byte(byte) + " in a RESP boolean");
        }
        break;
      }
      case State::null_line: {
        const std::uint8_t byte = piece[offset++];
        if (byte != '\r') {
          fail("the byte " + quoted_byte(byte) + " in a RESP null");
          break;
        }
        line_is_length_ = false;
        state_ = State::line_feed;
        break;
      }
      case State::line_feed: {
        const std::uint8_t byte = piece[offset++];
        if (byte != '\n') {
          fail("a RESP line's CR is followed by " + quoted_byte(byte) + ", not LF");
          break;
        }
        if (line_is_length_) {
          on_length(listener, want_text, offset);
        } else {
          complete_value(listener, offset);
        }
        break;
      }
      case State::bulk_payload: offset += scan_bulk_payload(rest, listener, want_text); break;
      case State::bulk_trailer: {
        const std::uint8_t byte = piece[offset++];
        if (byte != '\r') {
          fail("a RESP bulk string goes on past its announced length with " + quoted_byte(byte));
          break;
        }
        line_is_length_ = false;
        state_ = State::line_feed;
        break;
      }
    }
  }
  return !failed();
}

}  // namespace resync::fault_injector
