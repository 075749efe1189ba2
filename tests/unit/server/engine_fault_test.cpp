// The engine over a journal that fails (server/journal_fault.h): every request in the failed
// batch and after it is answered 503 journal_failed naming the error, reads too (the state in
// memory is ahead of the journal), the metrics say so; after a restart without the fault
// exactly the acknowledged items are there. And a journal whose lines do not replay is refused
// at start, naming the seq.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "compiler/load/bundle.h"
#include "runtime/clock.h"
#include "server/engine.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

class EngineFaultBase {
 protected:
  void set_up(const std::string& name) {
    dir_ = fs::temp_directory_path() / ("iwd-engine-fault-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void tear_down() {
    engine_.reset();
    journal_.reset();
    fs::remove_all(dir_);
  }
  // (Re)starts on the data folder; false and *error when the engine does not start.
  bool start(const JournalFault& fault, std::string* error) {
    engine_.reset();
    journal_.reset();
    journal_ = Journal::open(dir_.string(), fault, error);
    if (!journal_) return false;
    Ruleset rules;
    if (load_ruleset_path(kRules, pool_, &rules, error) != RulesetStatus::Ok) return false;
    engine_ = Engine::start(std::move(rules), pool_, *journal_, clock_, metrics_, hub_, EngineOptions{}, error);
    return engine_ != nullptr;
  }
  static Change capture(const std::string& id) {
    return Change{runtime::replay::Op::Capture, json{{"id", id}, {"department", "Sales"}, {"segment", "Gold"}}, {}};
  }
  std::set<std::string> open_ids() {
    std::set<std::string> out;
    engine_->read([&](const runtime::Runtime& rt, std::int64_t) {
      for (const auto& item : rt.items())
        if (runtime::is_open(item.state)) out.insert(std::string(rt.pool().view(item.id)));
      return Reply{};
    });
    return out;
  }
  fs::path dir_;
  runtime::StringPool pool_;
  runtime::SimulatedClock clock_{stdlib::Instant{kStart}};
  Metrics metrics_;
  OfferHub hub_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Engine> engine_;
};

class EngineFaultTest : public EngineFaultBase, public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { set_up(GetParam()); }
  void TearDown() override { tear_down(); }
};

TEST_P(EngineFaultTest, NothingIsAcknowledgedThatWasNotStored) {
  const std::string kind = GetParam();
  std::string error;
  // The rules line at start, then five batches: the sixth transaction fails.
  auto fault = JournalFault::parse(kind + ":after=6", &error);
  ASSERT_TRUE(fault) << error;
  ASSERT_TRUE(start(*fault, &error)) << error;
  std::set<std::string> acknowledged;
  std::vector<Reply> failed;
  // Batches of three creates (one engine batch, one transaction each) until one fails.
  for (int b = 0; b < 150 && failed.empty(); ++b) {
    std::vector<Change> cs;
    for (int k = 0; k < 3; ++k) cs.push_back(capture("F" + std::to_string(b) + "-" + std::to_string(k)));
    std::vector<Reply> replies = engine_->changes(cs);
    ASSERT_EQ(replies.size(), 3u);
    if (replies[0].status == 201) {
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(replies[k].status, 201) << "a batch is stored whole or not at all";
        acknowledged.insert(cs[k].value["id"].get<std::string>());
      }
    } else {
      failed = replies;
    }
  }
  ASSERT_EQ(failed.size(), 3u) << "the fault never fired";
  if (kind == "full") {
    EXPECT_GE(acknowledged.size(), 15u);
  } else {
    EXPECT_EQ(acknowledged.size(), 15u);
  }
  const std::string reason = kind == "full" ? "database or disk is full" : "disk I/O error";
  for (const Reply& r : failed) {
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.json()["error"]["code"], "journal_failed");
    EXPECT_HAS(r.json()["error"]["message"].get<std::string>(), reason);
  }
  // After it: changes and reads alike (a health check reads), with the reason.
  Reply late = engine_->change(capture("LATE"));
  EXPECT_EQ(late.status, 503);
  EXPECT_HAS(late.json()["error"]["message"].get<std::string>(), reason);
  Reply health = engine_->read([](const runtime::Runtime&, std::int64_t) { return Reply{200, {{"status", "ok"}}}; });
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.json()["error"]["code"], "journal_failed");
  EXPECT_EQ(engine_->compact().status, 503);
  EXPECT_TRUE(metrics_.journal_failed());
  const std::string page = metrics_.render_failed(0, 0);
  EXPECT_HAS(page, "\niwd_journal_failed 1\n");
  EXPECT_HAS(page, "\niwd_journal_failures_total 5\n");  // the batch of 3, LATE, compact; not the read

  ASSERT_TRUE(start(JournalFault{}, &error)) << error;
  EXPECT_EQ(open_ids(), acknowledged);
  EXPECT_EQ(engine_->change(capture("AFTER")).status, 201);
}

