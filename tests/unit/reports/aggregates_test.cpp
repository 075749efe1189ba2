// The item-flow reports answered from the history's aggregates (history/aggregates.h) print
// the same bytes as the pass over the records (docs/reporting.md, "Aggregates"), for random
// histories written as `iwd serve` writes them (batches in the owner's transactions on one
// connection), across a restart (the store and its connection closed and opened again), a
// transaction rolled back (recovery writes its records again), and a retention purge (then
// compared with the pass over every record written, the purged ones included).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>

#include "history/store.h"
#include "lifecycles.h"
#include "reports/aggregated.h"
#include "reports/run.h"

namespace iwd::reports::test {
namespace {

namespace fs = std::filesystem;

// A day of 300 random lifecycles from 06:00 UTC with what the generator does not make: items
// without the `segment` value, rejections, reloads (a capture record of an open item, not
// new), and agent events.
std::vector<history::Record> random_history(std::mt19937& rng) {
  const std::int64_t from = at("06:00"), to = at("06:00", "2026-01-06");
  // The first item record has every grouping (a dimension first seen later is not aggregated).
  std::vector<Life> lives = {lifecycle(rng, 1000, from, to)};
  for (int n = 0; n < 300; ++n) {
    const std::int64_t start = from + minutes(std::uniform_int_distribution<int>(0, 20 * 60)(rng));
    Life l = lifecycle(rng, n, start, to);
    if (n % 7 == 0)
      for (auto& r : l.events) r.dimensions.clear();
    if (n % 11 == 0) {
      l.events.resize(1);
      l.events[0].to = "rejected";
      l.events[0].reason = "reject";
      l.events[0].process.clear();
      l.events[0].department.clear();
    } else if (n % 13 == 0 && l.events.size() > 1) {
      history::Record reload = l.events[1];
      reload.from = "none";
      reload.to = l.events[0].to;
      reload.reason = "reload";
      l.events.insert(l.events.begin() + 1, reload);
    }
    lives.push_back(std::move(l));
  }
  Life agents{"", {}};
  for (std::int64_t t = from; t < to; t += minutes(53)) {
    history::Record& r = agents.events.emplace_back();
    r.kind = history::RecordKind::Agent;
    r.at = t;
    r.agent = "a1";
    r.from = "ready";
    r.to = "not_ready";
  }
  lives.push_back(std::move(agents));
  return in_seq_order(lives);
}

class Writer {
 public:
  explicit Writer(std::string file) : file_(std::move(file)) { open(); }
  ~Writer() { close(); }
  void open() {
    ASSERT_EQ(sqlite3_open(file_.c_str(), &db_), SQLITE_OK);
    std::string error;
    store_ = history::Store::on(db_, file_, &error);
    ASSERT_TRUE(store_) << error;
    if (checkpoint_records_ > 0) store_->aggregates()->set_checkpoint_records(checkpoint_records_);
  }
  // Item records between checkpoints of the items' state (history/aggregates.h), from now on.
  void set_checkpoint_records(std::int64_t n) {
    checkpoint_records_ = n;
    store_->aggregates()->set_checkpoint_records(n);
  }
  void close() {
    store_.reset();
    sqlite3_close(db_);
    db_ = nullptr;
  }
  // A stop without the clean close's checkpoint (a transaction is open: the store leaves it),
  // as after a kill: the next open counts the records after the last checkpoint again.
  void crash() {
    exec("BEGIN IMMEDIATE");
    store_.reset();
    exec("ROLLBACK");
    close();
  }
  void exec(const char* sql) { ASSERT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql; }
  std::string query(const char* sql) {  // the first column of the first row ("" for none)
    std::string out;
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr), SQLITE_OK) << sql;
    if (st && sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }
  // One batch in a transaction of the owner's; rolled back first when `fail_first`.
  void append(const std::vector<history::Record>& batch, bool fail_first) {
    std::string error;
    if (fail_first) {
      exec("BEGIN IMMEDIATE");
      ASSERT_TRUE(store_->append(batch, &error)) << error;
      exec("ROLLBACK");
      store_->rolled_back();
    }
    exec("BEGIN IMMEDIATE");
    ASSERT_TRUE(store_->append(batch, &error)) << error;
    exec("COMMIT");
  }
  std::int64_t purge(std::int64_t before, std::int64_t limit) {
    std::string error;
    exec("BEGIN IMMEDIATE");
    const auto n = store_->purge(before, limit, &error);
    EXPECT_TRUE(n) << error;
    exec("COMMIT");
    return n.value_or(0);
  }
  history::Store& store() { return *store_; }

