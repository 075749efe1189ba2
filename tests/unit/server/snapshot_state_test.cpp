// Snapshot images of format 2 (server/state_image.h, Runtime::save_state): a runtime loaded
// from the image of another does exactly what that one does. Random scripts over
// examples/enterprise.iwd (captures, agents coming and going, offers taken, refused and timed
// out, work parked, transferred, done, updates, restarts, reschedules, hours passing) run on a
// session A; at random points A's image is taken and loaded into a session B on a pool and a
// rules load of its own (so every string goes through the image's table), and from there the
// same lines go to both: every event must be the same text, and B's internal indexes sound.
// Seeded and reproducible (IWD_SNAPSHOT_SEED=N runs one seed).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <sys/mman.h>
#include <unistd.h>
#include <random>
#include <set>
#include <sstream>

#include "runtime/replay/replay.h"
#include "server/ruleset.h"
#include "server/capture_window.h"
#include "server/state_image.h"
#include "server/snapshot_store.h"
#include "runtime/frame_pages.h"
#include "runtime/state_size.h"
#include "stdlib/time.h"
#include "tests/support/temp_dir.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z, a Tuesday

// A session on a pool and rules of its own, recording its events as text.
struct World : runtime::EventSink {
  explicit World(runtime::Policy policy, std::int64_t at) {
    std::string error;
    EXPECT_EQ(load_ruleset_path(kRules, pool, &rules, &error), RulesetStatus::Ok) << error;
    runtime::replay::ReplayOptions options;
    options.runtime.policy = policy;
    session = std::make_unique<runtime::replay::Session>(rules.loaded->table(), pool, options, this);
    EXPECT_TRUE(session->init(&error)) << error;
    session->advance(at);
  }
  void on_event(const runtime::Event& e) override {
    events.push_back(runtime::replay::event_json(e, rules.loaded->table(), pool));
  }
  runtime::StringPool pool;
  Ruleset rules;
  std::unique_ptr<runtime::replay::Session> session;
  std::vector<std::string> events;
};

// A's image loaded into a new world at A's instant.
std::unique_ptr<World> copy_of(World& a, runtime::Policy policy, const CaptureIndex& captured, CaptureIndex* copied) {
  StateCapture capture = capture_state(a.session->runtime(), captured);
  const std::string image = encode_image_head(capture, a.pool) + std::string(capture.frame.view());
  EXPECT_TRUE(is_binary_image(image));
  auto b = std::make_unique<World>(policy, a.session->now());
  const std::string problem = load_image(image, b->session->runtime(), copied);
  EXPECT_EQ(problem, "");
  EXPECT_EQ(b->session->runtime().check(), "");
  return b;
}

class Script {
 public:
  explicit Script(std::uint64_t seed) : rng_(seed) {}

