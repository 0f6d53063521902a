#pragma once
// Escaping for the HTML report, whose text comes from servers under test and scenario files.
// Three contexts, three functions; nothing else ever puts outside text into the page:
// - element content and attribute values (always double-quoted): the five markup characters
//   become entities, and bytes that are not UTF-8 become U+FFFD;
// - JSON inside a <script type="application/json"> element: the HTML parser ends a script
//   element at the first "</script" and changes state at "<!--" whatever the JSON means, so
//   '<', '>' and '&' are written as \u003c, \u003e, \u0026 (valid JSON, same string), and
//   U+2028/U+2029 as \u2028/\u2029 so the text is also safe if it is ever read as JavaScript.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace resync::reports {

// For element content: & < > " ' as entities; invalid UTF-8 as U+FFFD.
std::string escape_html_text(std::string_view text);

// For a double-quoted attribute value. Same escaping as text (quotes included), so one
// function's output is safe in both places; kept separate so call sites say which it is.
std::string escape_html_attribute(std::string_view text);

// `value` as JSON that can sit between <script type="application/json"> and </script>.
// Strings that are not UTF-8 get U+FFFD, as everywhere else in the report.
std::string json_for_script_element(const nlohmann::json& value);

}  // namespace resync::reports
