#pragma once
// A value or a human-readable reason why input was rejected. Parsers of untrusted
// input return this instead of throwing, so a bad packet is an ordinary outcome.
#include <optional>
#include <string>
#include <utility>

namespace resync::protocol {

template <typename Value>
class ParseResult {
 public:
  static ParseResult success(Value value) { return ParseResult(std::move(value), {}); }
  static ParseResult failure(std::string reason) { return ParseResult(std::nullopt, std::move(reason)); }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Value& value() const& { return *value_; }
  Value& value() & { return *value_; }
  Value&& value() && { return std::move(*value_); }
  const Value* operator->() const { return &*value_; }
  const std::string& error() const { return error_; }

 private:
  ParseResult(std::optional<Value> value, std::string error) : value_(std::move(value)), error_(std::move(error)) {}
  std::optional<Value> value_;
  std::string error_;
};

}  // namespace resync::protocol
