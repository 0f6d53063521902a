#include "sim/fuzz/fuzz_shard_result.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "sim/history/verdict_names.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/scenario_writer.hpp"

namespace resync::sim {

namespace {

constexpr const char* shard_result_format = "resync-fuzz-shard-result";
constexpr int shard_result_version = 1;

nlohmann::json optional_text(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

std::optional<std::string> read_optional_text(const nlohmann::json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<std::string>();
}

Verdict verdict_from_text(const std::string& name) {
  if (const auto verdict = history::verdict_from_name(name)) return *verdict;
  throw std::invalid_argument("finding.failure_class.verdict '" + name + "' is not valid, invalid or unknown");
}

Scenario scenario_from_json(const nlohmann::json& json, const std::string& where) {
  const LoadResult loaded = load_scenario_text(json.dump(), where);
  if (!loaded.ok()) throw std::invalid_argument(where + " does not load as a scenario:\n" + loaded.error_text());
  return *loaded.scenario;
}

nlohmann::json failure_to_json(const CampaignFailure& failure) {
  nlohmann::json shrinks = nlohmann::json::array();
  for (const ShrinkRecord& shrink : failure.shrinks) {
    shrinks.push_back({{"candidate_runs", shrink.candidate_runs}, {"wall_ms", shrink.wall_ms}, {"steps_after", shrink.steps_after}});
  }
  return {{"run_index", failure.run_index},
          {"run_seed", failure.run_seed},
          {"original", scenario_to_json(failure.original)},
          {"shrunk", scenario_to_json(failure.shrunk)},
          {"shrunk_history", failure.shrunk_history},
          {"verdict_text", failure.verdict_text},
          {"failure_class",
           {{"verdict", history::verdict_name(failure.failure_class.verdict)}, {"kinds", failure.failure_class.kinds}}},
          {"shrink_steps", failure.shrink_steps},
          {"shrink_runs", failure.shrink_runs},
          {"shrink_candidates", failure.shrink_candidates},
          {"shrink_candidates_failed_differently", failure.shrink_candidates_failed_differently},
          {"shrinks", shrinks},
          {"shrink_wall_ms", failure.shrink_wall_ms},
          {"reproducer_run_ms", failure.reproducer_run_ms},
          {"shrink_complete", failure.shrink_complete},
          {"cut_short", failure.cut_short}};
}

CampaignFailure failure_from_json(const nlohmann::json& json) {
  CampaignFailure failure;
  failure.run_index = json.at("run_index").get<std::uint64_t>();
  failure.run_seed = json.at("run_seed").get<std::uint64_t>();
  failure.original = scenario_from_json(json.at("original"), "finding.original");
  failure.shrunk = scenario_from_json(json.at("shrunk"), "finding.shrunk");
  failure.shrunk_history = json.at("shrunk_history").get<std::string>();
  failure.verdict_text = json.at("verdict_text").get<std::string>();
  failure.failure_class.verdict = verdict_from_text(json.at("failure_class").at("verdict").get<std::string>());
  failure.failure_class.kinds = json.at("failure_class").at("kinds").get<std::set<std::string>>();
  failure.shrink_steps = json.at("shrink_steps").get<int>();
  failure.shrink_runs = json.at("shrink_runs").get<int>();
  failure.shrink_candidates = json.at("shrink_candidates").get<int>();
  failure.shrink_candidates_failed_differently = json.at("shrink_candidates_failed_differently").get<int>();
  for (const nlohmann::json& shrink : json.at("shrinks")) {
    failure.shrinks.push_back({shrink.at("candidate_runs").get<int>(), shrink.at("wall_ms").get<std::int64_t>(),
                               shrink.at("steps_after").get<std::size_t>()});
  }
  failure.shrink_wall_ms = json.at("shrink_wall_ms").get<std::int64_t>();
  failure.reproducer_run_ms = json.at("reproducer_run_ms").get<std::int64_t>();
  failure.shrink_complete = json.at("shrink_complete").get<bool>();
  failure.cut_short = json.at("cut_short").get<std::string>();
  return failure;
}

std::string shard_name(const FuzzShard& shard) { return std::to_string(shard.index) + "/" + std::to_string(shard.total); }

// The first key whose value differs between two identities ("" when they are equal).
std::string first_difference(const nlohmann::json& first, const nlohmann::json& second) {
  std::set<std::string> keys;
  for (const auto& item : first.items()) keys.insert(item.key());
  for (const auto& item : second.items()) keys.insert(item.key());
  for (const std::string& key : keys) {
    const nlohmann::json left = first.contains(key) ? first.at(key) : nlohmann::json("<absent>");
    const nlohmann::json right = second.contains(key) ? second.at(key) : nlohmann::json("<absent>");
    if (left != right) return key + " " + left.dump() + " vs " + right.dump();
  }
  return "";
}

}  // namespace

nlohmann::json fuzz_campaign_identity(const FuzzDriverOptions& options) {
  const FuzzProfile& profile = options.profile;
  return {{"seed", options.seed},
          {"runs", options.runs ? nlohmann::json(*options.runs) : nlohmann::json(nullptr)},
          {"mode", options.mode},
          {"delivery", profile.delivery},
          {"clients_max", profile.clients_max},
          {"messages_max", profile.messages_max},
          {"faults_max", profile.faults_max},
          {"client_actions_max", profile.client_actions_max},
          {"server_kills_max", profile.server_kills_max},
          {"storage_faults_max", profile.storage_faults_max},
          {"nodes", profile.nodes},
          {"cluster_faults_max", profile.cluster_faults_max},
          {"shrink_tries", options.shrink_tries},
          {"target_url", optional_text(options.target_url)},
          {"target_command", optional_text(options.target_command)},
          {"target_database", optional_text(options.target_database)}};
}

DriverOptionsRead driver_options_from_identity(const nlohmann::json& identity) {
  try {
    FuzzDriverOptions options;
    options.seed = identity.at("seed").get<std::uint64_t>();
    if (!identity.at("runs").is_null()) options.runs = identity.at("runs").get<std::uint64_t>();
    options.mode = identity.at("mode").get<std::string>();
    options.profile.delivery = identity.at("delivery").get<std::string>();
    options.profile.clients_max = identity.at("clients_max").get<int>();
    options.profile.messages_max = identity.at("messages_max").get<int>();
    options.profile.faults_max = identity.at("faults_max").get<int>();
    options.profile.client_actions_max = identity.at("client_actions_max").get<int>();
    options.profile.server_kills_max = identity.at("server_kills_max").get<int>();
    options.profile.storage_faults_max = identity.at("storage_faults_max").get<int>();
    // Shard results written before clusters have neither: a single server.
    options.profile.nodes = identity.value("nodes", 1);
    options.profile.cluster_faults_max = identity.value("cluster_faults_max", FuzzProfile{}.cluster_faults_max);
    options.shrink_tries = identity.at("shrink_tries").get<int>();
    options.target_url = read_optional_text(identity.at("target_url"));
    options.target_command = read_optional_text(identity.at("target_command"));
    options.target_database = read_optional_text(identity.at("target_database"));
    return {options, ""};
  } catch (const std::exception& error) {
    return {std::nullopt, std::string("the campaign is not readable: ") + error.what()};
  }
}

std::string shard_result_text(const ShardResult& shard_result) {
  const CampaignResult& result = shard_result.result;
  const nlohmann::json json = {
      {"format", shard_result_format},
      {"version", shard_result_version},
      {"campaign", shard_result.campaign},
      {"shard", {{"index", shard_result.shard.index}, {"total", shard_result.shard.total}}},
      {"runs", result.runs},
      {"runs_abandoned", result.runs_abandoned},
      {"failures", result.failures},
      {"timing",
       {{"seconds", result.seconds}, {"generation_seconds", result.generation_seconds}, {"longest_run_ms", result.longest_run_ms}}},
      {"generation_cut_short", result.generation_cut_short},
      {"harness_error", result.harness_error},
      {"finding", result.failure ? failure_to_json(*result.failure) : nlohmann::json(nullptr)}};
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

ShardResultRead parse_shard_result(const std::string& text, const std::string& source) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return {std::nullopt, source + ": not JSON (expected a shard result written by resync fuzz --shard)"};
  if (!json.is_object() || json.value("format", "") != shard_result_format) {
    return {std::nullopt, source + ": not a shard result (no \"format\": \"" + shard_result_format +
                              "\"; write one with resync fuzz --shard K/N --out DIR)"};
  }
  if (json.value("version", 0) != shard_result_version) {
    return {std::nullopt, source + ": shard result version " + json.value("version", nlohmann::json(nullptr)).dump() +
                              ", this resync reads version " + std::to_string(shard_result_version) +
                              " (run the shards and the merge with the same resync)"};
  }
  try {
    ShardResult shard_result;
    shard_result.campaign = json.at("campaign");
    if (!shard_result.campaign.is_object()) throw std::invalid_argument("\"campaign\" is not an object");
    shard_result.shard.index = json.at("shard").at("index").get<std::uint64_t>();
    shard_result.shard.total = json.at("shard").at("total").get<std::uint64_t>();
    const FuzzShardParse shard = parse_fuzz_shard(shard_name(shard_result.shard));
    if (!shard.shard) throw std::invalid_argument("\"shard\": " + shard.error);
    CampaignResult& result = shard_result.result;
    result.runs = json.at("runs").get<std::uint64_t>();
    result.runs_abandoned = json.at("runs_abandoned").get<std::uint64_t>();
    result.failures = json.at("failures").get<std::uint64_t>();
    result.seconds = json.at("timing").at("seconds").get<double>();
    result.generation_seconds = json.at("timing").at("generation_seconds").get<double>();
    result.longest_run_ms = json.at("timing").at("longest_run_ms").get<std::int64_t>();
    result.generation_cut_short = json.at("generation_cut_short").get<std::string>();
    result.harness_error = json.at("harness_error").get<std::string>();
    if (!json.at("finding").is_null()) {
      result.failure = failure_from_json(json.at("finding"));
      if (!shard_owns_run(shard_result.shard, result.failure->run_index)) {
        throw std::invalid_argument("the finding's run " + std::to_string(result.failure->run_index) +
                                    " is not one of shard " + shard_name(shard_result.shard) + "'s runs");
      }
    }
    return {std::move(shard_result), ""};
  } catch (const std::exception& error) {
    return {std::nullopt, source + ": not a readable shard result: " + error.what()};
  }
}

ShardResultRead read_shard_result_file(const std::string& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) return {std::nullopt, path + ": cannot be read (does the file exist?)"};
  std::stringstream buffer;
  buffer << input.rdbuf();
  return parse_shard_result(buffer.str(), path);
}

ShardMerge merge_shard_results(const std::vector<ShardResult>& shard_results, const std::vector<std::string>& sources) {
  ShardMerge merge;
  if (shard_results.empty()) {
    merge.error = "no shard results given";
    return merge;
  }
  const auto source = [&](std::size_t position) {
    return position < sources.size() ? sources[position] : "result " + std::to_string(position + 1);
  };
  const ShardResult& first = shard_results.front();
  std::map<std::uint64_t, std::size_t> position_of_shard;
  for (std::size_t position = 0; position < shard_results.size(); ++position) {
    const ShardResult& shard_result = shard_results[position];
    if (const std::string difference = first_difference(first.campaign, shard_result.campaign); !difference.empty()) {
      merge.error = source(position) + " is from another campaign than " + source(0) + ": " + difference;
      return merge;
    }
    if (shard_result.shard.total != first.shard.total) {
      merge.error = source(position) + " is one of " + std::to_string(shard_result.shard.total) + " shards, " + source(0) +
                    " one of " + std::to_string(first.shard.total) + ": merge the results of one split only";
      return merge;
    }
    const auto [earlier, inserted] = position_of_shard.emplace(shard_result.shard.index, position);
    if (!inserted) {
      merge.error = "shard " + shard_name(shard_result.shard) + " is given twice: " + source(earlier->second) + " and " +
                    source(position);
      return merge;
    }
  }
  std::string missing;
  for (std::uint64_t index = 1; index <= first.shard.total; ++index) {
    if (!position_of_shard.count(index)) missing += (missing.empty() ? "" : ", ") + shard_name({index, first.shard.total});
  }
  if (!missing.empty()) {
    merge.error = "shard result(s) missing: " + missing + " (all " + std::to_string(first.shard.total) +
                  " shards are needed to know the campaign's first failure)";
    return merge;
  }

  ShardResult merged;
  merged.campaign = first.campaign;
  CampaignResult& result = merged.result;
  std::vector<std::uint64_t> failing_run_indexes;
  std::vector<const CampaignFailure*> findings;
  // In shard order, so the first cut or error named is the lowest shard's.
  for (const auto& [index, position] : position_of_shard) {
    const CampaignResult& part = shard_results[position].result;
    result.runs += part.runs;
    result.runs_abandoned += part.runs_abandoned;
    result.failures += part.failures;
    result.longest_run_ms = std::max(result.longest_run_ms, part.longest_run_ms);
    result.seconds = std::max(result.seconds, part.seconds);
    result.generation_seconds = std::max(result.generation_seconds, part.generation_seconds);
    merge.shard_seconds_total += part.seconds;
    const std::string shard = "shard " + shard_name(shard_results[position].shard) + ": ";
    if (result.generation_cut_short.empty() && !part.generation_cut_short.empty()) {
      result.generation_cut_short = shard + part.generation_cut_short;
    }
    if (result.harness_error.empty() && !part.harness_error.empty()) result.harness_error = shard + part.harness_error;
    if (part.failure) {
      failing_run_indexes.push_back(part.failure->run_index);
      findings.push_back(&*part.failure);
    }
  }
  if (!findings.empty()) result.failure = *findings[campaign_finding_position(failing_run_indexes)];
  merge.merged = std::move(merged);
  return merge;
}

}  // namespace resync::sim
