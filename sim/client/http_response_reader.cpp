#include "sim/client/http_response_reader.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace resync::sim {
namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

std::string lower(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return result;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

void HttpResponseReader::feed(std::string_view bytes) {
  if (error_) return;
  buffer_.append(bytes);
  parse();
}

std::optional<HttpResponse> HttpResponseReader::take() {
  if (complete_.empty()) return std::nullopt;
  HttpResponse response = std::move(complete_.front());
  complete_.pop_front();
  return response;
}

void HttpResponseReader::fail(std::string reason) {
  error_ = std::move(reason);
  buffer_.clear();
  current_.reset();
}

void HttpResponseReader::parse() {
  while (!error_) {
    if (!current_) {
      const std::size_t head_end = buffer_.find(kHeadEnd);
      if (head_end == std::string::npos) {
        if (buffer_.size() > kHeadBytesMax) fail("response head over " + std::to_string(kHeadBytesMax) + " bytes");
        return;
      }
      if (head_end + kHeadEnd.size() > kHeadBytesMax) {
        fail("response head over " + std::to_string(kHeadBytesMax) + " bytes");
        return;
      }
      if (!parse_head(std::string_view(buffer_).substr(0, head_end))) return;
      buffer_.erase(0, head_end + kHeadEnd.size());
    }
    if (buffer_.size() < body_bytes_) return;
    current_->body = buffer_.substr(0, body_bytes_);
    buffer_.erase(0, body_bytes_);
    complete_.push_back(std::move(*current_));
    current_.reset();
  }
}

bool HttpResponseReader::parse_head(std::string_view head) {
  const std::size_t line_end = std::min(head.find("\r\n"), head.size());
  const std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 200 OK"
  if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12 || status_line[8] != ' ') {
    fail("not an HTTP/1.x status line: " + std::string(status_line.substr(0, 40)));
    return false;
  }
  HttpResponse response;
  const bool http_1_0 = status_line[7] == '0';
  response.keep_alive = !http_1_0;
  const std::string_view code = status_line.substr(9, 3);
  if (std::from_chars(code.data(), code.data() + code.size(), response.status).ec != std::errc{} ||
      response.status < 100 || response.status > 599) {
    fail("bad status code: " + std::string(status_line.substr(0, 40)));
    return false;
  }
  std::optional<std::size_t> content_length;
  std::string_view rest = line_end < head.size() ? head.substr(line_end + 2) : std::string_view{};
  while (!rest.empty()) {
    const std::size_t end = std::min(rest.find("\r\n"), rest.size());
    const std::string_view line = rest.substr(0, end);
    rest = end < rest.size() ? rest.substr(end + 2) : std::string_view{};
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      fail("header line without a colon: " + std::string(line.substr(0, 40)));
      return false;
    }
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      std::size_t length = 0;
      // All digits or nothing: "2x" or "2, 3" read as 2 would frame the body differently
      // from what the server meant (the bytes after it would be read as the next response).
      const std::from_chars_result read = std::from_chars(value.data(), value.data() + value.size(), length);
      if (read.ec != std::errc{} || read.ptr != value.data() + value.size() ||
          (content_length && *content_length != length)) {
        fail("bad Content-Length: " + std::string(value.substr(0, 40)));
        return false;
      }
      content_length = length;
    } else if (name == "transfer-encoding") {
      fail("Transfer-Encoding " + std::string(value.substr(0, 40)) + " (only Content-Length framing is read)");
      return false;
    } else if (name == "connection") {
      const std::string token = lower(value);
      if (token.find("close") != std::string::npos) response.keep_alive = false;
      if (token.find("keep-alive") != std::string::npos) response.keep_alive = true;
    }
  }
  const bool bodiless = response.status < 200 || response.status == 204 || response.status == 304;
  if (!content_length && !bodiless) {
    fail("a response without Content-Length (status " + std::to_string(response.status) + ")");
    return false;
  }
  body_bytes_ = content_length.value_or(0);
  if (body_bytes_ > body_bytes_max_) {
    fail("response body of " + std::to_string(body_bytes_) + " bytes over the limit of " +
         std::to_string(body_bytes_max_));
    return false;
  }
  current_ = std::move(response);
  return true;
}

}  // namespace resync::sim
