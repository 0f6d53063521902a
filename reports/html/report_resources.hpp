#pragma once
// The report's stylesheet and script, kept as real files (report_style.css,
// report_script.js, flow_diagram.js) and compiled in by embed_resources.cmake, so the report is one
// self-contained file and the resync binary needs nothing next to it.
#include <string_view>

namespace resync::reports {

std::string_view report_style_css();
std::string_view report_script_js();
std::string_view flow_diagram_js();  // the message-flow diagram; loaded before report_script.js

}  // namespace resync::reports
