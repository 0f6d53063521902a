#include "server/cluster/resp_codec.hpp"

#include <hiredis/read.h>

#include <new>
#include <utility>

#include "common/invariant.hpp"

namespace resync::server::cluster {

RespValue RespValue::simple_string(std::string text) {
  RespValue value;
  value.kind = Kind::simple_string;
  value.text = std::move(text);
  return value;
}

RespValue RespValue::error(std::string text) {
  RespValue value;
  value.kind = Kind::error;
  value.text = std::move(text);
  return value;
}

RespValue RespValue::integer_value(std::int64_t integer) {
  RespValue value;
  value.kind = Kind::integer;
  value.integer = integer;
  return value;
}

RespValue RespValue::bulk_string(std::string text) {
  RespValue value;
  value.kind = Kind::bulk_string;
  value.text = std::move(text);
  return value;
}

RespValue RespValue::null() { return RespValue{}; }

RespValue RespValue::array(std::vector<RespValue> elements) {
  RespValue value;
  value.kind = Kind::array;
  value.elements = std::move(elements);
  return value;
}

std::string describe(const RespValue& value) {
  // Log lines quote at most this much of a string, so a hostile reply cannot flood the log.
  constexpr std::size_t quoted_bytes_max = 80;
  auto quoted = [](const std::string& text) {
    return "\"" + text.substr(0, quoted_bytes_max) + (text.size() > quoted_bytes_max ? "...\"" : "\"");
  };
  switch (value.kind) {
    case RespValue::Kind::simple_string: return "status " + quoted(value.text);
    case RespValue::Kind::error: return "error " + quoted(value.text);
    case RespValue::Kind::integer: return "integer " + std::to_string(value.integer);
    case RespValue::Kind::bulk_string: return "bulk string " + quoted(value.text);
    case RespValue::Kind::null: return "null";
    case RespValue::Kind::array: return "array of " + std::to_string(value.elements.size());
  }
  return "unknown";
}

std::string encode_bulk_string(std::string_view text) {
  std::string bytes = "$" + std::to_string(text.size()) + "\r\n";
  bytes.append(text);
  bytes.append("\r\n");
  return bytes;
}

std::string encode_command(const std::vector<std::string>& arguments) {
  std::string bytes = encode_array_header(arguments.size());
  for (const std::string& argument : arguments) bytes += encode_bulk_string(argument);
  return bytes;
}

std::string encode_simple_string(std::string_view text) { return "+" + std::string(text) + "\r\n"; }
std::string encode_error(std::string_view text) { return "-" + std::string(text) + "\r\n"; }
std::string encode_integer(std::int64_t value) { return ":" + std::to_string(value) + "\r\n"; }
std::string encode_null_bulk_string() { return "$-1\r\n"; }
std::string encode_null_array() { return "*-1\r\n"; }
std::string encode_array_header(std::size_t element_count) { return "*" + std::to_string(element_count) + "\r\n"; }

std::string encode_value(const RespValue& value) {
  switch (value.kind) {
    case RespValue::Kind::simple_string: return encode_simple_string(value.text);
    case RespValue::Kind::error: return encode_error(value.text);
    case RespValue::Kind::integer: return encode_integer(value.integer);
    case RespValue::Kind::bulk_string: return encode_bulk_string(value.text);
    case RespValue::Kind::null: return encode_null_bulk_string();
    case RespValue::Kind::array: {
      std::string bytes = encode_array_header(value.elements.size());
      for (const RespValue& element : value.elements) bytes += encode_value(element);
      return bytes;
    }
  }
  return encode_null_bulk_string();
}

// What hiredis's object functions share with the reader: the limits, the root of the reply
// being built (the only node hiredis ever asks us to free), and why we refused a node.
struct RespReader::BuildContext {
  RespLimits limits;
  RespValue* root = nullptr;
  std::optional<std::string> refusal;
};

namespace {

RespReader::BuildContext& context_of(const redisReadTask* task) {
  return *static_cast<RespReader::BuildContext*>(task->privdata);
}

// Places a node: a root is a new tree; a child goes into the slot its parent array made for
// it (the parent's elements were sized when it was created and never grow, so the pointer
// we hand back stays valid while hiredis fills the siblings).
void* place_node(const redisReadTask* task, RespValue node) {
  RespReader::BuildContext& context = context_of(task);
  if (task->parent == nullptr) {
    RESYNC_ASSERT(context.root == nullptr, "hiredis builds one reply at a time");
    context.root = new RespValue(std::move(node));
    return context.root;
  }
  auto* parent = static_cast<RespValue*>(task->parent->obj);
  RESYNC_ASSERT(parent != nullptr && parent->kind == RespValue::Kind::array, "a child's parent is an array");
  RESYNC_ASSERT(task->idx >= 0 && static_cast<std::size_t>(task->idx) < parent->elements.size(),
                "hiredis fills only the slots the array announced");
  RespValue& slot = parent->elements[static_cast<std::size_t>(task->idx)];
  slot = std::move(node);
  return &slot;
}

std::size_t depth_of(const redisReadTask* task) {
  std::size_t depth = 1;
  for (const redisReadTask* parent = task->parent; parent != nullptr; parent = parent->parent) ++depth;
  return depth;
}

// hiredis is C: an exception must not unwind through it. An allocation that fails while a
// node is built is a refusal like a limit.
template <typename Build>
void* guarded(const redisReadTask* task, Build build) {
  try {
    return build();
  } catch (const std::bad_alloc&) {
    context_of(task).refusal = "no memory to hold a Redis reply";
    return nullptr;
  }
}

void* create_string(const redisReadTask* task, char* bytes, size_t length) {
  return guarded(task, [&]() -> void* {
    RespReader::BuildContext& context = context_of(task);
    if (length > context.limits.bulk_length_max) {
      context.refusal = "a Redis reply holds a string of " + std::to_string(length) + " bytes, more than bulk_length_max " +
                        std::to_string(context.limits.bulk_length_max);
      return nullptr;
    }
    std::string text(bytes, length);
    switch (task->type) {
      case REDIS_REPLY_STATUS: return place_node(task, RespValue::simple_string(std::move(text)));
      case REDIS_REPLY_ERROR: return place_node(task, RespValue::error(std::move(text)));
      default: return place_node(task, RespValue::bulk_string(std::move(text)));
    }
  });
}

void* create_array(const redisReadTask* task, int element_count) {
  return guarded(task, [&]() -> void* {
    RespReader::BuildContext& context = context_of(task);
    const std::size_t depth = depth_of(task);
    if (depth > context.limits.nesting_depth_max) {
      context.refusal = "a Redis reply nests arrays " + std::to_string(depth) + " deep, more than nesting_depth_max " +
                        std::to_string(context.limits.nesting_depth_max);
      return nullptr;
    }
    const auto count = static_cast<std::size_t>(element_count < 0 ? 0 : element_count);
    if (count > context.limits.array_elements_max) {
      context.refusal = "a Redis reply holds an array of " + std::to_string(count) +
                        " elements, more than array_elements_max " + std::to_string(context.limits.array_elements_max);
      return nullptr;
    }
    return place_node(task, RespValue::array(std::vector<RespValue>(count)));
  });
}

void* create_integer(const redisReadTask* task, long long value) {
  return guarded(task, [&]() -> void* { return place_node(task, RespValue::integer_value(static_cast<std::int64_t>(value))); });
}

void* create_null(const redisReadTask* task) {
  return guarded(task, [&]() -> void* { return place_node(task, RespValue::null()); });
}

void free_object(void* object) {
  // hiredis frees only roots: a reply it abandons on an error, or an incomplete one when the
  // reader is freed. Children belong to their root.
  delete static_cast<RespValue*>(object);
}

redisReplyObjectFunctions resp_value_functions{create_string, create_array, create_integer, create_null, free_object};

redisReader* as_reader(void* reader) { return static_cast<redisReader*>(reader); }

}  // namespace

RespReader::RespReader(RespLimits limits) : limits_(limits), context_(std::make_unique<BuildContext>()) {
  RESYNC_ASSERT(limits_.nesting_depth_max <= hiredis_nesting_depth_max, "hiredis cannot read deeper replies");
  context_->limits = limits_;
  redisReader* reader = redisReaderCreateWithFunctions(&resp_value_functions);
  RESYNC_ASSERT(reader != nullptr, "hiredis could not allocate a reader");
  // Our own limit bounds the buffer; hiredis's maxbuf only says when to give memory back.
  reader->privdata = context_.get();
  reader_ = reader;
}

RespReader::~RespReader() {
  // hiredis frees an incomplete root through free_object, which deletes it.
  redisReaderFree(as_reader(reader_));
}

void RespReader::feed(std::string_view bytes) {
  if (error_ || bytes.empty()) return;
  fed_bytes_total_ += bytes.size();
  if (redisReaderFeed(as_reader(reader_), bytes.data(), bytes.size()) != REDIS_OK) {
    error_ = "the Redis reply reader could not buffer " + std::to_string(bytes.size()) + " bytes";
  }
}

protocol::ParseResult<std::optional<RespValue>> RespReader::take() {
  using Result = protocol::ParseResult<std::optional<RespValue>>;
  if (error_) return Result::failure(*error_);
  redisReader* reader = as_reader(reader_);
  void* reply = nullptr;
  const int status = redisReaderGetReply(reader, &reply);
  if (status != REDIS_OK) {
    // A refusal of ours shows up as hiredis's out-of-memory error; say what really happened.
    error_ = context_->refusal ? *context_->refusal : "a Redis reply breaks the protocol: " + std::string(reader->errstr);
    context_->root = nullptr;  // hiredis has freed it
    return Result::failure(*error_);
  }
  const std::uint64_t unconsumed_bytes = reader->len - reader->pos;
  if (reply == nullptr) {
    const std::uint64_t reply_bytes = fed_bytes_total_ - reply_start_offset_;
    if (reply_bytes > limits_.reply_bytes_max) {
      error_ = "a Redis reply is larger than reply_bytes_max " + std::to_string(limits_.reply_bytes_max) + " bytes (" +
               std::to_string(reply_bytes) + " so far)";
      return Result::failure(*error_);
    }
    return Result::success(std::nullopt);
  }
  std::unique_ptr<RespValue> root(static_cast<RespValue*>(reply));
  RESYNC_ASSERT(root.get() == context_->root, "the reply hiredis returns is the root we built");
  context_->root = nullptr;
  const std::uint64_t reply_end_offset = fed_bytes_total_ - unconsumed_bytes;
  const std::uint64_t reply_bytes = reply_end_offset - reply_start_offset_;
  reply_start_offset_ = reply_end_offset;
  if (reply_bytes > limits_.reply_bytes_max) {
    error_ = "a Redis reply of " + std::to_string(reply_bytes) + " bytes is larger than reply_bytes_max " +
             std::to_string(limits_.reply_bytes_max);
    return Result::failure(*error_);
  }
  return Result::success(std::move(*root));
}

}  // namespace resync::server::cluster
