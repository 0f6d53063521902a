#include "fault_injector/core/toxics/attribute_reader.hpp"

namespace resync::fault_injector {

AttributeReader::AttributeReader(const nlohmann::json& attributes) : attributes_(attributes) {
  if (!attributes_.is_null() && !attributes_.is_object()) {
    error_ = bad_request("attributes must be a JSON object");
  }
}

std::int64_t AttributeReader::non_negative_integer(const char* key, std::int64_t default_value) {
  std::int64_t value = default_value;
  if (!error_ && attributes_.is_object()) {
    auto found = attributes_.find(key);
    if (found != attributes_.end() && !found->is_null()) {
      if (found->is_number_unsigned()) {
        std::uint64_t unsigned_value = found->get<std::uint64_t>();
        if (unsigned_value > static_cast<std::uint64_t>(attribute_value_max)) {
          error_ = bad_request(std::string("attribute ") + key + " is too large");
        } else {
          value = static_cast<std::int64_t>(unsigned_value);
        }
      } else if (found->is_number_integer()) {
        value = found->get<std::int64_t>();
        if (value < 0) error_ = bad_request(std::string("attribute ") + key + " must not be negative");
      } else {
        error_ = bad_request(std::string("attribute ") + key + " must be an integer, got " + found->type_name());
      }
    }
  }
  normalized_[key] = value;
  return value;
}

Result<nlohmann::json> AttributeReader::finish() const {
  if (error_) return *error_;
  return normalized_;
}

}  // namespace resync::fault_injector
