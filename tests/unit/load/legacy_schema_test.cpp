// A bundle built before LANGUAGE.md 1.1's last_agent (item schema format 1: eight core
// attributes, no last_agent slot) still loads and runs: the runtime keeps no last_agent for its
// items and lets a source give no such attribute. A service's store holds such bundles, and its
// journal replays through them after an upgrade.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "compiler/load/bundle.h"
#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "compiler/lower/program_io.h"
#include "runtime/item_json.h"
#include "runtime/runtime.h"

namespace iwd::compiler {
namespace {

// Rules without custom attributes that never read last_agent: without slot 8, the schema and
// the program are those an iwd before 1.1 wrote.
const char* kRules = R"(ruleset old version "1"
skills { s }
default process P {
  sla 1h
  targets { skill s > 0 }
  complete within 1h
}
)";

struct Recorder final : runtime::EventSink {
  void on_event(const runtime::Event& e) override { events.push_back(e); }
  std::vector<runtime::Event> events;
};

TEST(LegacySchema, ABundleWithoutLastAgentLoadsAndRuns) {
  const std::string path = ::testing::TempDir() + "/legacy_schema_test.iwd";
  std::ofstream(path) << kRules;
  runtime::StringPool pool;
  std::ostringstream diags;
  LoadResult built = load_rules(path, pool, LoadOptions{true, true});
  render_text(diags, built.diagnostics);
  ASSERT_TRUE(built.rules) << built.error << diags.str();

  Bundle b;
  std::string error;
  ASSERT_TRUE(read_bundle(built.rules->bundle(), &b, &error)) << error;
  auto schema = runtime::Schema::parse(b.schema);
  ASSERT_TRUE(schema.ok()) << schema.error;
  ASSERT_EQ(schema.value.attributes.size(), static_cast<std::size_t>(runtime::kCoreSlotCount));
  schema.value.attributes.erase(schema.value.attributes.begin() + runtime::kSlotLastAgent);
  schema.value.core_count = runtime::kLegacyCoreSlotCount;
  b.schema = schema.value.serialize();
  ASSERT_NE(b.schema.find("\"version\":1"), std::string::npos);
  Program program;
  ASSERT_TRUE(deserialize_program(b.program, &program, &error)) << error;
  program.attributes.erase(program.attributes.begin() + runtime::kSlotLastAgent);
  b.program = serialize_program(program);

  for (const bool jit : {true, false}) {
    runtime::StringPool pool2;
    LoadResult old = load_bundle(write_bundle(b), pool2, LoadOptions{jit, false});
    ASSERT_TRUE(old.rules) << old.error;
    const runtime::abi::RulesV1& t = old.rules->table();
    EXPECT_FALSE(runtime::abi::reads_last_agent(t));
    runtime::SimulatedClock clock{stdlib::Instant{1767603600000}};
    Recorder sink;
    auto rt = runtime::Runtime::create(t, pool2, clock, sink, {}, &error);
    ASSERT_TRUE(rt) << error;
    EXPECT_EQ(rt->schema().last_agent_slot(), -1);
    EXPECT_EQ(rt->schema().attributes.size(), 8u);
    runtime::AgentUpdate a;
    a.id = pool2.intern("ann");
    a.skills = std::vector<std::int8_t>{5};
    ASSERT_TRUE(rt->agent(a).ok());
    runtime::DecodeOptions d;
    d.captured_at = clock.now();
    auto item = runtime::decode_item(rt->schema(), pool2, R"({"id": "W1"})", d);
    ASSERT_TRUE(item.ok()) << item.error;
    ASSERT_TRUE(rt->capture(std::move(item.value)).ok());
    ASSERT_TRUE(rt->accept(pool2.intern("W1"), a.id).ok());
    const runtime::WorkItem* w = rt->find_item(pool2.intern("W1"));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->state, runtime::ItemState::Assigned);
    EXPECT_EQ(w->record.slot_count(), 8u);
    EXPECT_EQ(runtime::encode_item(rt->schema(), pool2, w->record).find("last_agent"), std::string::npos);
    // last_agent is not an attribute of these rules: unknown, as any other.
    auto given = runtime::decode_item(rt->schema(), pool2, R"({"id": "W2", "last_agent": "ann"})", d);
    EXPECT_FALSE(given.ok());
    EXPECT_NE(given.error.find("unknown attribute `last_agent`"), std::string::npos) << given.error;
    EXPECT_EQ(rt->check(), "");
  }
}

}  // namespace
}  // namespace iwd::compiler
