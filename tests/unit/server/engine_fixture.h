// An engine on a simulated clock over a data folder of its own, (re)started at will: the
// fixture of the engine's tests (engine_test.cpp, history_test.cpp).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <string>

#include "runtime/clock.h"
#include "server/engine.h"

namespace iwd::server::testing {

inline Ruleset load(runtime::StringPool& pool, const std::string& path) {
  Ruleset r;
  std::string error;
  EXPECT_EQ(load_ruleset_path(path, pool, &r, &error), RulesetStatus::Ok) << error;
  return r;
}

// Rows of a table of a service's journal.db, read beside it (WAL: a reader does not block).
inline std::int64_t table_rows(const std::filesystem::path& dir, const char* table) {
  sqlite3* db = nullptr;
  sqlite3_stmt* st = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open_v2((dir / "journal.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, (std::string("SELECT COUNT(*) FROM ") + table).c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

class EngineFixture : public ::testing::Test {
 protected:
  // `name`: the data folder's, unique per test binary and process.
  EngineFixture(std::string name, std::int64_t start) : name_(std::move(name)), clock_{stdlib::Instant{start}} {}
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("iwd_" + name_ + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    engine_.reset();
    journal_.reset();
    std::filesystem::remove_all(dir_);
  }
  // (Re)starts the engine on the data folder; `rules` empty: the journal's.
  void start_on(const std::string& rules) {
    engine_.reset();
    journal_.reset();
    std::string error;
    journal_ = Journal::open(dir_.string(), &error);
    ASSERT_TRUE(journal_) << error;
    engine_ = Engine::start(rules.empty() ? Ruleset{} : load(pool_, rules), pool_, *journal_, clock_, metrics_, hub_, options_,
                            &error);
    ASSERT_TRUE(engine_) << error;
  }

  // How many ids the engine's idempotency index holds (open items and the window's captures).
  std::size_t remembered() {
    std::size_t n = 0;
    engine_->read([&](const runtime::Runtime&, std::int64_t) {
      n = engine_->ids_remembered();
      return Reply{};
    });
    return n;
  }

  std::string name_;
  std::filesystem::path dir_;
  runtime::StringPool pool_;
  runtime::SimulatedClock clock_;
  Metrics metrics_;
  OfferHub hub_;
  EngineOptions options_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace iwd::server::testing
