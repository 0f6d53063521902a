#pragma once
// The checker's words for people: one summary line per scenario, and for a scenario that did
// not pass, a failure text that says what went wrong, to whom, and how to replay it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "sim/checker/check_history.hpp"

namespace resync::checker {

// Listing every lost message of a 20,000-message run helps nobody; the report has them all.
inline constexpr std::size_t failure_text_anomalies_per_kind_max = 20;
inline constexpr std::size_t failure_text_server_output_lines_max = 20;

// "PASS", "FAIL" or "UNKNOWN".
std::string_view status_word(CheckStatus status);

// "scenario NAME: invalid (expected valid) FAIL — 3 clients, 120 messages, 4 faults, lost 2,
// duplicated 1": only the kinds that occurred ("no anomalies" when none). A log that is not
// the server's database says where it came from: "120 messages (catch-up audit from offset
// 40)". No newline. Tools parse it (tests/node/lib/suite_verdicts.mjs), so the root cause
// stays out of it: the failure text printed below it leads with the cause.
std::string summary_line(const CheckResult& result);

// "valid", "invalid with lost, duplicated" or "valid (allowing sent_unknown)".
std::string expectation_text(const sim::Expectation& expectation);

// "expected but not reported: reordered<separator>reported but not expected: lost": why the
// kinds did not match the expectation; "" when they did.
std::string kinds_mismatch_text(const CheckResult& result, std::string_view separator);

// One line for a failure's message, led by the earliest root_cause_line and " \u2014 " when
// there is a cause: "invalid (expected invalid with reordered): lost 2;
// expected but not reported: reordered; reported but not expected: lost", or
// "unknown (expected valid): the server could not start: ...".
std::string failure_headline(const CheckResult& result);

// "root cause (first of 3): bob received ids 101..1074 after 1075 (position 100): the catch-up
// ... interleaved with a live broadcast at 480 ms, during reset_peer \"cut\" (started ...)".
// No newline. `cause` is one of result.root_causes.
std::string root_cause_line(const CheckResult& result, const RootCause& cause);

// The root_cause_line of each client's earliest cause (run-wide causes count as one client),
// earliest first. Empty when the result has no root causes.
std::vector<std::string> root_cause_lines(const CheckResult& result);

// "lost 2, duplicated 1": only kinds that were reported; "no anomalies" when none.
std::string anomaly_counts_text(const CheckResult& result);

// Several lines, each ending in a newline: why the scenario did not pass, its anomalies (at
// most `anomalies_per_kind_max` per kind, with the count of the rest) and the replay
// commands. "" when the scenario passed.
std::string failure_text(const CheckResult& result,
                         std::size_t anomalies_per_kind_max = failure_text_anomalies_per_kind_max);

}  // namespace resync::checker
