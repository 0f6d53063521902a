#include "sim/history/history_reader.hpp"


#include <gtest/gtest.h>

namespace resync::history {
namespace {

const std::string run_started_line =
    R"({"t_ms":0,"type":"run_started","scenario":"s","file":"scenarios/s.json","seed":3,"mode":"sim",)"
    R"("target":"embedded","delivery":"strict","expect":{"verdict":"valid","anomalies":[]},)"
    R"("replay":{"live":"resync run s","sim":"resync sim s"},"clients":["alice"]})";

HistoryReadResult parse(const std::string& text) {
  return parse_history_text(text, "runs/s.jsonl");
}

std::vector<std::string> error_strings(const HistoryReadResult& result) {
  std::vector<std::string> strings;
  for (const HistoryReadError& error : result.errors) strings.push_back(error.to_string());
  return strings;
}

TEST(HistoryReader, ReadsAWellFormedHistory) {
  const HistoryReadResult result = parse(run_started_line + "\n" +
                                         R"({"t_ms":4,"type":"received","client":"alice","id":1,"content":"hi","rendered":true})"
                                         "\n"
                                         R"({"t_ms":9,"type":"run_finished","converged":true})"
                                         "\n");
  ASSERT_TRUE(result.ok()) << result.error_text();
  const History& history = *result.history;
  EXPECT_EQ(history.source, "runs/s.jsonl");
  EXPECT_EQ(history.run.scenario, "s");
  EXPECT_EQ(history.run.replay_sim, "resync sim s");
  ASSERT_EQ(history.events.size(), 2u);
  EXPECT_EQ(history.events[0].line_number, 2u);
  EXPECT_EQ(history.events[0].t_ms, 4);
  EXPECT_EQ(history.events[0].type_name(), "received");
  EXPECT_EQ(history.events[0].client(), "alice");
  EXPECT_EQ(history.events[0].as<MessageReceived>()->id, 1);
  EXPECT_EQ(history.events[1].client(), "");
  EXPECT_FALSE(history.truncated_last_line);
}

TEST(HistoryReader, NamesFileLineAndProblemOfABadJsonLine) {
  const HistoryReadResult result = parse(run_started_line + "\n" + R"({"t_ms":4,"type":"phase",)" + "\n" +
                                         R"({"t_ms":5,"type":"phase","phase":"heal"})" + "\n");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line_number, 2u);
  EXPECT_EQ(result.errors[0].to_string().rfind("runs/s.jsonl:2: not valid JSON: column ", 0), 0u)
      << result.errors[0].to_string();
}

TEST(HistoryReader, NamesTheMissingField) {
  const HistoryReadResult result =
      parse(run_started_line + "\n" + R"({"t_ms":4,"type":"received","client":"alice","content":"hi","rendered":true})" +
            "\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(error_strings(result),
            std::vector<std::string>{"runs/s.jsonl:2: `received` line has no `id` (expected an integer)"});
}

TEST(HistoryReader, ReportsSeveralBadLinesInOnePass) {
  const HistoryReadResult result = parse(run_started_line + "\n" + "nonsense\n" + R"({"t_ms":1})" + "\n" +
                                         R"({"t_ms":2,"type":"reloaded"})" + "\n");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].line_number, 2u);
  EXPECT_EQ(result.errors[1].to_string(), "runs/s.jsonl:3: line has no `type` (expected a string)");
  EXPECT_EQ(result.errors[2].to_string(), "runs/s.jsonl:4: `reloaded` line has no `client` (expected a string)");
}

TEST(HistoryReader, CountsErrorsBeyondTheLimitInsteadOfListingThem) {
  std::string text = run_started_line + "\n";
  for (std::size_t line = 0; line < history_read_errors_max + 5; ++line) text += "{\n";
  const HistoryReadResult result = parse(text);
  ASSERT_EQ(result.errors.size(), history_read_errors_max + 1);
  EXPECT_EQ(result.errors.back().to_string(), "runs/s.jsonl: ... and 5 more errors in this history");
}