 private:
  std::string file_;
  std::int64_t checkpoint_records_ = 0;
  sqlite3* db_ = nullptr;
  std::unique_ptr<history::Store> store_;
};

std::int64_t quarter_hours(std::mt19937& rng, std::int64_t lo, std::int64_t hi) {  // a quarter hour in [lo, hi]
  return lo + history::kBucketMs * std::uniform_int_distribution<std::int64_t>(0, (hi - lo) / history::kBucketMs)(rng);
}

// Reports of each kind, grouping, interval and zone over random ranges on quarter hours from
// `earliest`: from the aggregates (which must answer) and from `reference` (the records).
void compare(history::Store& store, std::mt19937& rng, std::int64_t earliest,
             const std::function<Table(const Options&)>& reference, std::optional<std::int64_t> now = {}) {
  const std::int64_t day_end = at("08:00", "2026-01-06");
  for (const char* zone : {"UTC", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns"})
    for (IntervalKind interval : {IntervalKind::Minutes15, IntervalKind::Hour, IntervalKind::Day})
      for (auto [kind, by] : {std::pair{ReportKind::IntradayProcess, ""}, {ReportKind::IntradayProcess, "department"},
                              {ReportKind::SegmentServiceLevel, "segment"}, {ReportKind::Outcome, ""}}) {
        Options o;
        o.kind = kind;
        o.by = by;
        o.interval = interval;
        o.zone = stdlib::TimeZone::find(zone);
        ASSERT_NE(o.zone, nullptr) << zone;
        o.from = quarter_hours(rng, earliest, now ? history::bucket_of(*now) : at("20:00"));
        o.to = quarter_hours(rng, o.from + history::kBucketMs, day_end);
        if (interval == IntervalKind::Day) {  // local midnights: whole quarter hours in these zones
          o.from = earliest;
          o.to = day_end;
        }
        std::string error;
        o.now = now ? *now : store.last_at(&error);  // run_report's clock when none is given
        SCOPED_TRACE(fmt::format("{} by '{}', {} {}, from {} to {}", report_kind_name(kind), by,
                                 interval_name(interval), zone, o.from, o.to));
        bool failed = false;
        ASSERT_TRUE(detail::aggregated_report(*store.aggregates(), o, &failed).has_value()) << "the aggregates answer";
        const auto answer = run_report(store, o, &failed);
        ASSERT_TRUE(answer.ok()) << answer.error;
        const Table expected = reference(o);
        EXPECT_EQ(render(answer.value, Format::Csv), render(expected, Format::Csv));
        EXPECT_EQ(render(answer.value, Format::Text), render(expected, Format::Text));
      }
}

// The report from the records the store holds, not its aggregates.
Table scan(history::Store& store, const Options& o) {
  Options records = o;
  records.records_only = true;
  bool failed = false;
  auto t = run_report(store, records, &failed);
  EXPECT_TRUE(t.ok()) << t.error;
  return t.value;
}

TEST(AggregatesTest, ReportsFromAggregatesEqualThePassOverRecords) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (unsigned seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    const std::vector<history::Record> records = random_history(rng);
    const std::string file = (dir / ("h" + std::to_string(seed) + ".db")).string();
    Writer w(file);
    // Checkpoints every few hundred item records (a day has about 3000): a restart rebuilds the
    // items' state from the last one and the records after it.
    w.set_checkpoint_records(1 + seed * 37 % 400);
    const std::size_t restart_at = std::uniform_int_distribution<std::size_t>(0, records.size())(rng);
    for (std::size_t k = 0; k < records.size();) {
      const std::size_t n = std::min(records.size() - k, std::uniform_int_distribution<std::size_t>(1, 40)(rng));
      w.append({records.begin() + static_cast<std::ptrdiff_t>(k), records.begin() + static_cast<std::ptrdiff_t>(k + n)},
               rng() % 5 == 0);
      if (k < restart_at && restart_at <= k + n) {  // a restart: the item states read back from the file
        if (seed % 2) w.crash();
        else w.close();
        w.open();
      }
      k += n;
    }
    const std::int64_t start = at("06:00");
    compare(w.store(), rng, start, [&](const Options& o) { return scan(w.store(), o); });
    compare(w.store(), rng, start, [&](const Options& o) { return run(o, records); });

    // Retention: a part of the records before noon deleted; the later reports still count the
    // items open across the cut as the records did (the scan of what is left cannot: their
    // capture is gone).
    w.purge(at("12:00"), std::uniform_int_distribution<std::int64_t>(1, 2000)(rng));
    std::string error;
    const std::int64_t first = w.store().first_at(&error).value_or(at("12:00"));
    const std::int64_t earliest = history::bucket_of(first + history::kBucketMs - 1);
    w.close();
    w.open();
    compare(w.store(), rng, earliest, [&](const Options& o) { return run(o, records); });
  }
  fs::remove_all(dir);
}

// A history written up to `now` (a server's, mid-day): the aggregates answer a report whose
// range goes on past now, ending with the interval that holds it, its backlog and overdue count
// as of now (the items' state, not the buckets, tells which are due before now), like the
// pass over the day's records stopped at now, and like the scan of what the file holds.
TEST(AggregatesTest, AReportEndsWithTheIntervalHoldingNow) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_now_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (unsigned seed : {3u, 8u, 21u, 40u}) {
    std::mt19937 rng(seed);
    const std::vector<history::Record> records = random_history(rng);
    const std::string file = (dir / fmt::format("now{}.db", seed)).string();
    // Not on a bucket's boundary: the bucket that holds now has items due on either side of it.
    const std::int64_t now = at("09:00") + 1000 * std::uniform_int_distribution<std::int64_t>(0, 10 * 3600)(rng) + 500;
    std::vector<history::Record> written;
    for (const auto& r : records)
      if (r.at <= now) written.push_back(r);
    SCOPED_TRACE(fmt::format("seed {}, now {}", seed, stdlib::format_instant(stdlib::Instant{now})));
    Writer w(file);
    w.set_checkpoint_records(50 + seed);
    for (std::size_t k = 0; k < written.size(); k += 25)
      w.append({written.begin() + static_cast<std::ptrdiff_t>(k),
                written.begin() + static_cast<std::ptrdiff_t>(std::min(k + 25, written.size()))},
               false);
    compare(w.store(), rng, at("06:00"), [&](const Options& o) { return run(o, records); }, now);
    compare(w.store(), rng, at("06:00"), [&](const Options& o) { return scan(w.store(), o); }, now);
    // A reader of the file (a report's, as `GET /v1/reports` opens) reads the items' state itself.
    w.close();
    std::string error;
    auto reader = history::Store::open_reader(file, &error);
    ASSERT_TRUE(reader) << error;
    compare(*reader, rng, at("06:00"), [&](const Options& o) { return run(o, records); }, now);
  }
  fs::remove_all(dir);
}

// The items' state is written at checkpoints, not in every commit: between two, a commit
// writes the records and their cells only; a restart from any batch rebuilds the state from
// the last checkpoint and the records after it, and the reports stay those of the records.
TEST(AggregatesTest, ItemStatesWrittenAtCheckpointsOnly) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_checkpoints_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(5);
  const std::vector<history::Record> records = random_history(rng);
  const std::string file = (dir / "h.db").string();
  Writer w(file);
  w.set_checkpoint_records(500);
  std::set<std::string> checkpoints;  // the values of agg_items_seq seen after each batch
  std::size_t batches = 0;
  for (std::size_t k = 0; k < records.size(); k += 10, ++batches) {
    const std::size_t n = std::min<std::size_t>(10, records.size() - k);
    w.append({records.begin() + static_cast<std::ptrdiff_t>(k), records.begin() + static_cast<std::ptrdiff_t>(k + n)},
             false);
    const std::string seq = w.query("SELECT value FROM history_meta WHERE name = 'agg_items_seq'");
    ASSERT_FALSE(seq.empty()) << "a checkpoint from the first batch on";
    checkpoints.insert(seq);
    if (batches % 37 == 0) {  // a restart between checkpoints, after a kill or a clean stop
      const std::string before = w.query("SELECT value FROM history_meta WHERE name = 'agg_items_seq'");
      if (batches % 2) w.crash();
      else w.close();
      w.open();
      const std::string last = w.query("SELECT MAX(seq) FROM history");
      if (batches % 2) EXPECT_EQ(w.query("SELECT value FROM history_meta WHERE name = 'agg_items_seq'"), before);
      else EXPECT_EQ(w.query("SELECT value FROM history_meta WHERE name = 'agg_items_seq'"), last) << "closed cleanly";
    }
  }
  // Item records are most of the day's: about one checkpoint per 500 records (and the one the
  // writer wrote when it opened the new file, at seq 0).
  EXPECT_GE(checkpoints.size(), records.size() / 1000);
  EXPECT_LE(checkpoints.size(), records.size() / 400 + 2);
  EXPECT_LT(checkpoints.size(), batches / 10);
  compare(w.store(), rng, at("06:00"), [&](const Options& o) { return run(o, records); });
  fs::remove_all(dir);
}

