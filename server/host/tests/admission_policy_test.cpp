// The admission policy alone: the connection and session caps, the per-address rate window and
// its bounded table, the Origin rule, the --allowed-origins parser, the open-file budget, and
// the log lines a flood of refusals is folded into.
#include <cstdint>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/host/admission_policy.hpp"

namespace resync::server::host {
namespace {

AdmissionSettings settings_with(std::size_t connections_max, std::size_t per_ip_per_second_max = 0) {
  AdmissionSettings settings;
  settings.connections_max = connections_max;
  settings.connections_max_requested = connections_max;
  settings.per_ip_connections_per_second_max = per_ip_per_second_max;
  return settings;
}

TEST(AdmissionPolicy, ConnectionsBelowTheCapAreAdmittedAndTheOneAtTheCapGets503NamingTheFlag) {
  AdmissionPolicy policy(settings_with(3));
  EXPECT_FALSE(policy.admit_connection(0, 0));
  EXPECT_FALSE(policy.admit_connection(2, 0));
  const std::optional<AdmissionRefusal> refusal = policy.admit_connection(3, 0);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->error.http_status, 503);
  EXPECT_EQ(refusal->error.code, 4);
  EXPECT_NE(refusal->error.message.find("connection limit"), std::string::npos) << refusal->error.message;
  EXPECT_NE(refusal->error.message.find("--max-connections 3"), std::string::npos) << refusal->error.message;
  const nlohmann::json body = nlohmann::json::parse(refusal->error.json_body());
  EXPECT_EQ(body["code"], 4);
  EXPECT_EQ(body["message"], refusal->error.message);
}

TEST(AdmissionPolicy, SessionsAtTheCapGet503EvenWhenFewConnectionsAreOpen) {
  AdmissionPolicy policy(settings_with(3));
  EXPECT_FALSE(policy.admit_session("127.0.0.1", 0, 2));
  const std::optional<AdmissionRefusal> refusal = policy.admit_session("127.0.0.1", 0, 3);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->error.http_status, 503);
  EXPECT_NE(refusal->error.message.find("3 Engine.IO sessions are open"), std::string::npos) << refusal->error.message;
}

TEST(AdmissionPolicy, ACapLoweredByTheFileLimitSaysSoInTheRefusal) {
  AdmissionSettings settings = settings_with(100);
  settings.connections_max_requested = 16384;
  AdmissionPolicy policy(settings);
  const std::optional<AdmissionRefusal> refusal = policy.admit_connection(100, 0);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->error.message.find("--max-connections 16384, lowered to 100 by the open-file limit"),
            std::string::npos)
      << refusal->error.message;
}

TEST(AdmissionPolicy, RateIsOffByDefault) {
  AdmissionPolicy policy(AdmissionSettings{});
  for (int attempt = 0; attempt < 1000; ++attempt) EXPECT_FALSE(policy.admit_session("10.0.0.1", 0, 0));
  EXPECT_EQ(policy.rate_table_size(), 0u) << "an unused rule remembers nothing";
}

TEST(AdmissionPolicy, RateAdmitsNPerSecondPerAddressThen429UntilTheWindowEnds) {
  AdmissionPolicy policy(settings_with(1000, 2));
  EXPECT_FALSE(policy.admit_session("10.0.0.1", 1000, 0));
  EXPECT_FALSE(policy.admit_session("10.0.0.1", 1100, 0));
  const std::optional<AdmissionRefusal> refusal = policy.admit_session("10.0.0.1", 1999, 0);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->error.http_status, 429);
  EXPECT_NE(refusal->error.message.find("from 10.0.0.1"), std::string::npos) << refusal->error.message;
  EXPECT_NE(refusal->error.message.find("--per-ip-connections-per-second-max 2"), std::string::npos)
      << refusal->error.message;
  EXPECT_FALSE(policy.admit_session("10.0.0.2", 1999, 0)) << "another address has its own window";
  EXPECT_FALSE(policy.admit_session("10.0.0.1", 2000, 0)) << "a second after the window began, a new one begins";
}

TEST(AdmissionPolicy, RefusedAttemptsCountSoAClientThatKeepsRetryingStaysRefusedWithinItsWindow) {
  AdmissionPolicy policy(settings_with(1000, 1));
  EXPECT_FALSE(policy.admit_session("10.0.0.1", 0, 0));
  for (std::int64_t now_ms = 1; now_ms < 1000; now_ms += 100) EXPECT_TRUE(policy.admit_session("10.0.0.1", now_ms, 0));
}

