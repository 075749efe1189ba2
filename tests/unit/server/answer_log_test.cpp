// The idempotency window's first answers (server/answer_log.h): given back byte for byte
// whatever they hold, shortened by their id and instant, shared with the answer kept before
// when the same, and their bytes dropped with the captures that named them; a view keeps
// them for a snapshot while the log goes on. Checked against a plain map of the texts.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "server/answer_log.h"
#include "stdlib/time.h"

namespace iwd::server {
namespace {

constexpr std::int64_t kAt = 1795510800000;  // 2026-11-24T09:00:00Z

// An answer as the engine renders one: the id twice, the capture's instant as captured_at.
std::string answer_of(const std::string& id, std::int64_t at, const std::string& more = "") {
  return "{\"id\":\"" + id + "\",\"state\":\"queued\",\"process\":\"Sales.Gold\",\"priority\":10,\"attributes\":{\"id\":\"" + id +
         "\",\"captured_at\":\"" + stdlib::format_instant(stdlib::Instant{at}) + "\"" + more + "}}";
}

TEST(AnswerLog, GivesBackEachAnswerByteForByte) {
  AnswerLog log;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"C1", answer_of("C1", kAt)},
      {"a\"b\\c", "{\"id\":\"a\\\"b\\\\c\",\"attributes\":{\"id\":\"a\\\"b\\\\c\"}}"},  // escaped in JSON
      {"C1C1", "\"C1C1\"\"C1C1\"C1C1 2026-11-24T09:00:00.001Z"},  // the id, bare and quoted; an instant
      {"raw", std::string("{\"id\":\"raw\",\"x\":\"\x01\x02\"}")},  // a raw token byte: kept as it is
      {"é", answer_of("é", kAt + 1)},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) log.append(static_cast<std::uint32_t>(k), cases[k].first, kAt + 1, cases[k].second);
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto found = log.find(static_cast<std::uint32_t>(k), cases[k].first, kAt + 1);
    ASSERT_TRUE(found) << k;
    EXPECT_EQ(*found, cases[k].second) << k;
  }
  EXPECT_FALSE(log.find(0, "C1", kAt));       // another instant
  EXPECT_FALSE(log.find(99, "C99", kAt + 1));  // another id
  // Shortened: an answer's id and instant are not kept.
  AnswerLog one;
  const std::string text = answer_of("case-000000123", kAt);
  one.append(7, "case-000000123", kAt, text);
  const std::size_t instant = stdlib::format_instant(stdlib::Instant{kAt}).size();
  EXPECT_EQ(one.bytes_kept(), text.size() - 2 * (std::string("\"case-000000123\"").size() - 1) - (instant - 1));
}

TEST(AnswerLog, TheSameAnswerAsTheLastIsShared) {
  AnswerLog log;
  for (std::uint32_t k = 0; k < 1000; ++k) {
    const std::string id = "case-" + std::to_string(k);
    log.append(k, id, kAt, answer_of(id, kAt));  // one batch: the same but for the ids
  }
  const std::size_t one = answer_of("case-0", kAt).size() - 2 * 7 - (stdlib::format_instant(stdlib::Instant{kAt}).size() - 1);
  EXPECT_EQ(log.bytes_kept(), one);
  EXPECT_EQ(*log.find(999, "case-999", kAt), answer_of("case-999", kAt));
  log.append(1000, "case-1000", kAt, answer_of("case-1000", kAt, ",\"x\":1"));  // another: kept
  EXPECT_GT(log.bytes_kept(), 2 * one);
  // The shared bytes outlive the entry that kept them, and one without an answer between.
  AnswerLog gaps;
  gaps.append(1, "A", kAt, answer_of("A", kAt));
  gaps.append(2, "B", kAt, "");
  gaps.append(3, "C", kAt, answer_of("C", kAt));
  gaps.pop_front();
  gaps.pop_front();
  EXPECT_EQ(*gaps.find(3, "C", kAt), answer_of("C", kAt));
  EXPECT_FALSE(gaps.find(2, "B", kAt));
}