// A history of schema version 2 (records, no aggregates) opened by a writer gets the
// aggregates of every record it holds, once, before the writer appends.
TEST(AggregatesTest, BuiltForTheRecordsOfAVersion2History) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_v2_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(7);
  const std::vector<history::Record> records = random_history(rng);
  const std::size_t half = records.size() / 2;
  const std::string file = (dir / "h.db").string();
  Writer w(file);
  w.append({records.begin(), records.begin() + static_cast<std::ptrdiff_t>(half)}, false);
  w.exec("DROP TABLE history_agg; DROP TABLE history_agg_groupings; DROP TABLE history_agg_items; "
         "UPDATE history_meta SET value = 2 WHERE name = 'schema'");
  w.close();
  w.open();  // brought to the current version: the aggregates of the first half built
  w.append({records.begin() + static_cast<std::ptrdiff_t>(half), records.end()}, false);
  compare(w.store(), rng, at("06:00"), [&](const Options& o) { return run(o, records); });
  fs::remove_all(dir);
}

// Runs SQL on a file directly, as an older version (or damage) would leave it.
void sql(const std::string& file, const char* text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, text, nullptr, nullptr, &message), SQLITE_OK) << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

// Version 3 kept the items' rows keyed by id; a writer opening it brings them to version 4's
// table (numbered in creation order) with the rest of the file, and counts on from them.
TEST(AggregatesTest, ItemsOfAVersion3HistoryKeptAtStart) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_v3_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(11);
  const std::vector<history::Record> records = random_history(rng);
  const std::size_t half = records.size() / 2;
  const std::string file = (dir / "h.db").string();
  Writer w(file);
  w.append({records.begin(), records.begin() + static_cast<std::ptrdiff_t>(half)}, false);
  w.close();  // the clean close's checkpoint: the open items' rows
  w.open();
  const std::string open_items = w.query("SELECT COUNT(*) FROM history_agg_items");
  w.close();
  ASSERT_NE(open_items, "0");
  sql(file,
      "BEGIN; CREATE TABLE v3 (item TEXT PRIMARY KEY, process TEXT NOT NULL, department TEXT NOT NULL, "
      "dimension_set INTEGER NOT NULL, captured_at INTEGER, queued_at INTEGER, offered INTEGER NOT NULL, "
      "assigned_since INTEGER, handle_ms INTEGER NOT NULL, due INTEGER, outcome TEXT NOT NULL) WITHOUT ROWID; "
      "INSERT INTO v3 SELECT item, process, department, dimension_set, captured_at, queued_at, offered, assigned_since, "
      "handle_ms, due, outcome FROM history_agg_items; DROP TABLE history_agg_items; "
      "ALTER TABLE v3 RENAME TO history_agg_items; UPDATE history_meta SET value = 3 WHERE name = 'schema'; COMMIT");
  w.open();
  EXPECT_EQ(w.query("SELECT value FROM history_meta WHERE name = 'schema'"), "6");
  EXPECT_EQ(w.query("SELECT COUNT(*) FROM history_agg_items"), open_items);
  EXPECT_EQ(w.query("SELECT MIN(row) || ' ' || MAX(row) FROM history_agg_items"), "1 " + open_items);
  EXPECT_EQ(w.query("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'history_agg_items_v3'"), "0");
  w.append({records.begin() + static_cast<std::ptrdiff_t>(half), records.end()}, false);
  compare(w.store(), rng, at("06:00"), [&](const Options& o) { return run(o, records); });
  fs::remove_all(dir);
}