TEST(AdmissionPolicy, RateTableNeverHoldsMoreThanItsMaxAndForgetsEndedWindowsFirst) {
  AdmissionSettings settings = settings_with(1000, 1);
  settings.rate_table_addresses_max = 3;
  AdmissionPolicy policy(settings);
  EXPECT_FALSE(policy.admit_session("10.0.0.1", 0, 0));
  EXPECT_FALSE(policy.admit_session("10.0.0.2", 500, 0));
  EXPECT_FALSE(policy.admit_session("10.0.0.3", 600, 0));
  EXPECT_EQ(policy.rate_table_size(), 3u);
  // Full: 10.0.0.1's window has ended (1000 ms), so it goes and the others stay remembered.
  EXPECT_FALSE(policy.admit_session("10.0.0.4", 1000, 0));
  EXPECT_EQ(policy.rate_table_size(), 3u);
  EXPECT_TRUE(policy.admit_session("10.0.0.2", 1001, 0)) << "10.0.0.2's window was kept";
  // Full with live windows only: the oldest (10.0.0.2, from 500 ms) is forgotten.
  EXPECT_FALSE(policy.admit_session("10.0.0.5", 1100, 0));
  EXPECT_EQ(policy.rate_table_size(), 3u);
  EXPECT_TRUE(policy.admit_session("10.0.0.3", 1200, 0)) << "10.0.0.3 (600 ms) is still remembered";
}

TEST(AdmissionPolicy, ManyDistinctAddressesKeepTheTableAtItsMax) {
  AdmissionSettings settings = settings_with(1000000, 5);
  settings.rate_table_addresses_max = 64;
  AdmissionPolicy policy(settings);
  for (int address = 0; address < 10000; ++address) {
    EXPECT_FALSE(policy.admit_session("10.1." + std::to_string(address / 256) + "." + std::to_string(address % 256), 0, 0));
    ASSERT_LE(policy.rate_table_size(), 64u);
  }
}

TEST(AdmissionPolicy, AnyOriginAndNoOriginAreAllowedByDefault) {
  AdmissionPolicy policy(AdmissionSettings{});
  EXPECT_FALSE(policy.check_origin(std::string_view("https://anything.example"), 0));
  EXPECT_FALSE(policy.check_origin(std::nullopt, 0));
}

TEST(AdmissionPolicy, ListedOriginsAreAllowedWhateverTheirCaseOrDefaultPort) {
  AdmissionSettings settings;
  settings.allowed_origins = parse_allowed_origins("https://chat.example.com, http://127.0.0.1:3000").origins;
  AdmissionPolicy policy(settings);
  EXPECT_FALSE(policy.check_origin(std::string_view("https://chat.example.com"), 0));
  EXPECT_FALSE(policy.check_origin(std::string_view("HTTPS://Chat.Example.com:443"), 0));
  EXPECT_FALSE(policy.check_origin(std::string_view("http://127.0.0.1:3000"), 0));
  EXPECT_FALSE(policy.check_origin(std::nullopt, 0)) << "no Origin: a non-browser client, allowed";
}

TEST(AdmissionPolicy, AnOriginNotListedGets403QuotingItAndNamingTheFlag) {
  AdmissionSettings settings;
  settings.allowed_origins = parse_allowed_origins("https://chat.example.com").origins;
  AdmissionPolicy policy(settings);
  for (std::string_view origin : {"https://evil.example", "http://chat.example.com", "https://chat.example.com:8443",
                                  "", "null", "https://chat.example.com.evil.example"}) {
    const std::optional<AdmissionRefusal> refusal = policy.check_origin(origin, 0);
    ASSERT_TRUE(refusal) << origin;
    EXPECT_EQ(refusal->error.http_status, 403);
    EXPECT_EQ(refusal->error.code, 4);
    EXPECT_NE(refusal->error.message.find("Origin '" + std::string(origin) + "' is not allowed"), std::string::npos)
        << refusal->error.message;
    EXPECT_NE(refusal->error.message.find("--allowed-origins"), std::string::npos);
  }
}