INSTANTIATE_TEST_SUITE_P(Kinds, EngineFaultTest, ::testing::Values("write", "commit", "full", "fsync"));

class EngineReplayDamageTest : public EngineFaultBase, public ::testing::Test {
 protected:
  void SetUp() override {
    set_up(::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::string error;
    ASSERT_TRUE(start(JournalFault{}, &error)) << error;
    for (const char* id : {"R1", "R2", "R3"}) ASSERT_EQ(engine_->change(capture(id)).status, 201);
    engine_.reset();
    journal_.reset();
  }
  void TearDown() override { tear_down(); }
  // Replaces a line with its checksum, as a bug (not damage) would have written it.
  void set_line(int seq, const std::string& text) {
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "journal.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(db, "UPDATE journal SET line = ?1, checksum = ?2 WHERE seq = ?3", -1, &st, nullptr), SQLITE_OK);
    sqlite3_bind_text(st, 1, text.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, static_cast<std::int64_t>(compiler::fnv1a64(text)));
    sqlite3_bind_int(st, 3, seq);
    EXPECT_EQ(sqlite3_step(st), SQLITE_DONE);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
};

TEST_F(EngineReplayDamageTest, ALineThatIsNotJsonIsRefusedNamingItsSeq) {
  set_line(3, R"({"at":"2026-11-24T09:00:00Z","capture":{"id":"R2","depart)");
  std::string error;
  EXPECT_FALSE(start(JournalFault{}, &error));
  EXPECT_HAS(error, (dir_ / "journal.db").string() + ", table journal, seq 3 (line 3 replayed) does not replay");
}

TEST_F(EngineReplayDamageTest, ALineThatDoesNotReplayIsRefusedNamingItsSeq) {
  set_line(4, R"({"at":"2026-11-24T09:00:00Z","accept":{"item":"NOPE","agent":"nobody"}})");
  std::string error;
  EXPECT_FALSE(start(JournalFault{}, &error));
  EXPECT_HAS(error, "table journal, seq 4 (line 4 replayed) does not replay");
}

TEST_F(EngineReplayDamageTest, ARulesLineNamingNoStoredRulesetIsRefusedNamingItsSeq) {
  set_line(1, R"({"at":"2026-11-24T09:00:00Z","rules":"fnv1a64:0000000000000000"})");
  std::string error;
  EXPECT_FALSE(start(JournalFault{}, &error));
  EXPECT_HAS(error, "table journal, seq 1 (line 1 replayed): ");
  EXPECT_HAS(error, "no ruleset `fnv1a64:0000000000000000` in the store");
}

TEST_F(EngineReplayDamageTest, TheUndamagedJournalStarts) {
  std::string error;
  ASSERT_TRUE(start(JournalFault{}, &error)) << error;
  EXPECT_EQ(open_ids(), (std::set<std::string>{"R1", "R2", "R3"}));
}

}  // namespace
}  // namespace iwd::server