// After a kill, a page of records after the last checkpoint that cannot be read (damage) does
// not stop the writer: the items' state is rebuilt from what can be read, a warning names the
// file, the table and the records skipped, appends go on, the reports answer, and the
// checkpoint written with the next batch keeps the next start from meeting the damage.
TEST(AggregatesTest, ADamagedPageOfRecordsAfterTheCheckpointStopsNoAppend) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_damage_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(3);
  const std::vector<history::Record> records = random_history(rng);
  const std::string file = (dir / "h.db").string();
  const auto batch = [&](std::size_t from, std::size_t to) {
    return std::vector<history::Record>(records.begin() + static_cast<std::ptrdiff_t>(from),
                                        records.begin() + static_cast<std::ptrdiff_t>(to));
  };
  const std::size_t killed_at = records.size() * 3 / 4, restarted_at = records.size() * 7 / 8;
  Writer w(file);
  w.set_checkpoint_records(1'000'000);  // one checkpoint: when it opened the new file
  for (std::size_t k = 0; k < killed_at; k += 20) w.append(batch(k, std::min(k + 20, killed_at)), false);
  const std::int64_t checkpoint = std::stoll(w.query("SELECT value FROM history_meta WHERE name = 'agg_items_seq'"));
  EXPECT_EQ(checkpoint, 0) << "written when the writer opened the new file";
  w.crash();

  // A leaf of the records' b-tree in the middle (SQLite's dbstat: the leaves in key order; the
  // seqs run from 1 without a gap), its header overwritten.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT pageno, ncell, pgsize FROM dbstat WHERE name = 'history_rows' AND pagetype = 'leaf' "
                                   "ORDER BY path",
                               -1, &st, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  std::vector<std::array<std::int64_t, 3>> leaves;
  while (sqlite3_step(st) == SQLITE_ROW)
    leaves.push_back({sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2)});
  sqlite3_finalize(st);
  sqlite3_close(db);
  ASSERT_GT(leaves.size(), 8u);
  const std::size_t damaged = leaves.size() / 2;
  std::int64_t first = 1;
  for (std::size_t k = 0; k < damaged; ++k) first += leaves[k][1];
  const std::int64_t last = first + leaves[damaged][1] - 1;
  ASSERT_GT(first, checkpoint);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp((leaves[damaged][0] - 1) * leaves[damaged][2]);
    const std::string garbage(16, '\xff');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }

  ::testing::internal::CaptureStderr();
  w.open();  // the items' state read at once, around the damage, and a checkpoint written after it
  const std::string said = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("iwd: " + file + ", table history: the records after seq " + std::to_string(first - 1) +
                      " cannot be read (" + file + ", table history: database disk image is malformed)"),
            std::string::npos)
      << said;
  EXPECT_NE(said.find(fmt::format("rebuilt without seq {} to {}", first, last)), std::string::npos)
      << said << " (the page held seq " << first << " to " << last << ")";
  EXPECT_EQ(w.query("SELECT value FROM history_meta WHERE name = 'agg_items_seq'"), std::to_string(killed_at));
  for (std::size_t k = killed_at; k < restarted_at; k += 20) w.append(batch(k, std::min(k + 20, restarted_at)), false);
  // The reports answer, from the aggregates.
  Options o;
  o.zone = stdlib::TimeZone::find("UTC");
  o.from = at("06:00");
  o.to = at("06:00", "2026-01-06");
  bool failed = false;
  ASSERT_TRUE(detail::aggregated_report(*w.store().aggregates(), o, &failed).has_value());
  const auto answer = run_report(w.store(), o, &failed);
  ASSERT_TRUE(answer.ok()) << answer.error;
  EXPECT_FALSE(answer.value.rows.empty());

  w.crash();  // the next start reads from the checkpoint after the damage: nothing to say
  ::testing::internal::CaptureStderr();
  w.open();
  w.append(batch(restarted_at, records.size()), false);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  fs::remove_all(dir);
}

