#pragma once
// A value or an error with an HTTP-style status, the shape Toxiproxy reports errors in
// ({"error": message, "status": status}). Operating errors (bad input, port in use) are
// values, never exceptions, so a bad request is an ordinary outcome that changes nothing.
#include <string>
#include <utility>
#include <variant>

namespace resync::fault_injector {

struct ApiError {
  int status = 500;
  std::string message;
};

inline ApiError bad_request(std::string detail) { return {400, "bad request body: " + std::move(detail)}; }

template <typename Value>
class Result {
 public:
  Result(Value value) : state_(std::move(value)) {}   // NOLINT: implicit by design, like std::expected
  Result(ApiError error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<Value>(state_); }
  explicit operator bool() const { return ok(); }
  const Value& value() const& { return std::get<Value>(state_); }
  Value& value() & { return std::get<Value>(state_); }
  Value&& value() && { return std::get<Value>(std::move(state_)); }
  const Value* operator->() const { return &std::get<Value>(state_); }
  const ApiError& error() const { return std::get<ApiError>(state_); }

 private:
  std::variant<Value, ApiError> state_;
};

struct Done {};
using Status = Result<Done>;

}  // namespace resync::fault_injector
