// Reading an external target's SQLite file (--target-db): its rows in id order, and for a
// wrong path or schema an error that names the file and the fix, never an empty log. The file
// is the target's: reading must not create it or change it.
#include "sim/runner/target_database_reader.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace resync::sim {
namespace {

class TargetDatabaseReader : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / ("resync-target-db-" + std::to_string(::getpid()));
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string make_database(const std::string& name, const std::string& sql) {
    const std::string path = (directory_ / name).string();
    sqlite3* database = nullptr;
    EXPECT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(database, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(database);
    return path;
  }

  static std::string error_of(const std::variant<std::vector<history::CommittedMessage>, std::string>& read) {
    const auto* error = std::get_if<std::string>(&read);
    return error != nullptr ? *error : "(no error)";
  }

  std::filesystem::path directory_;
};

const std::string tutorial_schema = std::string(tutorial_messages_table_sql) + ";";

TEST_F(TargetDatabaseReader, ReadsTheTutorialTableInIdOrderWithNullOffsetsAndContent) {
  const std::string path = make_database(
      "chat.db", tutorial_schema +
                     "INSERT INTO messages (id, client_offset, content) VALUES (3, 'alice-1', 'c');"
                     "INSERT INTO messages (id, client_offset, content) VALUES (1, NULL, 'a');"
                     "INSERT INTO messages (id, client_offset, content) VALUES (2, 'bob-1', NULL);");
  const auto read = read_target_database(path);
  ASSERT_TRUE(std::holds_alternative<std::vector<history::CommittedMessage>>(read)) << error_of(read);
  EXPECT_EQ(std::get<std::vector<history::CommittedMessage>>(read),
            (std::vector<history::CommittedMessage>{{1, "a", std::nullopt}, {2, "", "bob-1"}, {3, "c", "alice-1"}}));
}

TEST_F(TargetDatabaseReader, AMissingFileIsAnErrorAndIsNotCreated) {
  const std::string path = (directory_ / "typo.db").string();
  const std::string error = error_of(read_target_database(path));
  EXPECT_NE(error.find("the target's database " + path + " does not exist"), std::string::npos) << error;
  EXPECT_NE(error.find("--target-db"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(TargetDatabaseReader, AFileWithoutTheMessagesTableNamesTheSchemaAndGetsNoTable) {
  const std::string path = make_database("other.db", "CREATE TABLE chat (id INTEGER PRIMARY KEY, text TEXT);");
  const std::string error = error_of(read_target_database(path));
  EXPECT_NE(error.find("cannot read the table messages(id, content, client_offset) of the target's database " + path +
                       ": no such table: messages"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT"), std::string::npos) << error;
  EXPECT_TRUE(error_of(read_target_database(path)).find("no such table") != std::string::npos);  // still none
}

TEST_F(TargetDatabaseReader, MoreRowsThanTheLimitIsAnErrorNotAShortenedLog) {
  const std::string path = make_database(
      "big.db", tutorial_schema + "INSERT INTO messages (content) VALUES ('a'), ('b'), ('c');");
  const std::string error = error_of(read_target_database(path, 2));
  EXPECT_NE(error.find("holds more than 2 rows"), std::string::npos) << error;
  EXPECT_TRUE(std::holds_alternative<std::vector<history::CommittedMessage>>(read_target_database(path, 3)));
}

TEST_F(TargetDatabaseReader, AFileThatIsNotADatabaseIsAnError) {
  const std::string path = (directory_ / "notes.txt").string();
  std::FILE* file = std::fopen(path.c_str(), "w");
  ASSERT_NE(file, nullptr);
  std::fputs("not sqlite at all, just some text\n", file);
  std::fclose(file);
  const std::string error = error_of(read_target_database(path));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  EXPECT_NE(error.find("file is not a database"), std::string::npos) << error;
}

}  // namespace
}  // namespace resync::sim