// What the aggregates cannot answer exactly goes to the records: a range off the quarter
// hours, a dimension that appeared after the first item record, an unknown one (its error
// names the dimensions the records have).
TEST(AggregatesTest, OtherRequestsScanTheRecords) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_aggregates_other_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(99);
  std::vector<history::Record> records = random_history(rng);
  for (std::size_t k = records.size() / 2; k < records.size(); ++k)  // `region` from the middle of the day on
    if (records[k].kind == history::RecordKind::Item) records[k].dimensions.emplace_back("region", "North");
  Writer w((dir / "h.db").string());
  w.append(records, false);
  Options o;
  o.zone = stdlib::TimeZone::find("UTC");
  o.from = at("09:07");
  o.to = at("17:00");
  bool failed = false;
  EXPECT_FALSE(detail::aggregated_report(*w.store().aggregates(), o, &failed).has_value());
  auto t = run_report(w.store(), o, &failed);
  EXPECT_EQ(render(t.value, Format::Csv), render(run(o, records), Format::Csv));
  o.from = at("09:00");
  o.by = "region";
  o.kind = ReportKind::SegmentServiceLevel;
  EXPECT_FALSE(detail::aggregated_report(*w.store().aggregates(), o, &failed).has_value());
  t = run_report(w.store(), o, &failed);
  EXPECT_EQ(render(t.value, Format::Csv), render(run(o, records), Format::Csv));
  o.by = "tier";
  t = run_report(w.store(), o, &failed);
  EXPECT_FALSE(t.ok());
  EXPECT_EQ(t.error, "unknown dimension `tier` for --by (the history has: process, department, segment, region)");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace iwd::reports::test
