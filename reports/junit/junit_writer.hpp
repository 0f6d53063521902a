#pragma once
// JUnit XML for CI (GitLab, Jenkins, GitHub test reporters) in the common schema:
// testsuites > testsuite > (properties, testcase*), testcase > (failure | error)?, system-out.
//
// One testcase per scenario: classname = the scenario file, name = the scenario name, time
// in seconds. A scenario that failed gets <failure> (message: verdict vs expected and the
// anomaly counts; body: the checker's failure text with the replay commands); one that ended
// unknown, or has no readable history, gets <error>; one not applicable to the target (it
// lacks what the scenario needs) gets <skipped message="not applicable: REASON">. The HTML report, when given, is linked
// as a testsuite property and in every testcase's system-out. Output is deterministic: no
// timestamps or host names.
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "sim/checker/scenario_outcome.hpp"

namespace resync::reports {

void write_junit(const std::vector<checker::ScenarioOutcome>& outcomes, std::ostream& output,
                 std::optional<std::string> html_report_path);

// "12.345": seconds with millisecond precision, the form every JUnit consumer accepts.
std::string junit_seconds(double seconds);

}  // namespace resync::reports