TEST(HistoryReader, ToleratesACutOffLastLineAndSaysSo) {
  const HistoryReadResult result =
      parse(run_started_line + "\n" + R"({"t_ms":4,"type":"phase","phase":"heal"})" + "\n" + R"({"t_ms":9,"type":"rec)");
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.history->events.size(), 1u);
  ASSERT_TRUE(result.history->truncated_last_line);
  EXPECT_EQ(result.history->truncated_last_line->rfind("runs/s.jsonl:3: the last line is incomplete", 0), 0u)
      << *result.history->truncated_last_line;
}

TEST(HistoryReader, AcceptsACompleteLastLineWithoutNewline) {
  const HistoryReadResult result = parse(run_started_line + "\n" + R"({"t_ms":9,"type":"run_finished","converged":true})");
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.history->events.size(), 1u);
  EXPECT_FALSE(result.history->truncated_last_line);
}

TEST(HistoryReader, ABrokenLineThatEndsInANewlineIsAnErrorNotATruncation) {
  const HistoryReadResult result = parse(run_started_line + "\n" + R"({"t_ms":9,"type":"rec)" + "\n");
  EXPECT_FALSE(result.ok());
}

// nlohmann parses 300k levels of brackets, but copying the value (an event type from a later
// version keeps its fields) recursed once per level and overflowed the stack. Found by the
// history_reader fuzz target's hostile-nesting probe.
TEST(HistoryReader, ALineNestedBeyondTheLimitIsAnErrorNotAStackOverflow) {
  const std::size_t depth = 300'000;
  const std::string deep = std::string(depth, '[') + std::string(depth, ']');
  const HistoryReadResult result = parse(run_started_line + "\n" + R"({"t_ms":1,"type":"from_a_later_version","x":)" + deep +
                                         "}\n");
  ASSERT_FALSE(result.ok());
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].line_number, 2u);
  EXPECT_NE(result.errors[0].message.find("nested deeper than 64 levels"), std::string::npos) << result.errors[0].message;
}

TEST(HistoryReader, ToleratesBlankLinesAndCrLf) {
  const HistoryReadResult result =
      parse(run_started_line + "\r\n\r\n   \n" + R"({"t_ms":4,"type":"phase","phase":"heal"})" + "\r\n");
  ASSERT_TRUE(result.ok()) << result.error_text();
  EXPECT_EQ(result.history->events.size(), 1u);
  EXPECT_EQ(result.history->events[0].line_number, 4u);
}

TEST(HistoryReader, RequiresRunStartedFirstAndOnlyOnce) {
  const HistoryReadResult not_first =
      parse(std::string(R"({"t_ms":4,"type":"phase","phase":"heal"})") + "\n" + run_started_line + "\n");
  EXPECT_EQ(error_strings(not_first),
            (std::vector<std::string>{"runs/s.jsonl:1: the first line must be `run_started`, not `phase`",
                                      "runs/s.jsonl:2: `run_started` must be the first line"}));

  const HistoryReadResult twice = parse(run_started_line + "\n" + run_started_line + "\n");
  EXPECT_EQ(error_strings(twice),
            std::vector<std::string>{
                "runs/s.jsonl:2: a second `run_started` line (the first is line 1): one history holds one run"});
}

TEST(HistoryReader, AnEmptyHistoryIsAnError) {
  EXPECT_EQ(error_strings(parse("")),
            std::vector<std::string>{"runs/s.jsonl: the history is empty: expected a `run_started` line first"});
  EXPECT_EQ(error_strings(parse(R"({"t_ms":0,"type":"run_st)")),
            std::vector<std::string>{"runs/s.jsonl: the history has no complete line: the run was killed before its "
                                     "first line was written"});
}

TEST(HistoryReader, InvalidUtf8InALineIsAnErrorNotACrash) {
  const HistoryReadResult result =
      parse(run_started_line + "\n" + "{\"t_ms\":4,\"type\":\"phase\",\"phase\":\"\xFF\"}" + "\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors[0].line_number, 2u);
}

TEST(HistoryReader, ReportsAMissingFile) {
  const HistoryReadResult result = read_history("/nonexistent-directory/run.jsonl");
  EXPECT_EQ(error_strings(result), std::vector<std::string>{"/nonexistent-directory/run.jsonl: no such history file"});
}

}  // namespace
}  // namespace resync::history
