// Captures of a batch evaluated together (issue 19, EngineOptions::batch_captures): random
// batches of changes (new ids, repeated ids with the same and another body, ids captured
// before, rejected and malformed items, items that end at once or activated in the past,
// another source's item, cancels in between) through an engine that decodes and evaluates runs
// of captures together and one that applies them one by one: the same replies, the same
// journal lines and the same open items, batch after batch.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "runtime/clock.h"
#include "server/engine.h"
#include "server/views.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using runtime::replay::Op;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z, a Tuesday

// An engine over a folder and a pool of its own (the batch path prepares only ids its pool has
// never seen: each engine must meet them afresh).
struct OneEngine {
  OneEngine(const std::string& name, bool batch)
      : dir(std::filesystem::temp_directory_path() / ("iwd_" + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    std::string error;
    journal = Journal::open(dir.string(), &error);
    EXPECT_TRUE(journal) << error;
    EngineOptions options;
    options.batch_captures = batch;
    engine = Engine::start(testing::load(pool, kRules), pool, *journal, clock, metrics, hub, options, &error);
    EXPECT_TRUE(engine) << error;
  }
  ~OneEngine() {
    engine.reset();
    journal.reset();
    std::filesystem::remove_all(dir);
  }
  // The answers as text: status and body.
  std::vector<std::string> apply(std::vector<Change> cs) {
    std::vector<std::string> out;
    for (const Reply& r : engine->changes(std::move(cs))) out.push_back(std::to_string(r.status) + " " + r.json().dump());
    return out;
  }
  std::vector<std::string> lines() {
    std::vector<std::string> out;
    std::string error;
    EXPECT_TRUE(journal->read(0, [&](const std::string& l) { out.push_back(l); }, &error)) << error;
    return out;
  }
  std::vector<std::string> open_items() {
    std::vector<std::string> out;
    engine->read([&](const runtime::Runtime& rt, std::int64_t now) {
      for (const auto& item : rt.items())
        if (runtime::is_open(item.state)) out.push_back(item_view(rt, item, now).dump());
      return Reply{};
    });
    return out;
  }

  std::filesystem::path dir;
  runtime::StringPool pool;
  runtime::SimulatedClock clock{stdlib::Instant{kStart}};
  Metrics metrics;
  OfferHub hub;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<Engine> engine;
};

class Batches {
 public:
  explicit Batches(std::uint32_t seed) : rng_(seed) {}

  std::vector<Change> next(std::int64_t now) {
    std::vector<Change> cs;
    for (int k = 1 + pick(30); k > 0; --k) {
      if (pick(10) == 0) {
        cs.push_back(Change{Op::Cancel, json(id()), {}, "api"});
        continue;
      }
      Change c{Op::Capture, item(now), {}, "api"};
      if (pick(15) == 0) c.actor = c.source = "other-source";  // another source's items are not its to capture again
      cs.push_back(std::move(c));
    }
    return cs;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string id() { return "W" + std::to_string(pick(300)); }
  std::string instant(std::int64_t at) { return stdlib::format_instant(stdlib::Instant{at}); }

  json item(std::int64_t now) {
    switch (pick(25)) {
      case 0: return json{{"department", "Sales"}};                   // no id
      case 1: return json{{"id", id()}, {"departmnt", "Sales"}};      // refused by the decoder
      case 2: return json{{"id", id()}, {"department", "Nowhere"}};  // rejected by the rules
      default: break;
    }
    static const char* const kDepartments[] = {"Sales", "Finance", "Reception", "Legacy"};
    static const char* const kSegments[] = {"Gold", "Silver", "Bronze"};
    json j{{"id", id()}, {"department", kDepartments[pick(4)]}, {"segment", kSegments[pick(3)]}};
    if (pick(3) == 0) j["deal_value"] = pick(20000);
    if (pick(8) == 0) j["expire_at"] = instant(now - pick(2) * 1000);  // ends at once
    if (pick(5) == 0) j["activate_at"] = instant(now + (pick(2) ? 1 : -1) * pick(7200) * 1000LL);
    if (pick(5) == 0) j["due_at"] = instant(now + pick(48) * 3'600'000LL);
    return j;
  }

  std::mt19937 rng_;
};

TEST(EngineCaptureBatch, BatchesAnswerAsCapturesOneByOne) {
  OneEngine single("capture_batch_single", false), batched("capture_batch_batched", true);
  ASSERT_TRUE(single.engine && batched.engine);
  for (OneEngine* e : {&single, &batched})
    for (int a = 0; a < 3; ++a)
      ASSERT_EQ(e->engine->change(Change{Op::Agent, json{{"id", "a" + std::to_string(a)}, {"skills", {{"sales_processing", 3 + 3 * a}, {"finance_processing", 2 * a}}}}, {}}).status, 200);
  Batches gen(7);
  std::int64_t now = kStart;
  std::size_t created = 0;
  for (int b = 0; b < 40; ++b) {
    std::vector<Change> cs = gen.next(now);
    const std::vector<std::string> a = single.apply(cs);
    const std::vector<std::string> c = batched.apply(std::move(cs));
    ASSERT_EQ(a, c) << "batch " << b;
    for (const std::string& r : a) created += r.rfind("201 ", 0) == 0;
    ASSERT_EQ(single.open_items(), batched.open_items()) << "batch " << b;
    now += (b % 3) * 60'000;
    single.clock.set(stdlib::Instant{now});
    batched.clock.set(stdlib::Instant{now});
  }
  EXPECT_EQ(single.lines(), batched.lines());
  EXPECT_GT(created, 200u);
}

}  // namespace
}  // namespace iwd::server