TEST(AdmissionPolicy, AnOriginWithInvalidUtf8OrControlBytesIsQuotedAsHexAndTheBodyIsValidJson) {
  AdmissionSettings settings;
  settings.allowed_origins = {"https://chat.example.com"};
  AdmissionPolicy policy(settings);
  const std::string hostile = std::string("https://\xff\xfe\r\nX-Injected: 1") + std::string(1000, 'a');
  const std::optional<AdmissionRefusal> refusal = policy.check_origin(hostile, 0);
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->error.message.find("https://\\xff\\xfe\\x0d\\x0aX-Injected: 1"), std::string::npos)
      << refusal->error.message;
  EXPECT_LT(refusal->error.message.size(), 600u) << "a long Origin is cut";
  const nlohmann::json body = nlohmann::json::parse(refusal->error.json_body(), nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(body.is_discarded()) << refusal->error.json_body();
  EXPECT_EQ(refusal->log_line.find('\n'), std::string::npos);
}

TEST(AdmissionPolicy, AFloodOfRefusalsIsLoggedOncePerIntervalWithTheCountSince) {
  AdmissionPolicy policy(settings_with(1));
  EXPECT_NE(policy.admit_connection(1, 0)->log_line, "");
  for (int attempt = 0; attempt < 5; ++attempt) EXPECT_EQ(policy.admit_connection(1, 100)->log_line, "");
  const std::string later = policy.admit_connection(1, 10000)->log_line;
  EXPECT_NE(later.find("(5 more like it since the last line)"), std::string::npos) << later;
  EXPECT_NE(policy.admit_session("127.0.0.1", 10001, 1)->log_line, "") << "each kind of refusal is logged on its own";
}

TEST(ParseAllowedOrigins, NormalizesAndDeduplicates) {
  const AllowedOriginsParse parse =
      parse_allowed_origins(" https://Chat.Example.com/ ,http://localhost:80,http://[::1]:3000, null,https://chat.example.com");
  ASSERT_EQ(parse.error, "");
  EXPECT_EQ(parse.origins,
            (std::vector<std::string>{"https://chat.example.com", "http://localhost", "http://[::1]:3000", "null"}));
}

TEST(ParseAllowedOrigins, BadEntriesAreErrorsThatSayWhichEntryAndHowToWriteIt) {
  struct Case {
    std::string_view list;
    std::string_view error_part;
  };
  for (const Case& bad : {Case{"", "is empty"}, Case{"  ", "is empty"}, Case{"https://a.example,,https://b.example", "entry 2 is empty"},
                          Case{"*", "leave --allowed-origins out"}, Case{"chat.example.com", "entry 1 'chat.example.com' is not an origin"},
                          Case{"https://a.example/path", "without a path"}, Case{"https://a.example:99999", "not an origin"},
                          Case{"https://user@a.example", "not an origin"}, Case{"https://", "not an origin"},
                          Case{"1http://a.example", "not an origin"}, Case{"https://a.example:", "not an origin"}}) {
    const AllowedOriginsParse parse = parse_allowed_origins(bad.list);
    EXPECT_NE(parse.error.find(bad.error_part), std::string::npos) << "'" << bad.list << "': " << parse.error;
    EXPECT_TRUE(parse.origins.empty());
  }
}

TEST(ParseAllowedOrigins, MoreThanTheMaxIsAnError) {
  std::string list;
  for (std::size_t index = 0; index <= allowed_origins_max; ++index) {
    list += (index ? "," : "") + std::string("https://h") + std::to_string(index) + ".example";
  }
  EXPECT_NE(parse_allowed_origins(list).error.find("more than 256 origins"), std::string::npos);
}

TEST(ConnectionsMaxForFileLimit, KeepsTheRequestWhenItFitsAndLowersItOtherwise) {
  const std::size_t reserved = file_descriptors_reserved_for_the_process + refused_connections_open_max;
  EXPECT_EQ(connections_max_for_file_limit(16384, 1048576), 16384u);
  EXPECT_EQ(connections_max_for_file_limit(16384, 16384 + reserved), 16384u);
  EXPECT_EQ(connections_max_for_file_limit(16384, 1024), 1024 - reserved);
  EXPECT_EQ(connections_max_for_file_limit(16384, 10), 1u) << "a tiny limit still serves one connection";
}

}  // namespace
}  // namespace resync::server::host
