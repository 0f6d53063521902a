#pragma once
// Small text helpers shared by the report's models.
#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace resync::reports {

// At most `bytes_max` bytes of `text`, cut on a UTF-8 character boundary, with "…" appended
// when something was cut. Tooltips and tables show messages of any length in bounded space.
std::string shorten_text(std::string_view text, std::size_t bytes_max);

// `value` as compact JSON text for people (e.g. a toxic's configuration), shortened.
std::string json_text(const nlohmann::json& value, std::size_t bytes_max);

// `text` with every byte outside [A-Za-z0-9-._~] (and '/' when `keep_slashes`) as %XX: a
// URL fragment or path that can never turn into markup or another scheme.
std::string percent_encoded(std::string_view text, bool keep_slashes);

// `text` as one POSIX shell word: unchanged when it is plain, otherwise in single quotes.
std::string shell_quoted(std::string_view text);

}  // namespace resync::reports