  // The next line, in view of A's runtime.
  std::string next(const runtime::Runtime& rt) {
    at_ += pick(10) == 0 ? pick(4 * 3600) * 1000LL : pick(90) * 1000LL + pick(1000);
    json line{{"at", stdlib::format_instant(stdlib::Instant{at_})}};
    // Few open items, so that agents often have room and compete for what comes.
    const bool crowded = rt.open_items() > 25;
    const int k = pick(100);
    if (k < 24 && crowded) {
      line[pick(3) ? "complete" : "cancel"] = open_item(rt, {});
    } else if (k < 24) {
      line["capture"] = item();
    } else if (k < 33) {
      line["agent"] = agent();
    } else if (k < 41) {
      line["accept"] = open_item(rt, {runtime::ItemState::Offered});
    } else if (k < 44) {
      line["reject"] = open_item(rt, {runtime::ItemState::Offered});
    } else if (k < 51) {
      line["done"] = open_item(rt, {runtime::ItemState::Assigned});
    } else if (k < 54) {
      line["park"] = open_item(rt, {runtime::ItemState::Assigned});
    } else if (k < 57) {
      line["pull"] = open_item(rt, {runtime::ItemState::Parked});
    } else if (k < 59) {
      line["return"] = open_item(rt, {runtime::ItemState::Parked});
    } else if (k < 62) {
      line["transfer"] = json{{"item", open_item(rt, {runtime::ItemState::Assigned, runtime::ItemState::Parked})},
                              {"to", "a" + std::to_string(pick(kAgents))}};
    } else if (k < 73) {
      line["complete"] = open_item(rt, {runtime::ItemState::Assigned, runtime::ItemState::DonePending, runtime::ItemState::Parked});
    } else if (k < 77) {
      line["cancel"] = open_item(rt, {});
    } else if (k < 80) {
      line["hold"] = open_item(rt, {runtime::ItemState::Queued, runtime::ItemState::Offered});
    } else if (k < 83) {
      line["resume"] = open_item(rt, {runtime::ItemState::Held});
    } else if (k < 85) {
      line["restart"] = open_item(rt, {});
    } else if (k < 90) {
      json u = item();
      u["id"] = open_item(rt, {});
      u.erase("department");
      if (pick(2)) u.erase("segment");
      line["update"] = u;
    } else if (k < 94) {
      line["reschedule"] = json{{"item", open_item(rt, {})}, {"due_at", instant_ahead(48)}};
      if (pick(2)) line["reschedule"]["activate_at"] = pick(2) ? json(instant_ahead(2)) : json(nullptr);
    }  // else: the clock moves only
    return line.dump();
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string instant_ahead(int hours) { return stdlib::format_instant(stdlib::Instant{at_ + pick(hours * 3600) * 1000LL + 1000}); }

  json item() {
    static const char* departments[] = {"Sales", "Sales", "Finance", "Legal"};
    static const char* segments[] = {"Gold", "Silver", "Bronze"};
    json j{{"id", "I" + std::to_string(next_id_++)}, {"department", departments[pick(4)]}, {"segment", segments[pick(3)]}};
    if (pick(4) == 0) j["deal_value"] = pick(20000);
    if (pick(4) == 0) j["preferred_agent"] = "a" + std::to_string(pick(kAgents));
    if (pick(5) == 0) j["product"] = "P" + std::to_string(pick(5));
    if (pick(5) == 0) j["tags"] = json::array({"t" + std::to_string(pick(3)), "x"});
    if (pick(12) == 0) j["activate_at"] = instant_ahead(3);
    if (pick(15) == 0) j["expire_at"] = instant_ahead(6);
    if (pick(10) == 0) j["media"] = pick(2) ? "email" : "chat";
    return j;
  }

  json agent() {
    json j{{"id", "a" + std::to_string(pick(kAgents))}};
    if (pick(3)) {
      json skills = json::object();
      for (const char* s : {"sales_processing", "legacy_processing", "finance_processing", "reception"})
        if (pick(3)) skills[s] = pick(11);
      j["skills"] = skills;
    }
    if (pick(3) == 0) j["capacity"] = pick(3) == 0 ? json("standard") : json{{"workitem", 2 + pick(3)}, {"email", pick(2)}, {"total", 2 + pick(4)}};
    if (pick(5) == 0) j["groups"] = json::array({pick(2) ? "east" : "west"});
    const int s = pick(10);
    if (s < 6) j["state"] = "ready";
    else if (s < 9) j["state"] = "not_ready", j["reason"] = pick(2) ? "lunch" : "training";
    else j["state"] = "logged_out";
    return j;
  }

  // An open item in one of `states` (any open one when empty), sometimes an id that is not.
  std::string open_item(const runtime::Runtime& rt, std::initializer_list<runtime::ItemState> states) {
    std::vector<std::string> found;
    for (const auto& w : rt.items())
      if (runtime::is_open(w.state) && (states.size() == 0 || std::find(states.begin(), states.end(), w.state) != states.end()))
        found.emplace_back(rt.pool().view(w.id));
    if (found.empty() || pick(20) == 0) return "I" + std::to_string(pick(next_id_ + 1));
    return found[static_cast<std::size_t>(pick(static_cast<int>(found.size())))];
  }

  static constexpr int kAgents = 10;
  std::mt19937_64 rng_;
  std::int64_t at_ = kStart;
  int next_id_ = 0;
};

// The same lines to A and B from a copy on: the same events, the same refusals.
std::string run_seed(std::uint64_t seed, int lines) {
  const runtime::Policy policy = seed % 2 ? runtime::Policy::HighestProficiency : runtime::Policy::LongestIdle;
  Script script(seed);
  World a(policy, kStart);
  std::unique_ptr<World> b;
  CaptureIndex captured, copied;
  std::mt19937_64 when(seed * 7 + 1);
  std::size_t compared = 0, offers = 0;
  for (int n = 0; n < lines; ++n) {
    if (std::uniform_int_distribution<int>(0, 59)(when) == 0) {  // a snapshot: B becomes A's copy (again)
      b = copy_of(a, policy, captured, &copied);
      if (::testing::Test::HasFailure()) return fmt::format("seed {}: the copy after line {} failed", seed, n);
      a.events.clear();
    }
    const std::string line = script.next(a.session->runtime());
    const std::string refused_a = a.session->apply_text(line).error;
    if (!b) continue;
    const std::string refused_b = b->session->apply_text(line).error;
    if (refused_a != refused_b || a.events != b->events) {
      std::string out = fmt::format("seed {}, line {}: {}\n  A refused: '{}', B refused: '{}'\n", seed, n, line, refused_a, refused_b);
      for (std::size_t k = 0; k < std::max(a.events.size(), b->events.size()); ++k)
        out += fmt::format("  A: {}\n  B: {}\n", k < a.events.size() ? a.events[k] : "-", k < b->events.size() ? b->events[k] : "-");
      return out;
    }
    if (std::string problem = b->session->runtime().check(); !problem.empty())
      return fmt::format("seed {}, line {}: B's runtime: {}", seed, n, problem);
    compared += a.events.size();
    for (const auto& e : a.events) offers += e.find("\"offered\"") != std::string::npos;
    a.events.clear();
    b->events.clear();
  }
  if (compared < 1000 || offers < 100)  // the script must give the copies something to do
    return fmt::format("seed {}: only {} events ({} offers) after a copy", seed, compared, offers);
  return "";
}

TEST(SnapshotState, ALoadedCopyDoesWhatTheOriginalDoes) {
  if (const char* one = std::getenv("IWD_SNAPSHOT_SEED")) {
    EXPECT_EQ(run_seed(std::strtoull(one, nullptr, 10), 3000), "");
    return;
  }
  for (std::uint64_t seed = 1; seed <= 12; ++seed) ASSERT_EQ(run_seed(seed, 1500), "");
}

// What the random scripts meet rarely: two agents free at once, the one idle longer logged in
// later (so its serial is not what decides), and two deadlines at one instant.
TEST(SnapshotState, IdleOrderAndDeadlineOrderCarryOver) {
  for (const auto policy : {runtime::Policy::LongestIdle, runtime::Policy::HighestProficiency}) {
    World a(policy, kStart);
    const auto line = [&](int second, const std::string& op) {
      return fmt::format(R"({{"at":"{}",{}}})", stdlib::format_instant(stdlib::Instant{kStart + second * 1000LL}), op);
    };
    const std::string later = stdlib::format_instant(stdlib::Instant{kStart + 60'000});
    for (const std::string& l :
         {line(1, R"("agent":{"id":"a0","skills":{"finance_processing":8}})"),
          line(2, R"("agent":{"id":"a1","skills":{"finance_processing":8}})"),
          line(3, R"("capture":{"id":"F1","department":"Finance"})"), line(4, R"("accept":"F1")"),
          line(5, R"("complete":"F1")"),  // a0 idle since 5 s, a1 since 2 s
          line(6, fmt::format(R"("capture":{{"id":"F2","department":"Finance","activate_at":"{}"}})", later)),
          line(7, fmt::format(R"("capture":{{"id":"F3","department":"Finance","activate_at":"{}"}})", later))})
      ASSERT_EQ(a.session->apply_text(l).error, "") << l;
    CaptureIndex captured, copied;
    auto b = copy_of(a, policy, captured, &copied);
    a.events.clear();
    // F2 and F3 activate at one instant, F2 first (captured first): F2 to a1 (idle longest),
    // F3 to a0. Their offers time out at one instant, F2's first: back to the queue, and
    // offered to a0, who still has room.
    for (const std::string& l : {line(200, R"("cancel":"F3")")}) {
      EXPECT_EQ(a.session->apply_text(l).error, "") << l;
      EXPECT_EQ(b->session->apply_text(l).error, "") << l;
    }
    EXPECT_EQ(a.events, b->events);
    const auto offered = [&a](const char* item, const char* agent) {
      return std::count_if(a.events.begin(), a.events.end(), [&](const std::string& e) {
        return e.find(fmt::format("\"item\":\"{}\"", item)) != std::string::npos &&
               e.find(fmt::format("\"agent\":\"{}\"", agent)) != std::string::npos &&
               e.find("\"to\":\"offered\"") != std::string::npos;
      });
    };
    EXPECT_EQ(offered("F2", "a1"), 1) << ::testing::PrintToString(a.events);
    EXPECT_EQ(offered("F3", "a0"), 1);
    EXPECT_EQ(offered("F2", "a0"), 1);
  }
}

// An agent that logs out gives back what it held in the order it took it: the first goes
// to the one agent with room.
TEST(SnapshotState, WhatALoggedOutAgentHeldGoesBackInOrder) {
  World a(runtime::Policy::LongestIdle, kStart);
  const auto line = [&](int second, const std::string& op) {
    return fmt::format(R"({{"at":"{}",{}}})", stdlib::format_instant(stdlib::Instant{kStart + second * 1000LL}), op);
  };
  for (const std::string& l : {line(1, R"("agent":{"id":"a2","skills":{"reception":5},"capacity":{"workitem":2,"total":2}})"),
                               line(2, R"("capture":{"id":"L1","department":"Legal"})"),
                               line(3, R"("capture":{"id":"L2","department":"Legal"})"), line(4, R"("accept":"L2")"),
                               line(5, R"("accept":"L1")")})
    ASSERT_EQ(a.session->apply_text(l).error, "") << l;
  CaptureIndex captured, copied;
  auto b = copy_of(a, runtime::Policy::LongestIdle, captured, &copied);
  a.events.clear();
  for (const std::string& l : {line(6, R"("agent":{"id":"a3","skills":{"reception":5},"capacity":{"workitem":1,"total":1}})"),
                               line(7, R"("agent":{"id":"a2","state":"logged_out"})")}) {
    EXPECT_EQ(a.session->apply_text(l).error, "") << l;
    EXPECT_EQ(b->session->apply_text(l).error, "") << l;
  }
  EXPECT_EQ(a.events, b->events);
  EXPECT_NE(a.events.back().find("\"item\":\"L1\""), std::string::npos) << a.events.back();  // offered to a3
}

// The frame's memory grows past what was reserved without losing what it holds.
TEST(SnapshotState, AFrameBufferGrowsKeepingItsBytes) {
  runtime::FrameBuffer buffer;
  buffer.reserve(10);
  std::string expected;
  for (int k = 0; k < 300'000; ++k) {  // 3 MiB: grown twice from 1 MiB
    const std::string piece = std::to_string(k) + ",";
    std::memcpy(buffer.extend(piece.size()), piece.data(), piece.size());
    expected += piece;
  }
  EXPECT_EQ(buffer.view(), expected);
  runtime::FrameBuffer moved = std::move(buffer);
  EXPECT_EQ(moved.view(), expected);
  EXPECT_EQ(buffer.size(), 0u);
}

// A frame's first mapping is populated when it is reserved (a MiB a call, runtime/state_frame.cpp):
// the copy that writes into it faults in no page.
TEST(SnapshotState, AFrameIsResidentOnceReserved) {
  runtime::FrameBuffer frame;
  const std::size_t bytes = (std::size_t{5} << 20) + 123;  // 6 MiB mapped
  frame.reserve(bytes);
  const long page = ::sysconf(_SC_PAGESIZE);
  std::vector<unsigned char> resident((bytes + page - 1) / page);
  ASSERT_EQ(::mincore(const_cast<char*>(frame.data()), bytes, resident.data()), 0);
  EXPECT_EQ(std::count_if(resident.begin(), resident.end(), [](unsigned char r) { return (r & 1) == 0; }), 0);
  EXPECT_EQ(frame.size(), 0u);
}

// Where the kernel has no MADV_POPULATE_WRITE (before Linux 5.14), a frame's first mapping is
// populated by a byte written in each page, pages of the machine's size (sysconf): every page
// of a fresh mapping resident after.
TEST(SnapshotState, AFramesPopulationWithoutTheAdviceMakesEveryPageResident) {
  const long page = ::sysconf(_SC_PAGESIZE);
  EXPECT_EQ(runtime::frame_pages::page_bytes(), static_cast<std::size_t>(page));
  const std::size_t bytes = std::size_t{3} << 20;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  std::vector<unsigned char> resident(bytes / page);
  const auto absent = [&] {
    EXPECT_EQ(::mincore(p, bytes, resident.data()), 0);
    return std::count_if(resident.begin(), resident.end(), [](unsigned char r) { return (r & 1) == 0; });
  };
  EXPECT_GT(absent(), 0);  // fresh
  // One write a page of the machine's size: a fixed 4 KiB step would write 4 or 16 times as
  // many on 16 or 64 KiB pages (and still leave every page resident, so residency alone could
  // not tell).
  EXPECT_EQ(runtime::frame_pages::touch(static_cast<char*>(p), bytes), bytes / static_cast<std::size_t>(page));
  EXPECT_EQ(absent(), 0);
  ::munmap(p, bytes);
}

// A's image as a snapshot stores it: the head, then the frame.
std::string image_of(StateCapture capture, const runtime::StringPool& pool) {
  return encode_image_head(capture, pool) + std::string(capture.frame.view());
}

// A world of `items` open items more than the script's (each about 330 bytes of frame: 5,000
// of them are more than the 1 MiB a frame is mapped in at least), its index marking them.
std::unique_ptr<World> crowded_world(int items, CaptureIndex* captured) {
  auto a = std::make_unique<World>(runtime::Policy::LongestIdle, kStart);
  Script script(11);
  for (int n = 0; n < 300; ++n) a->session->apply_text(script.next(a->session->runtime()));
  const std::string at = stdlib::format_instant(stdlib::Instant{a->session->now()});
  for (int k = 0; k < items; ++k) {
    const std::string id = "C" + std::to_string(k);
    EXPECT_EQ(a->session->apply_text(fmt::format(R"({{"at":"{}","capture":{{"id":"{}","department":"{}","deal_value":{}}}}})", at,
                                                 id, k % 2 ? "Sales" : "Finance", k)).error, "");
    captured->set(a->pool.intern_item(id), CaptureMark{static_cast<std::uint64_t>(k), runtime::ItemState::None,
                                                       CaptureMark::kSourceNone, a->session->now()});
  }
  return a;
}

// The engine's copy writes into a frame mapped ahead (SnapshotStore::prepare_frame): the bytes
// are a fresh capture's, from a frame large enough, from one too small (it grows), and when the
// frame handed over holds bytes already (it is not written into: a fresh one is mapped).
TEST(SnapshotState, ACaptureIntoAFrameMappedAheadIsByteForByteAFreshOne) {
  CaptureIndex captured;
  auto a = crowded_world(5'000, &captured);
  const runtime::Runtime& rt = a->session->runtime();
  const StateCapture fresh = capture_state(rt, captured);
  ASSERT_GT(fresh.frame.size(), std::size_t{1} << 20);
  const std::string image = image_of(capture_state(rt, captured), a->pool);
  EXPECT_LE(fresh.frame.size(), runtime::state_bytes(rt, rt.open_items()));
  for (const std::size_t ahead : {runtime::state_bytes(rt, rt.open_items()), std::size_t{1} << 20, std::size_t{0}}) {
    runtime::FrameBuffer frame;
    if (ahead > 0) frame.reserve(ahead);
    else std::memcpy(frame.extend(5), "bytes", 5);  // written already
    StateCapture into = capture_state(rt, captured, {}, std::move(frame));
    EXPECT_EQ(into.frame.view(), fresh.frame.view()) << ahead;
    EXPECT_EQ(into.marks, fresh.marks) << ahead;
    EXPECT_EQ(image_of(std::move(into), a->pool), image) << ahead;
  }
}

// The store maps a frame ahead on its thread, after a snapshot it stored and after one whose
// batch failed alike; a capture into it stores the image a fresh capture gives. A request for
// less than the frame prepared keeps it.
TEST(SnapshotState, AFrameMappedAheadAfterASnapshotStoredOrFailedGivesAFreshCapturesImage) {
  CaptureIndex captured;
  auto a = crowded_world(5'000, &captured);
  const runtime::Runtime& rt = a->session->runtime();
  const std::string image = image_of(capture_state(rt, captured), a->pool);
  const iwd::testing::TempDir dir("iwd-frame-ahead-");  // removed on every path (tests/support/temp_dir.h)
  std::string error;
  {
    auto journal = Journal::open(dir.str(), JournalFault{}, &error);
    ASSERT_TRUE(journal) << error;
    GroupCommitter committer(*journal);
    SnapshotStore store(committer, a->pool);
    std::size_t bytes = 1;
    EXPECT_EQ(store.take_frame(&bytes).size(), 0u);
    EXPECT_EQ(bytes, 0u);  // none asked
    const std::size_t want = runtime::state_bytes(rt, rt.open_items());
    // The store's thread maps it meanwhile: waited for, up to a minute (a bound for a store that
    // never maps it, not a measure of how fast it does; a few milliseconds here).
    const auto taken = [&store](std::size_t* got) {
      runtime::FrameBuffer frame;
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
      for (*got = 0; *got == 0 && std::chrono::steady_clock::now() < deadline;) {
        frame = store.take_frame(got);
        if (*got == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      return frame;
    };
    const auto stored = [&](bool ok) {
      auto job = std::make_shared<SnapshotJob>();
      job->at = a->session->now();
      job->rules_key = a->rules.key;
      store.prepare_frame(want);
      store.prepare_frame(want / 2);  // less: the frame asked stays
      std::size_t got = 0;
      runtime::FrameBuffer frame = taken(&got);
      ASSERT_NE(got, 0u) << "the store mapped no frame ahead within a minute of prepare_frame";
      EXPECT_EQ(got, want);
      EXPECT_EQ(frame.size(), 0u);
      job->state = capture_state(rt, captured, {}, std::move(frame));
      bool answered = false, stored_ok = false;
      job->waiters.push_back([&](bool done, const std::string&) { answered = true, stored_ok = done; });
      store.expect(job);
      store.committed(job, ok, 0, ok ? "" : "the batch failed");
      store.finish();
      EXPECT_TRUE(answered);
      EXPECT_EQ(stored_ok, ok);
    };
    stored(true);
    if (::testing::Test::HasFatalFailure()) return;  // no frame mapped: the rest would wait as long
    auto latest = journal->latest_snapshot(&error);
    ASSERT_TRUE(latest) << error;
    EXPECT_EQ(latest->image, image);
    stored(false);  // after one stored: given up, its frame unmapped
    stored(true);   // after one that failed
    latest = journal->latest_snapshot(&error);
    ASSERT_TRUE(latest) << error;
    EXPECT_EQ(latest->image, image);
  }
}

// The engine's copy hands every first answer of the window over (CaptureWindow::answers) and
// the image keeps those of its index's captures only (answer_of_marked_capture), as when the
// copy picked them (answers_of, by the same predicate): not another capture's of an id the
// index marks at one instant (here the mark is of A's first capture, the window has a later
// one), nor one of an id no longer marked.
TEST(SnapshotState, TheImageKeepsTheAnswersOfItsIndexsCapturesOnly) {
  World a(runtime::Policy::LongestIdle, kStart);
  CaptureWindow window;
  CaptureIndex index;
  const std::uint32_t again = a.pool.intern_item("A"), gone = a.pool.intern_item("B"), kept = a.pool.intern_item("C");
  window.captured(again, "A", kStart, R"({"id":"A","life":1})");
  window.captured(gone, "B", kStart + 1, R"({"id":"B"})");
  window.captured(kept, "C", kStart + 2, R"({"id":"C"})");
  window.captured(again, "A", kStart + 3, R"({"id":"A","life":2})");
  index.set(again, CaptureMark{1, runtime::ItemState::None, CaptureMark::kSourceNone, kStart});
  index.set(kept, CaptureMark{3, runtime::ItemState::Completed, CaptureMark::kSourceNone, kStart + 2});
  const AnswerLog::View all = window.answers();
  ASSERT_EQ(all.size(), 4u);
  const std::vector<bool> marked{true, false, true, false};  // A's first life, B, C, A's second
  for (std::size_t k = 0; k < all.size(); ++k) EXPECT_EQ(answer_of_marked_capture(index, all.entry(k)), marked[k]) << k;
  ASSERT_EQ(window.answers_of(index).size(), 2u);
  const std::string picked = image_of(capture_state(a.session->runtime(), index, window.answers_of(index)), a.pool);
  EXPECT_EQ(image_of(capture_state(a.session->runtime(), index, window.answers()), a.pool), picked);
  CaptureIndex loaded;
  std::vector<LoadedAnswer> answers;
  World b(runtime::Policy::LongestIdle, kStart);
  ASSERT_EQ(load_image(picked, b.session->runtime(), &loaded, &answers), "");
  ASSERT_EQ(answers.size(), 2u);
  for (const LoadedAnswer& x : answers) {
    const std::string id(b.pool.view(x.id));
    EXPECT_EQ(x.text(id, id == "A" ? kStart : kStart + 2), id == "A" ? R"({"id":"A","life":1})" : R"({"id":"C"})");
  }
}

// Damage is refused with a reason, not loaded half-way.
TEST(SnapshotState, ADamagedImageIsRefused) {
  World a(runtime::Policy::LongestIdle, kStart);
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:01Z","agent":{"id":"ada","skills":{"sales_processing":8}}})").error, "");
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:02Z","capture":{"id":"S1","department":"Sales"}})").error, "");
  CaptureIndex captured, copied;
  StateCapture capture = capture_state(a.session->runtime(), captured);
  const std::string image = encode_image_head(capture, a.pool) + std::string(capture.frame.view());
  World b(runtime::Policy::LongestIdle, a.session->now());
  EXPECT_NE(load_image(image.substr(0, image.size() - 3), b.session->runtime(), &copied).find("damaged"), std::string::npos);
  World c(runtime::Policy::LongestIdle, a.session->now() + 1);  // another instant
  EXPECT_NE(load_image(image, c.session->runtime(), &copied).find("the runtime's clock is at"), std::string::npos);
}

// Format 3 keeps each mark of the idempotency index with its capture instant and its first
// answer (server/capture_window.h), format 4 its source too; format 2 images, without them,
// still load (their marks' instants unknown: the engine counts them from the snapshot's), and
// format 3 images (their marks' sources unknown: the engine reads the history's records).
// `image` (format 5, as encode_image_head writes it when asked) written as format 2 or 3 was: its strings' lengths without format 5's
// mark of an item's id, the index's entries without source, and for 2 without instant and
// answer either.
std::string as_format(const std::string& image, std::uint32_t format) {
  std::string out = image.substr(0, 8);
  std::size_t at = 8;
  auto copy = [&](std::size_t n) {
    out.append(image, at, n);
    at += n;
  };
  auto u32 = [&] {
    std::uint32_t v;
    std::memcpy(&v, image.data() + at, 4);
    return v;
  };
  out.append(reinterpret_cast<const char*>(&format), 4);
  at += 4;
  copy(4);  // the pool's size
  std::uint32_t strings = u32();
  copy(4);
  for (; strings > 0; --strings) {
    copy(4);
    const std::uint32_t length = u32() & 0x7fffffffu;
    out.append(reinterpret_cast<const char*>(&length), 4);
    at += 4;
    copy(length);
  }
  std::uint32_t marks = u32();
  copy(4);
  for (; marks > 0; --marks) {
    copy(4 + 8 + 1);  // id, hash, how it ended
    if (format == 3) copy(8);
    else at += 8;     // its instant
    at += 4;          // its source
    if (format == 3) copy(4 + u32());
    else at += 4 + u32();  // its answer
  }
  copy(image.size() - at);  // the frame's size, the frame
  return out;
}

// A's image with the index `captured` and a first answer of S2's capture (at 09:00:03), of `format`.
std::string image_with_answer(World& a, const CaptureIndex& captured, std::uint32_t s2,
                              std::uint32_t format = kImageFormat) {
  AnswerLog log;
  log.append(s2, "S2", kStart + 3000, "{\"first\":2}");
  StateCapture capture = capture_state(a.session->runtime(), captured, log.view([](const AnswerLog::Entry&) { return true; }));
  return encode_image_head(capture, a.pool, format) + std::string(capture.frame.view());
}

TEST(SnapshotState, TheIndexKeepsInstantsAndAnswersAndFormat2StillLoads) {
  World a(runtime::Policy::LongestIdle, kStart);
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:02Z","capture":{"id":"S1","department":"Sales"}})").error, "");
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:03Z","capture":{"id":"S2","department":"Sales"}})").error, "");
  CaptureIndex captured;
  const std::uint32_t s1 = a.pool.intern("S1"), s2 = a.pool.intern("S2");
  captured.set(s1, CaptureMark{11, runtime::ItemState::None, CaptureMark::kSourceUnread, kStart + 2000});
  captured.set(s2, CaptureMark{22, runtime::ItemState::None, CaptureMark::kSourceUnread, kStart + 3000});
  const std::string image = image_with_answer(a, captured, s2);

  World b(runtime::Policy::LongestIdle, a.session->now());
  CaptureIndex copied;
  std::vector<LoadedAnswer> answers;
  ASSERT_EQ(load_image(image, b.session->runtime(), &copied, &answers), "");
  const CaptureMark* m1 = copied.find(*b.pool.find("S1"));
  const CaptureMark* m2 = copied.find(*b.pool.find("S2"));
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->body_hash, 11u);
  EXPECT_EQ(m1->at, kStart + 2000);
  EXPECT_EQ(m2->at, kStart + 3000);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].id, *b.pool.find("S2"));
  EXPECT_EQ(answers[0].text("S2", kStart + 3000), "{\"first\":2}");

  World c(runtime::Policy::LongestIdle, a.session->now());
  CaptureIndex old;
  answers.clear();
  ASSERT_EQ(load_image(as_format(image_with_answer(a, captured, s2, 5), 2), c.session->runtime(), &old, &answers), "");
  EXPECT_EQ(c.session->runtime().open_items(), 2u);
  ASSERT_TRUE(old.find(*c.pool.find("S2")));
  EXPECT_EQ(old.find(*c.pool.find("S2"))->body_hash, 22u);
  EXPECT_EQ(old.find(*c.pool.find("S2"))->at, CaptureMark::kAtUnknown);
  EXPECT_TRUE(answers.empty());
}