TEST(AnswerLog, TheLaterOfTwoLivesAtOneInstantAnswers) {
  AnswerLog log;
  log.append(1, "A", kAt, answer_of("A", kAt, ",\"life\":1"));
  log.append(1, "A", kAt, answer_of("A", kAt, ",\"life\":2"));
  EXPECT_EQ(*log.find(1, "A", kAt), answer_of("A", kAt, ",\"life\":2"));
  log.append(1, "A", kAt, "");  // a third, replayed without its answer
  EXPECT_FALSE(log.find(1, "A", kAt));
}

TEST(AnswerLog, ChunksGoWithTheirCapturesAndViewsKeepThem) {
  AnswerLog log;
  const std::string big(AnswerLog::kChunkBytes + 10, 'x');  // a chunk of its own
  std::uint32_t n = 0;
  for (; log.chunk_bytes() < 4 * AnswerLog::kChunkBytes; ++n) {
    const std::string id = "I" + std::to_string(n);
    log.append(n, id, kAt + n, n == 5 ? big : answer_of(id, kAt + n, ",\"n\":" + std::to_string(n)));
  }
  EXPECT_EQ(*log.find(5, "I5", kAt + 5), big);
  const AnswerLog::View view = log.view([](const AnswerLog::Entry& e) { return e.id % 2 == 1; });
  EXPECT_EQ(view.size(), n / 2);
  while (log.size() > 3) log.pop_front();
  EXPECT_LE(log.chunk_bytes(), 2 * AnswerLog::kChunkBytes);  // only the last chunk or two are named still
  for (std::uint32_t k = n - 3; k < n; ++k)
    EXPECT_EQ(*log.find(k, "I" + std::to_string(k), kAt + k), answer_of("I" + std::to_string(k), kAt + k, ",\"n\":" + std::to_string(k)));
  // The view still reads what the log dropped.
  for (std::size_t k = 0; k < view.size(); ++k) {
    const std::uint32_t id = view.entry(k).id;
    const std::string text = "I" + std::to_string(id);
    EXPECT_EQ(view.answer(k, text), id == 5 ? big : answer_of(text, kAt + id, ",\"n\":" + std::to_string(id)));
  }
  AnswerLog::View sorted = log.view([](const AnswerLog::Entry&) { return true; });
  sorted.sort_by_id();
  for (std::size_t k = 1; k < sorted.size(); ++k) EXPECT_LT(sorted.entry(k - 1).id, sorted.entry(k).id);
}

// Random captures (a few ids again and again, instants repeating, answers alike and not,
// none), the oldest dropped at random: the log answers as a map of every live capture's text.
TEST(AnswerLog, AnswersAsAMapOfTheLiveCaptures) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    AnswerLog log;
    std::deque<std::tuple<std::uint32_t, std::int64_t, std::string>> live;  // in order
    std::int64_t at = kAt;
    for (int step = 0; step < 3000; ++step) {
      if (rng() % 4 == 0) at += rng() % 3;
      if (!live.empty() && rng() % 3 == 0) {
        log.pop_front();
        live.pop_front();
        continue;
      }
      const std::uint32_t id = rng() % 50;
      const std::string text = "K" + std::to_string(id);
      std::string answer;
      switch (rng() % 4) {
        case 0: break;  // none
        case 1: answer = answer_of(text, at); break;
        case 2: answer = answer_of(text, at, ",\"v\":" + std::to_string(rng() % 3)); break;
        default: answer = std::string(rng() % 300, static_cast<char>('a' + rng() % 3)); break;
      }
      log.append(id, text, at, answer);
      live.emplace_back(id, at, answer);
    }
    std::map<std::pair<std::uint32_t, std::int64_t>, std::string> expected;  // the last capture of each
    for (const auto& [id, when, answer] : live) expected[{id, when}] = answer;
    for (const auto& [key, answer] : expected) {
      const auto found = log.find(key.first, "K" + std::to_string(key.first), key.second);
      if (answer.empty()) EXPECT_FALSE(found) << seed;
      else EXPECT_EQ(found.value_or("(none)"), answer) << seed;
    }
  }
}

}  // namespace
}  // namespace iwd::server
