// Version 7's history_pending (history/pending.h, docs/reporting.md "Table history_pending"):
// the encoding of a commit's records, readers over pending and filled records (the same
// answers as a history that filled everything), a writer killed mid-way (during a fill
// included) losing no acknowledged record and writing none twice, and a version-6 file brought
// to 7.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "history/pending.h"
#include "history/store.h"
#include "tests/support/temp_dir.h"

namespace iwd::history {
namespace {

namespace fs = std::filesystem;

// The record of seq `s`, the same every time: items in lifecycles of four (capture, offer,
// accept, done), an agent event every 11th, instants that stay put or grow.
Record make(std::int64_t s) {
  Record r;
  r.seq = s;
  r.at = 1'760'000'000'000 + (s / 3) * 7'000;
  if (s % 11 == 0) {
    r.kind = RecordKind::Agent;
    r.agent = "A" + std::to_string(s % 5);
    r.reason = s % 2 ? "lunch" : "";
    r.from = "ready";
    r.to = "not_ready";
    r.actor = "agent-desk";
    return r;
  }
  static const char* const kReasons[] = {"capture", "offer", "accept", "done"};
  static const char* const kStates[] = {"none", "queued", "offered", "assigned", "done"};
  const std::int64_t step = s % 4;
  r.kind = s % 13 == 0 ? RecordKind::Priority : RecordKind::Item;
  r.item = "W" + std::to_string(s / 4 * 7 % 97);
  r.reason = kReasons[step];
  r.from = kStates[step];
  r.to = kStates[step + 1];
  r.agent = step >= 1 ? "A" + std::to_string(s % 5) : "";
  r.department = s % 3 ? "Sales" : "Service";
  r.process = s % 3 ? "Sales.Gold" : "Service.Any";
  r.priority = 100 - s % 9 * 25;
  r.previous_priority = r.kind == RecordKind::Priority ? 40 : 0;
  r.stage = s % 17 == 0 ? 3 : -1;
  if (s % 5 != 0) r.due = r.at + (s % 7 - 3) * 60'000;
  r.overdue = r.due && r.at > *r.due;
  if (s % 6 != 0) r.dimensions = {{"segment", s % 2 ? "Gold" : "Silver"}, {"vip", s % 4 ? "true" : "false"}};
  r.outcome = step == 3 ? (s % 8 == 3 ? "converted" : "lost") : "";
  r.detail = step == 3 && s % 9 == 0 ? std::string("note with a \0 byte", 18) : "";
  r.actor = step == 0 ? "crm" : "rules";
  return r;
}

std::vector<Record> make_range(std::int64_t first, std::int64_t last) {
  std::vector<Record> out;
  for (std::int64_t s = first; s <= last; ++s) out.push_back(make(s));
  return out;
}

std::string text(const Record& r) {
  std::string dims;
  for (const auto& [k, v] : r.dimensions) dims += k + "=" + v + ";";
  return fmt::format("{} {} {} [{}] {} {}>{} {} {}/{} {} {}/{} {} {} {} [{}] {} [{}] {}", r.seq, r.at,
                     record_kind_name(r.kind), r.item, r.reason, r.from, r.to, r.agent, r.department, r.process, r.priority,
                     r.previous_priority, r.stage, r.due ? std::to_string(*r.due) : "-", r.overdue, dims, r.outcome,
                     r.detail.size(), r.detail, r.actor);
}

std::vector<std::string> range(Store& s, std::int64_t from, std::int64_t to) {
  std::vector<std::string> out;
  std::string error;
  EXPECT_TRUE(s.read_range(from, to, [&](const Record& r) { out.push_back(text(r)); return true; }, &error)) << error;
  return out;
}

std::vector<std::string> item(Store& s, const std::string& id) {
  std::vector<std::string> out;
  std::string error;
  EXPECT_TRUE(s.read_item(id, [&](const Record& r) { out.push_back(text(r)); return true; }, &error)) << error;
  return out;
}

// The aggregates' cells of `s` by process, department and segment, every bucket, as text.
std::vector<std::string> cells(Store& s) {
  std::vector<std::string> out;
  std::string error;
  for (const char* by : {"process", "department", "segment"})
    EXPECT_TRUE(s.aggregates()->read(by, INT64_MIN, INT64_MAX, [&](std::int64_t bucket, const std::string& value,
                                                                    AggregateCell& c) {
      std::string outcomes;
      for (const auto& [k, n] : c.outcomes) outcomes += fmt::format("{}={};", k, n);
      std::sort(c.complete_ms.begin(), c.complete_ms.end());
      out.push_back(fmt::format("{} {} {}: {} {} {} {} {} {} {} {} {} {} {} {} {} [{}] {}", by, bucket, value, c.records,
                                c.entered, c.completed, c.canceled, c.expired, c.rejected, c.completed_overdue,
                                c.handle_ms, c.handled, c.first_offer_ms, c.first_offers, c.backlog_change,
                                c.overdue_change, fmt::join(c.complete_ms, ","), outcomes));
    }, &error)) << by << ": " << error;
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> column(const std::string& file, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  while (st && sqlite3_step(st) == SQLITE_ROW) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    out.emplace_back(t ? t : "NULL");
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// A history written by create() (each append its own transaction, no pending rows): the
// reference every reader's answer is compared with.
std::unique_ptr<Store> reference(const std::string& file, const std::vector<Record>& records) {
  std::string error;
  auto s = Store::create(file, &error);
  EXPECT_TRUE(s) << error;
  if (s && !records.empty()) {
    EXPECT_TRUE(s->append(records, &error)) << error;
  }
  return s;
}

// Every reader of `s` answers as `ref`'s: ranges (ends among the records and around them),
// every item's timeline, first and last instants, the last seq.
void expect_same_reads(Store& s, Store& ref, const std::vector<Record>& records) {
  std::string error;
  EXPECT_EQ(range(s, INT64_MIN, INT64_MAX), range(ref, INT64_MIN, INT64_MAX));
  std::vector<std::int64_t> instants{INT64_MIN, 0};
  for (std::size_t k = 0; k < records.size(); k += 1 + records.size() / 5) {
    instants.push_back(records[k].at);
    instants.push_back(records[k].at + 1);
  }
  if (!records.empty()) instants.push_back(records.back().at);
  for (std::int64_t from : instants)
    for (std::int64_t to : instants)
      if (from <= to) {
        EXPECT_EQ(range(s, from, to), range(ref, from, to)) << from << " " << to;
      }
  std::map<std::string, int> items;
  for (const Record& r : records) ++items[r.item];
  items["nobody"] = 0;
  for (const auto& [id, n] : items) EXPECT_EQ(item(s, id), item(ref, id)) << "'" << id << "'";
  EXPECT_EQ(s.first_at(&error), ref.first_at(&error));
  EXPECT_EQ(s.last_at(&error), ref.last_at(&error));
  EXPECT_EQ(s.last_seq(&error), ref.last_seq(&error));
}

TEST(HistoryPending, TheEncodingRoundTripsEveryField) {
  std::vector<Record> records = make_range(1, 300);
  records[5].seq = 1000;  // (seqs that skip)
  for (std::size_t k = 6; k < records.size(); ++k) records[k].seq = 1000 + static_cast<std::int64_t>(k);
  records[7].at = records[6].at;  // the same instant
  records[8].at = INT64_MAX / 2;
  for (std::size_t k = 9; k < records.size(); ++k) records[k].at = INT64_MAX / 2 + static_cast<std::int64_t>(k);
  records[10].due = INT64_MIN / 4;  // far before
  records[11].priority = INT64_MIN;
  records[11].previous_priority = INT64_MAX;
  records[12].stage = INT32_MIN;
  records[13].stage = INT32_MAX;
  records[14].item = std::string(70'000, 'x');
  records[15].detail = std::string("\0\1\2\xff", 4);
  records.front().at = -5;  // an instant before the epoch first
  std::vector<Coded> coded(records.size());
  for (std::size_t k = 0; k < records.size(); ++k) {
    coded[k].set = static_cast<std::int64_t>(k % 3 == 0 ? 0 : k * 977);
    for (int c = 0; c < kCodedColumns; ++c)
      coded[k].names[c] = k == 20 ? INT64_MAX : static_cast<std::int64_t>((k * 31 + c * 1'000'003) % 5'000'000);
  }
  std::string blob;
  PendingEncoder e;
  e.begin(&blob, records.front().seq);
  for (std::size_t k = 0; k < records.size(); ++k) e.add(records[k], coded[k]);
  PendingDecoder d(blob, records.front().seq);
  Record r;
  Coded c;
  std::size_t n = 0;
  while (d.next(&r, &c)) {
    ASSERT_LT(n, records.size());
    const Record& w = records[n];
    EXPECT_EQ(r.seq, w.seq) << n;
    EXPECT_EQ(r.at, w.at) << n;
    EXPECT_EQ(r.item, w.item) << n;
    EXPECT_EQ(r.priority, w.priority) << n;
    EXPECT_EQ(r.previous_priority, w.previous_priority) << n;
    EXPECT_EQ(r.stage, w.stage) << n;
    EXPECT_EQ(r.due, w.due) << n;
    EXPECT_EQ(r.overdue, w.overdue) << n;
    EXPECT_EQ(r.detail, w.detail) << n;
    EXPECT_EQ(c.set, coded[n].set) << n;
    for (int k = 0; k < kCodedColumns; ++k) EXPECT_EQ(c.names[k], coded[n].names[k]) << n << " " << k;
    ++n;
  }
  EXPECT_EQ(d.error(), "");
  EXPECT_EQ(n, records.size());
  EXPECT_EQ(d.last_seq(), records.back().seq);
}

// Every cut of a blob and every byte of it changed: the decoder stops with an error naming what
// it was reading and the byte (or, for a change that still decodes, reads records), never
// reads past the blob or crashes. Through the store: a damaged row fails every reader with the
// table, the row and the seqs named.
TEST(HistoryPending, ADamagedBlobIsAnErrorNamingWhereNeverACrash) {
  const std::vector<Record> records = make_range(1, 40);
  std::string blob;
  PendingEncoder e;
  e.begin(&blob, 1);
  for (const Record& r : records) e.add(r, Coded{3, {1, 2, 3, 4, 5, 6, 7, 8, 9}});
  const auto decode = [](std::string_view b) {
    PendingDecoder d(b, 1);
    Record r;
    Coded c;
    int n = 0;
    while (d.next(&r, &c)) ++n;
    return std::pair{n, d.error()};
  };
  EXPECT_EQ(decode(blob), (std::pair{40, std::string()}));
  for (std::size_t cut = 0; cut < blob.size(); ++cut) {
    const auto [n, error] = decode(std::string_view(blob).substr(0, cut));
    // A cut between two records reads the ones before it (the store then finds the row's
    // last_seq not reached); inside one, an error.
    if (!error.empty()) {
      EXPECT_NE(error.find(fmt::format("of {}", cut)), std::string::npos) << error;
      EXPECT_LT(n, 40);
    }
  }
  EXPECT_NE(decode("").second.find("empty"), std::string::npos);
  EXPECT_NE(decode("\x02").second.find("unknown format"), std::string::npos);
  EXPECT_NE(decode(std::string("\x01\x01\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 13)).second.find("longer than 64"),
            std::string::npos);
  std::mt19937 rng(7);
  for (int k = 0; k < 20'000; ++k) {
    std::string damaged = blob;
    for (int flips = 1 + k % 3; flips > 0; --flips)
      damaged[rng() % damaged.size()] = static_cast<char>(rng());
    (void)decode(damaged);  // (whatever it says: no crash, no read past the end under the sanitizers)
  }

  const iwd::testing::TempDir tmp("iwd_history_pending_damage_");
  const std::string file = (tmp.path() / "journal.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::string error;
  {
    auto s = Store::on(db, file, &error);
    ASSERT_TRUE(s) << error;
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    ASSERT_TRUE(s->append(records, &error)) << error;
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    ASSERT_EQ(s->held(), 40u);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);  // closed as a kill would: no fill
    s.reset();
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  ASSERT_EQ(column(file, "SELECT count(*) FROM history_pending"), std::vector<std::string>{"1"});
  ASSERT_EQ(sqlite3_exec(db, "UPDATE history_pending SET records = substr(records, 1, 30)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto reader = Store::open_reader(file, &error);
  ASSERT_TRUE(reader) << error;
  error.clear();
  EXPECT_FALSE(reader->read_range(INT64_MIN, INT64_MAX, [](const Record&) { return true; }, &error));
  EXPECT_NE(error.find("table history_pending, row 1 (seq 1 to 40): the records cannot be read"), std::string::npos)
      << error;
  error.clear();
  EXPECT_FALSE(reader->read_item("W0", [](const Record&) { return true; }, &error));
  EXPECT_NE(error.find("table history_pending, row 1"), std::string::npos) << error;
  error.clear();
  std::string writer_error;
  auto writer = Store::on(db, file, &writer_error);  // a writer: its first append reads the rows
  ASSERT_TRUE(writer) << writer_error;
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  EXPECT_FALSE(writer->append({make(41)}, &writer_error));
  EXPECT_NE(writer_error.find("table history_pending, row 1"), std::string::npos) << writer_error;
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  writer->rolled_back();
  writer.reset();
  reader.reset();
  sqlite3_close(db);
}

// The readers over a history whose latest records are pending (some committed as rows of
// history_pending, some filled), through the writer's store and a reader's: the same answers
// as a history that filled every record, after every commit, a rollback, a restart, a purge.
TEST(HistoryPending, ReadersSeePendingRecordsAsIfFilled) {
  const iwd::testing::TempDir tmp("iwd_history_pending_read_");
  const std::string file = (tmp.path() / "journal.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  std::string error;
  auto s = Store::on(db, file, &error);
  ASSERT_TRUE(s) << error;
  s->set_fill_records(60);
  s->set_fill_after(std::chrono::hours(1));  // (by count only: the test's own pace decides nothing)
  std::vector<Record> written;
  std::mt19937 rng(3);
  std::int64_t seq = 0;
  int with_pending = 0, with_filled_and_pending = 0, fills = 0;
  bool restarted = false;
  for (int batch = 0; batch < 40; ++batch) {
    const std::vector<Record> next = make_range(seq + 1, seq + 1 + static_cast<std::int64_t>(rng() % 23));
    if (batch % 9 == 4) {  // a transaction rolled back: nothing of it
      sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      ASSERT_TRUE(s->append(next, &error, false)) << error;
      ASSERT_TRUE(s->flush(&error)) << error;
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      s->rolled_back();
    }
    // A restart after a kill (no clean close's fill) with records pending: the writer reads them back.
    if (!restarted && batch >= 25 && column(file, "SELECT count(*) FROM history_pending")[0] != "0") {
      restarted = true;
      sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      s.reset();
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
      s = Store::on(db, file, &error);
      ASSERT_TRUE(s) << error;
      s->set_fill_records(60);
      s->set_fill_after(std::chrono::hours(1));
    }
    const std::int64_t held_before =
        std::stoll(column(file, "SELECT COALESCE(SUM(last_seq - first_seq + 1), 0) FROM history_pending")[0]);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (std::size_t k = 0; k < next.size(); k += 5)
      ASSERT_TRUE(s->append({next.begin() + static_cast<std::ptrdiff_t>(k),
                             next.begin() + static_cast<std::ptrdiff_t>(std::min(next.size(), k + 5))},
                            &error, false))
          << error;
    ASSERT_TRUE(s->flush(&error)) << error;
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    seq = next.back().seq;
    written.insert(written.end(), next.begin(), next.end());
    const std::int64_t pending = std::stoll(column(file, "SELECT count(*) FROM history_pending")[0]);
    const std::int64_t filled = std::stoll(column(file, "SELECT count(*) FROM history_rows")[0]);
    fills += pending == 0;
    with_pending += pending > 0;
    with_filled_and_pending += pending > 0 && filled > 0;
    EXPECT_EQ(pending == 0, held_before + static_cast<std::int64_t>(next.size()) >= 60) << batch;
    const std::string ref_file = (tmp.path() / ("ref" + std::to_string(batch) + ".db")).string();
    auto ref = reference(ref_file, written);
    SCOPED_TRACE("batch " + std::to_string(batch));
    expect_same_reads(*s, *ref, written);
    auto reader = Store::open_reader(file, &error);
    ASSERT_TRUE(reader) << error;
    expect_same_reads(*reader, *ref, written);
    if (batch == 39) {
      EXPECT_EQ(cells(*reader), cells(*ref));
    }
    if (HasFailure()) return;
  }
  EXPECT_TRUE(restarted);
  EXPECT_GE(fills, 5);
  EXPECT_GE(with_filled_and_pending, 20);
  // Retention: the purge fills the pending records first, then deletes the oldest.
  ASSERT_GT(s->held(), 0u);
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  const auto purged = s->purge(written[written.size() / 2].at, 1'000'000, &error);
  ASSERT_TRUE(purged) << error;
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(column(file, "SELECT count(*) FROM history_pending"), std::vector<std::string>{"0"});
  std::vector<Record> kept;
  for (const Record& r : written)
    if (r.at >= written[written.size() / 2].at) kept.push_back(r);
  EXPECT_EQ(static_cast<std::size_t>(*purged), written.size() - kept.size());
  const std::vector<Record> last = make_range(seq + 1, seq + 3);
  sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  ASSERT_TRUE(s->append(last, &error)) << error;
  ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(s->held(), 3u);
  kept.insert(kept.end(), last.begin(), last.end());
  std::vector<std::string> expected;
  for (const Record& r : kept) expected.push_back(text(r));
  EXPECT_EQ(range(*s, INT64_MIN, INT64_MAX), expected);
  s.reset();
  sqlite3_close(db);
}

// A version-6 file (no history_pending) is read as it is, and a writer brings it to version 7
// (the table created in the transaction that writes the version), every record kept.
TEST(HistoryPending, AVersion6FileIsBroughtTo7KeepingEveryRecord) {
  const iwd::testing::TempDir tmp("iwd_history_pending_v6_");
  const std::string file = (tmp.path() / "journal.db").string();
  const std::vector<Record> records = make_range(1, 500);
  std::string error;
  reference(file, records).reset();
  {  // version 6's tables: those of 7 without history_pending
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE history_pending; UPDATE history_meta SET value = 6 WHERE name = 'schema'",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string ref_file = (tmp.path() / "ref.db").string();
  auto ref = reference(ref_file, records);
  {
    auto reader = Store::open_reader(file, &error);
    ASSERT_TRUE(reader) << error;
    expect_same_reads(*reader, *ref, records);
  }
  EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), std::vector<std::string>{"6"});
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  {
    auto s = Store::on(db, file, &error);
    ASSERT_TRUE(s) << error;
    EXPECT_EQ(column(file, "SELECT value FROM history_meta WHERE name = 'schema'"), std::vector<std::string>{"7"});
    EXPECT_EQ(column(file, "SELECT count(*) FROM history_pending"), std::vector<std::string>{"0"});
    expect_same_reads(*s, *ref, records);
    const std::vector<Record> more = make_range(501, 520);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    ASSERT_TRUE(s->append(more, &error)) << error;
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    EXPECT_EQ(s->held(), 20u);
    ASSERT_TRUE(ref->append(more, &error)) << error;
    std::vector<Record> all = records;
    all.insert(all.end(), more.begin(), more.end());
    expect_same_reads(*s, *ref, all);
    EXPECT_EQ(cells(*s), cells(*ref));
  }
  sqlite3_close(db);
  {  // a version newer than the program's is refused (as an iwd that reads 1 to 6 refuses 7)
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "UPDATE history_meta SET value = 8 WHERE name = 'schema'", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    EXPECT_FALSE(Store::open_reader(file, &error));
    EXPECT_NE(error.find("schema version 8, newer than this iwd reads (1 to 7)"), std::string::npos) << error;
  }
}

// A writer of its own transactions (`iwd replay --history`'s) on a file a server left records
// pending in fills them first: its rows then follow them, every reader sees them in seq order.
TEST(HistoryPending, AWriterOfItsOwnFillsWhatAServerLeftPending) {
  const iwd::testing::TempDir tmp("iwd_history_pending_own_");
  const std::string file = (tmp.path() / "journal.db").string();
  const std::vector<Record> records = make_range(1, 30);
  std::string error;
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  {
    auto s = Store::on(db, file, &error);
    ASSERT_TRUE(s) << error;
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    ASSERT_TRUE(s->append(records, &error)) << error;
    ASSERT_EQ(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);  // closed as a kill would
    s.reset();
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  sqlite3_close(db);
  ASSERT_EQ(column(file, "SELECT count(*) FROM history_pending"), std::vector<std::string>{"1"});
  auto own = Store::create(file, &error);
  ASSERT_TRUE(own) << error;
  EXPECT_EQ(column(file, "SELECT count(*) FROM history_pending"), std::vector<std::string>{"0"});
  const std::vector<Record> more = make_range(31, 40);
  ASSERT_TRUE(own->append(more, &error)) << error;
  std::vector<Record> all = records;
  all.insert(all.end(), more.begin(), more.end());
  auto ref = reference((tmp.path() / "ref.db").string(), all);
  expect_same_reads(*own, *ref, all);
}

// ---- A writer killed mid-way ----------------------------------------------------------------

// What the child has done, in memory shared with the parent.
struct Shared {
  std::atomic<std::int64_t> acknowledged{0};  // the last seq of a committed transaction
  std::atomic<int> fills{0};                  // fills begun (their DELETE of the pending rows traced)
  std::atomic<int> pause_at_fill{0};          // set by the parent: the child stops at that fill, says so
};
Shared* shared = nullptr;
int said_fd = -1;

int trace(unsigned, void*, void*, void* x) {
  const char* sql = static_cast<const char*>(x);
  if (std::strncmp(sql, "DELETE FROM history_pending", 27) == 0) {
    const int n = ++shared->fills;
    if (shared->pause_at_fill == n) {  // the fill's rows inserted, the pending ones not deleted, uncommitted
      const char c = 'p';
      if (write(said_fd, &c, 1) != 1) _exit(2);
      for (;;) pause();
    }
  }
  return 0;
}

int trace_statements(sqlite3* db, const char**, const struct sqlite3_api_routines*) {
  sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace, nullptr);
  return SQLITE_OK;
}

// Batches of 1 to 40 records from the seq after those `file` holds, each in a transaction
// (appends of up to 8, a flush, a commit; fills every 97 records, checkpoints every 50 item
// records), until killed. Returns after the kill: the last seq acknowledged, the fills begun.
struct Killed {
  std::int64_t acknowledged = 0;
  int fills = 0;
  bool paused = false, by_sigkill = false;
};
Killed write_and_kill(const std::string& file, int pause_at_fill, std::chrono::microseconds delay) {
  Killed k;
  void* memory = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int fds[2];
  if (memory == MAP_FAILED || pipe(fds) != 0) return k;
  Shared* s = new (memory) Shared;
  s->pause_at_fill = pause_at_fill;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    shared = s;
    said_fd = fds[1];
    sqlite3_auto_extension(reinterpret_cast<void (*)()>(trace_statements));
    sqlite3* db = nullptr;
    std::string error;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) _exit(3);
    auto store = Store::on(db, file, &error);
    if (!store) _exit(4);
    store->set_fill_records(97);
    store->aggregates()->set_checkpoint_records(50);
    const auto last = store->last_seq(&error);
    if (!last) _exit(5);
    std::int64_t seq = *last;
    std::mt19937 rng(static_cast<unsigned>(seq + 1));
    const char c = 's';
    if (write(fds[1], &c, 1) != 1) _exit(2);
    for (;;) {
      const std::vector<Record> batch = make_range(seq + 1, seq + 1 + static_cast<std::int64_t>(rng() % 40));
      if (sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) _exit(6);
      for (std::size_t k = 0; k < batch.size(); k += 8)
        if (!store->append({batch.begin() + static_cast<std::ptrdiff_t>(k),
                            batch.begin() + static_cast<std::ptrdiff_t>(std::min(batch.size(), k + 8))},
                           &error, false))
          _exit(7);
      if (!store->flush(&error) || sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) _exit(8);
      seq = batch.back().seq;
      s->acknowledged = seq;
    }
  }
  close(fds[1]);
  char c = 0;
  const bool started = pid > 0 && read(fds[0], &c, 1) == 1 && c == 's';
  if (started && pause_at_fill > 0) k.paused = read(fds[0], &c, 1) == 1 && c == 'p';
  else if (started) std::this_thread::sleep_for(delay);
  if (pid > 0) {
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    k.by_sigkill = started && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  }
  close(fds[0]);
  k.acknowledged = s->acknowledged;
  k.fills = s->fills;
  munmap(memory, sizeof(Shared));
  return k;
}

// After each kill: every acknowledged record there exactly once (seqs 1 to N with N at least
// the acknowledged one, each the record written), by range and by item, through a reader and
// a writer that opens the file again; the aggregates' cells equal to those of a history that
// wrote the same records; then the next writer goes on from there.
TEST(HistoryPending, AWriterKilledMidwayEvenInAFillLosesNoRecordAndWritesNoneTwice) {
  const iwd::testing::TempDir tmp("iwd_history_pending_kill_");
  const std::string file = (tmp.path() / "journal.db").string();
  std::string error;
  std::int64_t acknowledged = 0;
  int paused = 0, spread = 0, trial = 0;
  const auto check = [&](const Killed& k) {
    SCOPED_TRACE("trial " + std::to_string(trial++));
    ASSERT_TRUE(k.by_sigkill);
    if (k.acknowledged > 0) {  // (0: killed before its first commit)
      ASSERT_GE(k.acknowledged, acknowledged);
      acknowledged = k.acknowledged;
    }
    // (The WAL of a kill is recovered by the next read-write connection: a read-only one cannot.)
    ASSERT_FALSE(column(file, "SELECT count(*) FROM sqlite_schema").empty());
    auto reader = Store::open_reader(file, &error);
    ASSERT_TRUE(reader) << error;
    const auto back = range(*reader, INT64_MIN, INT64_MAX);
    ASSERT_GE(back.size(), static_cast<std::size_t>(acknowledged));
    ASSERT_LE(back.size(), static_cast<std::size_t>(acknowledged) + 40);  // at most the batch whose ack was not said
    const std::vector<Record> records = make_range(1, static_cast<std::int64_t>(back.size()));
    for (std::size_t n = 0; n < back.size(); ++n) ASSERT_EQ(back[n], text(records[n])) << n;
    const std::string ref_file = (tmp.path() / ("ref" + std::to_string(trial) + ".db")).string();
    auto ref = reference(ref_file, records);
    for (const char* id : {"W0", "W7", "W14", "W96", ""}) EXPECT_EQ(item(*reader, id), item(*ref, id)) << id;
    reader.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
    {
      auto writer = Store::on(db, file, &error);  // its start rebuilds the aggregates' items from the tail
      ASSERT_TRUE(writer) << error;
      EXPECT_EQ(range(*writer, INT64_MIN, INT64_MAX), back);
      EXPECT_EQ(cells(*writer), cells(*ref));
      // Closed as a kill would (a transaction open: no clean close's fill or checkpoint), so
      // that the next child reads the pending rows back.
      sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      writer.reset();
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    sqlite3_close(db);
    acknowledged = static_cast<std::int64_t>(back.size());
  };
  // Kills at a fill, placed: the child stops in SQLite's trace of the fill's DELETE (its rows
  // inserted into history_rows and history_items, uncommitted) and is killed there.
  for (int fill : {1, 2, 4}) {
    const Killed k = write_and_kill(file, fill, {});
    ASSERT_TRUE(k.paused) << fill;
    ++paused;
    check(k);
    if (HasFailure()) return;
  }
  // Kills spread over the writing (a few ms to 80 ms in).
  for (int n = 0; n < 12 && !HasFailure(); ++n, ++spread) check(write_and_kill(file, 0, std::chrono::microseconds{3'000 + n * 7'000}));
  EXPECT_GT(acknowledged, 300);
  std::printf("[   kills  ] %d at a fill, %d spread; %lld records at the end\n", paused, spread,
              static_cast<long long>(acknowledged));
}

}  // namespace
}  // namespace iwd::history