// Format 4 keeps whose each mark is (docs/api.md, "Authentication": a restart must not open an
// item to every source); a format 3 image still loads, its marks' sources to be read.
TEST(SnapshotState, TheIndexKeepsSourcesAndFormat3StillLoads) {
  World a(runtime::Policy::LongestIdle, kStart);
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:02Z","capture":{"id":"S1","department":"Sales"}})").error, "");
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:03Z","capture":{"id":"S2","department":"Sales"}})").error, "");
  ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:04Z","capture":{"id":"S3","department":"Sales"}})").error, "");
  CaptureIndex captured;
  // Sources interned after the items' ids, and one no item names: the image carries their names.
  const std::uint32_t s1 = a.pool.intern("S1"), s2 = a.pool.intern("S2"), s3 = a.pool.intern("S3");
  const std::uint32_t crm = a.pool.intern("crm-source-never-an-id");
  captured.set(s1, CaptureMark{11, runtime::ItemState::None, crm, kStart + 2000});
  captured.set(s2, CaptureMark{22, runtime::ItemState::None, CaptureMark::kSourceNone, kStart + 3000});
  captured.set(s3, CaptureMark{33, runtime::ItemState::None, CaptureMark::kSourceUnread, kStart + 4000});
  const std::string image = image_with_answer(a, captured, s2);

  World b(runtime::Policy::LongestIdle, a.session->now());
  b.pool.intern("something else first");  // the source's id here is not the one there
  CaptureIndex copied;
  ASSERT_EQ(load_image(image, b.session->runtime(), &copied), "");
  const CaptureMark* m1 = copied.find(*b.pool.find("S1"));
  ASSERT_TRUE(m1 && b.pool.find("crm-source-never-an-id"));
  EXPECT_EQ(m1->source, *b.pool.find("crm-source-never-an-id"));
  EXPECT_EQ(copied.find(*b.pool.find("S2"))->source, CaptureMark::kSourceNone);
  EXPECT_EQ(copied.find(*b.pool.find("S3"))->source, CaptureMark::kSourceUnread);

  World c(runtime::Policy::LongestIdle, a.session->now());
  CaptureIndex old;
  std::vector<LoadedAnswer> answers;
  ASSERT_EQ(load_image(as_format(image_with_answer(a, captured, s2, 5), 3), c.session->runtime(), &old, &answers), "");
  EXPECT_EQ(c.session->runtime().open_items(), 3u);
  ASSERT_TRUE(old.find(*c.pool.find("S1")));
  EXPECT_EQ(old.find(*c.pool.find("S1"))->source, CaptureMark::kSourceUnread);
  EXPECT_EQ(old.find(*c.pool.find("S1"))->at, kStart + 2000);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].text("S2", kStart + 3000), "{\"first\":2}");
}

