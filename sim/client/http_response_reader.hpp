#pragma once
// HTTP/1.1 responses read from one client connection's bytes, as a pure state machine:
// bytes in, complete responses out, in order (a keep-alive connection carries several).
// Only what Engine.IO long-polling needs: the status, Content-Length framing and whether
// the server keeps the connection. Anything else the reader cannot frame is an error value
// (the connection is unusable from then on), never a crash.
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace resync::sim {

struct HttpResponse {
  int status = 0;
  std::string body;
  bool keep_alive = true;  // false: the server closes the connection after this response
};

class HttpResponseReader {
 public:
  static constexpr std::size_t kHeadBytesMax = 16 * 1024;

  explicit HttpResponseReader(std::size_t body_bytes_max) : body_bytes_max_(body_bytes_max) {}

  void feed(std::string_view bytes);
  // The next complete response, in the order they arrived.
  std::optional<HttpResponse> take();
  // Set once the bytes cannot be read as responses; what follows is ignored.
  const std::optional<std::string>& error() const { return error_; }
  // Bytes of a response that has not fully arrived.
  bool partial() const { return !buffer_.empty(); }
  // Bytes held for a response still arriving: at most kHeadBytesMax or body_bytes_max.
  std::size_t buffered_bytes() const { return buffer_.size(); }

 private:
  void parse();
  bool parse_head(std::string_view head);
  void fail(std::string reason);

  std::size_t body_bytes_max_;
  std::string buffer_;
  std::optional<HttpResponse> current_;  // head read, waiting for the body
  std::size_t body_bytes_ = 0;
  std::deque<HttpResponse> complete_;
  std::optional<std::string> error_;
};

}  // namespace resync::sim