// Format 6 keeps the first answers as the answer log keeps them (the id's JSON and the capture's
// instant each one byte), each distinct one once: a batch's captures that met the same state
// share one. Its answers come back byte for byte through the window restored from it, as those
// of the same image written in format 5 (a server before format 6), which still loads; a
// damaged number is refused.
TEST(SnapshotState, Format6KeepsEachDistinctAnswerOnceAndFormat5StillLoads) {
  World a(runtime::Policy::LongestIdle, kStart);
  const std::vector<std::string> ids = {"B1", "B2", "B3", "B4", "R"};
  for (const std::string& id : ids)
    ASSERT_EQ(a.session->apply_text(R"({"at":"2026-11-24T09:00:02Z","capture":{"id":")" + id + R"(","department":"Sales"}})").error, "");
  const std::int64_t at = kStart + 2000;
  const auto answer_of = [](const std::string& id) {  // a batch's: the same but for the id; R's holds a raw \x01
    return id == "R" ? std::string("{\"id\":\"R\",\"odd\":\"\x01\"}")
                     : R"({"id":")" + id + R"(","captured_at":"2026-11-24T09:00:02Z","state":"queued","padding":")" +
                           std::string(200, 'x') + "\"}";
  };
  AnswerLog log;
  CaptureIndex captured;
  for (const std::string& id : ids) {
    const std::uint32_t n = a.pool.intern(id);
    captured.set(n, CaptureMark{7, runtime::ItemState::None, CaptureMark::kSourceNone, at});
    log.append(n, id, at, answer_of(id));
  }
  const auto image_of = [&](std::uint32_t format) {
    StateCapture capture = capture_state(a.session->runtime(), captured, log.view([](const AnswerLog::Entry&) { return true; }));
    return encode_image_head(capture, a.pool, format) + std::string(capture.frame.view());
  };
  const std::string now = image_of(kImageFormat), before = image_of(5);
  // The four batch answers of over 200 bytes kept once: at least 3 * 200 bytes fewer.
  EXPECT_LT(now.size() + 600, before.size());
  for (const std::string* image : {&now, &before}) {
    SCOPED_TRACE(image == &now ? "format 6" : "format 5");
    World b(runtime::Policy::LongestIdle, a.session->now());
    CaptureIndex copied;
    std::vector<LoadedAnswer> answers;
    ASSERT_EQ(load_image(*image, b.session->runtime(), &copied, &answers), "");
    ASSERT_EQ(answers.size(), ids.size());
    for (const LoadedAnswer& loaded : answers) EXPECT_EQ(loaded.kept, image == &now);
    CaptureWindow window;
    window.restored(copied, at, answers, b.pool);
    for (const std::string& id : ids) {
      const auto answer = window.answer(*b.pool.find(id), id, at);
      ASSERT_TRUE(answer) << id;
      EXPECT_EQ(*answer, answer_of(id)) << id;
    }
    // Kept as the log would have kept them itself: the batch's shared.
    EXPECT_EQ(window.log().bytes_kept(), log.bytes_kept());
  }
  // An answer's number past the answers: the last mark's (R's, the last string) made 9.
  std::string damaged = now;
  const std::size_t frame = damaged.size() - std::string(capture_state(a.session->runtime(), captured).frame.view()).size();
  const std::uint32_t nine = 9;
  std::memcpy(damaged.data() + frame - 8 - 4, &nine, 4);  // before the frame's size, the last mark's number
  World c(runtime::Policy::LongestIdle, a.session->now());
  CaptureIndex copied;
  std::vector<LoadedAnswer> answers;
  EXPECT_NE(load_image(damaged, c.session->runtime(), &copied, &answers).find("not among its answers"), std::string::npos);
}

// Issue 17: the engine releases an ended item's number while a snapshot is being written off
// its thread; the capture's Reader keeps the numbers it names from being given to other ids
// until encode_image_head has read them, so the image is the state at the capture. Format 5
// says which strings are items' ids alone: loaded, they are releasable again; an agent's id,
// or an item's id that is also an agent's, stays pinned.
TEST(SnapshotState, ASnapshotTakenWhileIdsAreFreedIsExact) {
  World a(runtime::Policy::LongestIdle, kStart);
  auto at = [](int second, const std::string& op) {
    return fmt::format(R"({{"at":"{}",{}}})", stdlib::format_instant(stdlib::Instant{kStart + second * 1000LL}), op);
  };
  ASSERT_EQ(a.session->apply_text(at(1, R"("agent":{"id":"ada","skills":{"sales_processing":8}})")).error, "");
  for (const char* id : {"X1", "X2", "X3", "ada"})
    ASSERT_EQ(a.session->apply_text(at(2, fmt::format(R"("capture":{{"id":"{}","department":"Finance"}})", id))).error, "");
  CaptureIndex captured;
  const std::uint32_t x1 = *a.pool.find("X1"), x2 = *a.pool.find("X2");
  captured.set(x1, CaptureMark{1, runtime::ItemState::None, CaptureMark::kSourceNone, kStart + 2000});
  captured.set(x2, CaptureMark{2, runtime::ItemState::None, CaptureMark::kSourceNone, kStart + 2000});
  StateCapture capture = capture_state(a.session->runtime(), captured);
  // After the copy, as the engine goes on: X1 and X2 end, their numbers are released, and new
  // ids are captured (which, without the Reader, would take those numbers).
  for (const char* id : {"X1", "X2"}) ASSERT_EQ(a.session->apply_text(at(3, fmt::format(R"("cancel":"{}")", id))).error, "");
  ASSERT_TRUE(a.pool.release(x1));
  ASSERT_TRUE(a.pool.release(x2));
  for (const char* id : {"Y1", "Y2"}) {
    ASSERT_EQ(a.session->apply_text(at(3, fmt::format(R"("capture":{{"id":"{}","department":"Finance"}})", id))).error, "");
    EXPECT_NE(*a.pool.find(id), x1);
    EXPECT_NE(*a.pool.find(id), x2);
  }
  const std::string image = encode_image_head(capture, a.pool) + std::string(capture.frame.view());
  EXPECT_FALSE(capture.reader);  // ended: the numbers may be reused now
  const std::set<std::uint32_t> reused{a.pool.intern_item("Z1"), a.pool.intern_item("Z2")};
  EXPECT_EQ(reused, (std::set<std::uint32_t>{x1, x2}));

  World b(runtime::Policy::LongestIdle, kStart + 2000);
  CaptureIndex copied;
  ASSERT_EQ(load_image(image, b.session->runtime(), &copied), "");
  for (const char* id : {"X1", "X2", "X3", "ada"}) {
    const auto known = b.pool.find(id);
    ASSERT_TRUE(known) << id;
    ASSERT_TRUE(b.session->runtime().find_item(*known)) << id;
    EXPECT_EQ(b.pool.view(b.session->runtime().find_item(*known)->id), id);
  }
  EXPECT_FALSE(b.pool.find("Y1"));
  EXPECT_EQ(b.session->runtime().open_items(), 4u);
  ASSERT_TRUE(copied.find(*b.pool.find("X1")) && copied.find(*b.pool.find("X2")));
  EXPECT_TRUE(b.pool.releasable(*b.pool.find("X1")));
  EXPECT_TRUE(b.pool.releasable(*b.pool.find("X3")));
  EXPECT_FALSE(b.pool.releasable(*b.pool.find("ada")));  // an agent's id too
}

}  // namespace
}  // namespace iwd::server
