// compiler/load: the ABI table, program serialization and bundles.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/load/bundle.h"
#include "compiler/load/loaded_rules.h"
#include "compiler/lower/program_io.h"
#include "runtime/item_json.h"
#include "tests/unit/load/batch_expect.h"
#include "tests/unit/load/clean_rulesets.h"
#include "tests/unit/load/random_items.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;
namespace abi = runtime::abi;

const std::string kSource = IWD_SOURCE_DIR;

std::unique_ptr<LoadedRules> load(const std::string& path, runtime::StringPool& pool, LoadOptions options = {}) {
  std::ostringstream diags;
  LoadResult r = load_rules(path, pool, options);
  render_text(diags, r.diagnostics);
  EXPECT_TRUE(r.rules) << path << ": " << r.error << "\n" << diags.str();
  return std::move(r.rules);
}

std::string dump(const Program& p) {
  std::ostringstream out;
  dump_program(out, p);
  return out.str();
}

std::vector<std::string> clean_rulesets() { return test::clean_rulesets(kSource); }

TEST(ProgramIo, EveryCleanRulesetRoundTrips) {
  int checked = 0;
  for (const auto& path : clean_rulesets()) {
    runtime::StringPool pool;
    std::ostringstream diags;
    LoadOptions options;
    options.jit = false;
    LoadResult r = load_rules(path, pool, options);
    render_text(diags, r.diagnostics);
    if (r.status == LoadStatus::RuleErrors) continue;
    ASSERT_TRUE(r.rules) << path << ": " << r.error;
    const Program& p = r.rules->program();
    EXPECT_EQ(validate_program(p), "") << path;
    Program back;
    std::string error;
    ASSERT_TRUE(deserialize_program(serialize_program(p), &back, &error)) << path << ": " << error;
    EXPECT_EQ(dump(back), dump(p)) << path;
    EXPECT_EQ(serialize_program(back), serialize_program(p)) << path;
    ++checked;
  }
  EXPECT_GT(checked, 100);
}

TEST(ProgramIo, ValidationNamesWhatIsOutOfRange) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/examples/enterprise.iwd", pool, LoadOptions{false, false});
  ASSERT_TRUE(rules);
  Program p = rules->program();
  p.processes[0].priority = 99;
  EXPECT_EQ(validate_program(p), "process `Finance.Gold`: its priority scheme is missing");
  p = rules->program();
  p.functions[3].code[0].dst = 1000;
  EXPECT_NE(validate_program(p).find("writes a missing register"), std::string::npos);
  p = rules->program();
  p.calendars[0].zone = "Mars/Olympus";
  EXPECT_NE(validate_program(p).find("calendar `office`"), std::string::npos);
  p = rules->program();
  p.departments[0].processes.push_back(-4);
  EXPECT_EQ(validate_program(p), "department `Finance` lists a missing process");
}

TEST(ProgramIo, RejectsGarbageAndOtherVersions) {
  Program p;
  std::string error;
  EXPECT_FALSE(deserialize_program("not cbor at all", &p, &error));
  EXPECT_EQ(error, "the rule program is not valid CBOR");
  // A map header announcing more entries than memory holds (found by tests/fuzz/program_fuzz).
  EXPECT_FALSE(deserialize_program(std::string_view("\xbb\x7f\xff\xff\xff\xff\xff\xff\xff", 9), &p, &error));
  EXPECT_EQ(error, "the rule program is not valid CBOR");
  EXPECT_FALSE(deserialize_program(std::string_view("\x9b\x7f\xff\xff\xff\xff\xff\xff\xff", 9), &p, &error));
  const auto v5 = nlohmann::json::to_cbor(nlohmann::json{{"format", "iwd-program"}, {"version", 5}, {"program", {}}});
  EXPECT_FALSE(deserialize_program(std::string(v5.begin(), v5.end()), &p, &error));
  EXPECT_EQ(error, "the rule program has format version 5; this iwd reads version 4");
  // Fields of another type (found by tests/fuzz/program_fuzz): refused, not thrown.
  const auto binary_format = nlohmann::json::to_cbor(
      nlohmann::json{{"format", nlohmann::json::binary({1, 2})}, {"version", 1}, {"program", {}}});
  EXPECT_FALSE(deserialize_program(std::string(binary_format.begin(), binary_format.end()), &p, &error));
  EXPECT_EQ(error, "the rule program has no `iwd-program` format tag");
  const auto text_version = nlohmann::json::to_cbor(nlohmann::json{{"format", "iwd-program"}, {"version", "1"}, {"program", {}}});
  EXPECT_FALSE(deserialize_program(std::string(text_version.begin(), text_version.end()), &p, &error));
  EXPECT_EQ(error, "the rule program has format version -1; this iwd reads version 4");
  const auto shape = nlohmann::json::to_cbor(nlohmann::json{{"format", "iwd-program"}, {"version", 1}, {"program", {1, 2}}});
  EXPECT_FALSE(deserialize_program(std::string(shape.begin(), shape.end()), &p, &error));
  EXPECT_EQ(error.rfind("the rule program is malformed", 0), 0u) << error;
}

// Format 3 holds business days (`sla 5bd in office`, add_business's `2bd`); formats 1 and 2
// are still read, and one of them holding business days is refused.
TEST(ProgramIo, BusinessDaysNeedFormat3) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/tests/golden/program/business_days.iwd", pool, LoadOptions{false, false});
  ASSERT_TRUE(rules);
  const Program& p = rules->program();
  ASSERT_EQ(p.functions[static_cast<std::size_t>(p.processes[0].sla)].tag, VTag::BusinessDays);
  const std::string bytes = serialize_program(p);
  Program back;
  std::string error;
  ASSERT_TRUE(deserialize_program(bytes, &back, &error)) << error;
  EXPECT_EQ(serialize_program(back), bytes);
  auto doc = nlohmann::json::from_cbor(bytes);
  EXPECT_EQ(doc["version"], 4);
  for (int old : {1, 2}) {
    doc["version"] = old;
    const auto v = nlohmann::json::to_cbor(doc);
    EXPECT_FALSE(deserialize_program(std::string(v.begin(), v.end()), &back, &error));
    EXPECT_EQ(error, fmt::format("the rule program is malformed: business days in a program of format {}", old));
  }
  // A program without business days reads as format 2 too.
  auto plain = load(kSource + "/examples/blended.iwd", pool, LoadOptions{false, false});
  ASSERT_TRUE(plain);
  auto doc2 = nlohmann::json::from_cbor(serialize_program(plain->program()));
  doc2["version"] = 2;
  const auto v2 = nlohmann::json::to_cbor(doc2);
  EXPECT_TRUE(deserialize_program(std::string(v2.begin(), v2.end()), &back, &error)) << error;
  // A process whose SLA counts business days without a calendar is inconsistent.
  Program broken = p;
  broken.processes[0].sla_calendar = -1;
  EXPECT_EQ(validate_program(broken), "process `Sales.Late`: its SLA in business days has no calendar");
}

// Format 4 holds `complete by source` (a process's flag); formats 1 to 3 are still read, and one
// of them holding it is refused. The flag reaches the rules table of both engines, from the
// source and from a bundle alike.
TEST(ProgramIo, CompleteBySourceNeedsFormat4) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/tests/replay/rules/claims.iwd", pool, LoadOptions{true, true});
  ASSERT_TRUE(rules);
  const Program& p = rules->program();
  ASSERT_EQ(p.processes.size(), 2u);
  EXPECT_TRUE(p.processes[0].source_completes) << p.processes[0].name;    // Claims.Payout: the department's
  EXPECT_FALSE(p.processes[1].source_completes) << p.processes[1].name;   // Claims.Review: `complete by agent`
  const std::string bytes = serialize_program(p);
  Program back;
  std::string error;
  ASSERT_TRUE(deserialize_program(bytes, &back, &error)) << error;
  EXPECT_TRUE(back.processes[0].source_completes);
  EXPECT_FALSE(back.processes[1].source_completes);
  auto doc = nlohmann::json::from_cbor(bytes);
  for (int old : {1, 2, 3}) {
    doc["version"] = old;
    const auto v = nlohmann::json::to_cbor(doc);
    EXPECT_FALSE(deserialize_program(std::string(v.begin(), v.end()), &back, &error));
    EXPECT_EQ(error, fmt::format("the rule program is malformed: `complete by source` in a program of format {}", old));
  }
  LoadResult jit = load_bundle(rules->bundle(), pool, LoadOptions{});
  ASSERT_TRUE(jit.rules) << jit.error;
  LoadResult interp = load_bundle(rules->bundle(), pool, LoadOptions{false, false});
  ASSERT_TRUE(interp.rules) << interp.error;
  for (const LoadedRules* r : {rules.get(), jit.rules.get(), interp.rules.get()}) {
    SCOPED_TRACE(r->table().engine);
    EXPECT_TRUE(abi::source_completes(r->table(), 0));
    EXPECT_FALSE(abi::source_completes(r->table(), 1));
  }
  // Rules without the clause: no process is the source's alone.
  auto plain = load(kSource + "/examples/enterprise.iwd", pool, LoadOptions{false, false});
  ASSERT_TRUE(plain);
  for (std::int32_t k = 0; k < plain->table().process_count; ++k) EXPECT_FALSE(abi::source_completes(plain->table(), k));
}

// Everything the runtime can ask, through two tables, must agree.
void expect_same_answers(const LoadedRules& a, const LoadedRules& b, std::uint32_t seed, int items) {
  const abi::RulesV1& ta = a.table();
  const abi::RulesV1& tb = b.table();
  ASSERT_STREQ(abi::check_table(&ta), "");
  ASSERT_STREQ(abi::check_table(&tb), "");
  ASSERT_EQ(ta.process_count, tb.process_count);
  test::RandomItems gen(a, seed);
  runtime::DecodeOptions decode;
  decode.captured_at = stdlib::Instant{1'795'000'000'000};
  decode.default_id = "t";
  const std::int64_t now = decode.captured_at.ms_since_epoch;
  int classified = 0;
  for (int n = 0; n < items; ++n) {
    const std::string json = gen.item();
    SCOPED_TRACE(json);
    auto rec = runtime::decode_item(a.schema(), a.pool(), json, decode);
    ASSERT_TRUE(rec.ok()) << rec.error;
    const runtime::ItemRecord* item = &rec.value;
    std::int32_t da = 0, db = 0;
    const std::int32_t pa = ta.classify(ta.ctx, item, now, &da), pb = tb.classify(tb.ctx, item, now, &db);
    ASSERT_EQ(pa, pb);
    if (pa < 0) {
      EXPECT_STREQ(ta.rejection(ta.ctx, da), tb.rejection(tb.ctx, db));
      continue;
    }
    ++classified;
    abi::ItemClock ca, cb;
    ta.clock(ta.ctx, pa, item, now, &ca);
    tb.clock(tb.ctx, pa, item, now, &cb);
    ASSERT_EQ(ca.due, cb.due);
    ASSERT_EQ(ca.start, cb.start);
    ASSERT_EQ(ca.sla, cb.sla);
    abi::ProcessTerms ra, rb;
    ta.terms(ta.ctx, pa, item, &ca, &ra);
    tb.terms(tb.ctx, pa, item, &ca, &rb);
    EXPECT_EQ(ra.offer_timeout, rb.offer_timeout);
    EXPECT_EQ(ra.complete_within, rb.complete_within);
    EXPECT_EQ(ra.expire_after, rb.expire_after);
    EXPECT_EQ(ra.media, rb.media);
    for (int k = 0; k < 3; ++k) {
      const std::int64_t age = gen.age();
      EXPECT_EQ(ta.priority(ta.ctx, pa, item, &ca, age), tb.priority(tb.ctx, pa, item, &ca, age)) << "age " << age;
      abi::NextChange na, nb;
      ta.next_change(ta.ctx, pa, item, &ca, age, &na);
      tb.next_change(tb.ctx, pa, item, &ca, age, &nb);
      EXPECT_EQ(na.never, nb.never);
      if (!na.never) {
        EXPECT_EQ(na.age, nb.age);
      }
      const abi::Agent& agent = gen.agent();
      EXPECT_EQ(ta.eligible(ta.ctx, pa, item, &ca, age, &agent), tb.eligible(tb.ctx, pa, item, &ca, age, &agent));
    }
    const std::uint32_t stages = ta.stage_counts[pa];
    std::vector<abi::Stage> sa(stages), sb(stages);
    ta.stages(ta.ctx, pa, item, &ca, sa.data());
    tb.stages(tb.ctx, pa, item, &ca, sb.data());
    for (std::uint32_t k = 0; k < stages; ++k) {
      EXPECT_EQ(sa[k].kind, sb[k].kind);
      EXPECT_EQ(sa[k].opens_at, sb[k].opens_at);
      EXPECT_EQ(sa[k].value, sb[k].value);
      EXPECT_EQ(sa[k].expression, sb[k].expression);
      const abi::Agent& agent = gen.agent();
      EXPECT_EQ(ta.admits(ta.ctx, pa, k, item, &ca, &agent), tb.admits(tb.ctx, pa, k, item, &ca, &agent));
    }
  }
  EXPECT_GT(classified, items / 4);  // the items exercise the processes, not just rejection
}

TEST(Bundle, ABundleAnswersLikeItsSource) {
  for (const char* name : {"enterprise", "leads", "blended"}) {
    SCOPED_TRACE(name);
    runtime::StringPool pool;
    const std::string path = kSource + "/examples/" + name + ".iwd";
    auto source = load(path, pool, LoadOptions{true, true});
    ASSERT_TRUE(source);
    const std::string bytes = source->bundle();
    LoadResult jit = load_bundle(bytes, pool, LoadOptions{});
    ASSERT_TRUE(jit.rules) << jit.error;
    EXPECT_EQ(jit.rules->manifest().source_hash, source->manifest().source_hash);
    EXPECT_STREQ(jit.rules->table().engine, "jit");
    LoadResult interp = load_bundle(bytes, pool, LoadOptions{false, false});
    ASSERT_TRUE(interp.rules) << interp.error;
    EXPECT_STREQ(interp.rules->table().engine, "interpreter");
    expect_same_answers(*source, *jit.rules, 1, 300);
    expect_same_answers(*source, *interp.rules, 2, 300);
  }
}

// An enum with no values (W0624) builds, and its bundle loads (it was refused as a damaged
// schema, issue w5) and answers like its source, compiled and interpreted: an item without the
// attribute is classified, one that gives it a value is rejected.
TEST(Bundle, AnEnumWithNoValuesBuildsLoadsAndAnswers) {
  runtime::StringPool pool;
  auto source = load(kSource + "/tests/golden/lints2/empty_enum.iwd", pool, LoadOptions{true, true});
  ASSERT_TRUE(source);
  const int kind = source->schema().find_enum("Kind");
  ASSERT_GE(kind, 0);
  EXPECT_TRUE(source->schema().enums[static_cast<std::size_t>(kind)].values.empty());
  const std::string bytes = source->bundle();
  for (const LoadOptions& options : {LoadOptions{}, LoadOptions{false, false}}) {
    LoadResult loaded = load_bundle(bytes, pool, options);
    ASSERT_TRUE(loaded.rules) << loaded.error;
    EXPECT_EQ(loaded.rules->schema(), source->schema());
    EXPECT_EQ(loaded.rules->manifest().source_hash, source->manifest().source_hash);
    expect_same_answers(*source, *loaded.rules, 3, 200);
  }
}

// A bundle's native code is linked by iwd's own ELF loader (issue 19); LLVM's RuntimeDyld, which
// linked it before, is the oracle: every clean ruleset's bundle loads both ways and the two
// tables answer alike (the batch; every entry point on the examples). tests/unit/jit's
// NativeLoaderDiff compares every function of every ruleset.
TEST(Bundle, TheElfLoaderAnswersAsRuntimeDyld) {
  int rulesets = 0;
  for (const std::string& path : test::clean_rulesets(kSource)) {
    SCOPED_TRACE(path);
    runtime::StringPool pool;
    LoadResult source = load_rules(path, pool, LoadOptions{true, true});
    if (!source.rules) continue;  // golden rules with errors
    ++rulesets;
    const std::string bytes = source.rules->bundle();
    LoadOptions by_llvm;
    by_llvm.llvm_linker = true;
    LoadResult llvm = load_bundle(bytes, pool, by_llvm);
    LoadResult own = load_bundle(bytes, pool, LoadOptions{});
    if (!llvm.rules) {  // a bundle that does not load either way (golden/syntax/enum.iwd's empty enum)
      EXPECT_EQ(own.error, llvm.error);
      EXPECT_EQ(llvm.error.find("native code"), std::string::npos) << llvm.error;
      continue;
    }
    ASSERT_TRUE(own.rules) << own.error;
    EXPECT_FALSE(llvm.rules->jit_program()->loaded_natively());
    EXPECT_TRUE(own.rules->jit_program()->loaded_natively());
    EXPECT_STREQ(own.rules->table().engine, "jit");
    // Every entry point one at a time, on the examples (whose items are classified often enough
    // for expect_same_answers: some golden rules reject nearly every random item).
    if (path.find("/examples/") != std::string::npos) expect_same_answers(*llvm.rules, *own.rules, 5, 200);
    // The batch entry point.
    test::RandomItems gen(*own.rules, 7);
    runtime::DecodeOptions decode;
    decode.captured_at = stdlib::Instant{1'795'000'000'000};
    decode.default_id = "t";
    decode.allow_missing_required = true;
    std::vector<runtime::ItemRecord> records;
    for (int n = 0; n < 100; ++n)
      if (auto rec = runtime::decode_item(own.rules->schema(), pool, gen.item(), decode); rec.ok()) records.push_back(std::move(rec.value));
    std::vector<const runtime::ItemRecord*> items;
    for (const auto& r : records) items.push_back(&r);
    const auto n = static_cast<std::uint32_t>(items.size());
    std::vector<abi::BatchResult> a(n), b(n);
    const abi::RulesV1& ta = llvm.rules->table();
    const abi::RulesV1& tb = own.rules->table();
    ta.evaluate_batch(ta.ctx, items.data(), n, decode.captured_at.ms_since_epoch, 5 * 3'600'000, a.data());
    tb.evaluate_batch(tb.ctx, items.data(), n, decode.captured_at.ms_since_epoch, 5 * 3'600'000, b.data());
    for (std::uint32_t i = 0; i < n; ++i) test::expect_same_batch_result(a[i], b[i], fmt::format("batch item {}", i));
    if (HasFailure()) return;
  }
  EXPECT_GT(rulesets, 10);
}

TEST(Bundle, TheSourceHashFollowsTheSource) {
  runtime::StringPool pool;
  auto a = load(kSource + "/examples/enterprise.iwd", pool, LoadOptions{false, false});
  auto b = load(kSource + "/examples/leads.iwd", pool, LoadOptions{false, false});
  auto c = load(kSource + "/examples/enterprise.iwd", pool, LoadOptions{false, false});
  EXPECT_NE(a->manifest().source_hash, b->manifest().source_hash);
  EXPECT_EQ(a->manifest().source_hash, c->manifest().source_hash);
  EXPECT_EQ(a->manifest().source_hash.rfind("fnv1a64:", 0), 0u);
}

class BundleDamage : public ::testing::Test {
 protected:
  void SetUp() override {
    rules_ = load(kSource + "/examples/enterprise.iwd", pool_, LoadOptions{true, true});
    ASSERT_TRUE(rules_);
    bytes_ = rules_->bundle();
  }
  std::string error_of(const std::string& bytes, LoadOptions options = {}) {
    LoadResult r = load_bundle(bytes, pool_, options);
    EXPECT_EQ(r.rules == nullptr, r.status != LoadStatus::Ok);
    return r.rules ? "" : r.error;
  }
  std::string rewritten(const std::function<void(Bundle&)>& change) {
    Bundle b;
    std::string error;
    EXPECT_TRUE(read_bundle(bytes_, &b, &error)) << error;
    change(b);
    return write_bundle(b);
  }
  runtime::StringPool pool_;
  std::unique_ptr<LoadedRules> rules_;
  std::string bytes_;
};

TEST_F(BundleDamage, EveryFlippedByteIsAnError) {
  for (std::size_t at = 0; at < bytes_.size(); at += 5) {
    std::string damaged = bytes_;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x04);
    const std::string e = error_of(damaged);
    EXPECT_FALSE(e.empty()) << "byte " << at;
    EXPECT_TRUE(e.find("damaged") != std::string::npos || e.find("not an iwd bundle") != std::string::npos ||
                e.find("format version") != std::string::npos)
        << "byte " << at << ": " << e;
  }
}

TEST_F(BundleDamage, EveryTruncationIsAnError) {
  for (std::size_t n = 0; n < bytes_.size(); n += 13) {
    const std::string e = error_of(bytes_.substr(0, n));
    EXPECT_FALSE(e.empty()) << n;
  }
  EXPECT_EQ(error_of(bytes_.substr(0, 20)), "the bundle is truncated (20 bytes)");
  EXPECT_EQ(error_of(bytes_.substr(0, 2000)), "the bundle is damaged or truncated (its checksum does not match)");
}

TEST_F(BundleDamage, ADamagedSectionWithAGoodChecksumIsStillCaught) {
  // Damage that keeps the checksums right (as a bug in a writer would) is caught by the
  // program's own checks.
  EXPECT_EQ(error_of(rewritten([](Bundle& b) { b.program = "garbage"; })),
            "the bundle is damaged: the rule program is not valid CBOR");
  EXPECT_EQ(error_of(rewritten([](Bundle& b) { b.schema = "{}"; })).rfind("the bundle is damaged: its schema", 0), 0u);
  EXPECT_EQ(error_of(rewritten([](Bundle& b) { b.objects[0] = "not an object file"; })).rfind("the bundle's native code does not load", 0), 0u);
  EXPECT_EQ(error_of(rewritten([](Bundle& b) {
              Program p;
              std::string ignored;
              deserialize_program(b.program, &p, &ignored);
              p.processes[1].sla_calendar = 7;
              b.program = serialize_program(p);
            })),
            "the bundle is damaged: the rule program is inconsistent: process `Finance.Silver`: its SLA calendar is missing");
}

// Native code the ELF loader cannot use (a bundle written with a bad object, its checksums
// right) is an error naming the problem.
TEST_F(BundleDamage, ABadObjectIsAnErrorOfTheElfLoader) {
  EXPECT_EQ(error_of(rewritten([](Bundle& b) { b.objects[0].resize(1000); })),
            "the bundle's native code does not load: object 0: truncated: its section headers lie outside it");
  EXPECT_EQ(error_of(rewritten([](Bundle& b) { b.objects[1][18] = 0x28; })),  // e_machine: 32-bit ARM
            "the bundle's native code does not load: object 1: not x86-64 code (ELF machine 40)");
}

TEST_F(BundleDamage, AnotherCompilerVersionIsRefused) {
  const std::string e = error_of(rewritten([](Bundle& b) { b.manifest.compiler_version = "0.0.9"; }));
  EXPECT_EQ(e, fmt::format("the bundle was built by iwd 0.0.9 and this is iwd {}: rebuild it with `iwd build`", compiler_version()));
}

TEST_F(BundleDamage, AnotherMachineIsRefusedUnlessInterpreted) {
  const std::string arm = rewritten([](Bundle& b) { b.manifest.target.triple = "aarch64-unknown-linux-gnu"; });
  EXPECT_NE(error_of(arm).find("it was built for aarch64-unknown-linux-gnu and this machine is"), std::string::npos)
      << error_of(arm);
  const std::string cpu = rewritten([](Bundle& b) {
    b.manifest.target.cpu = "future-cpu";
    b.manifest.target.features += ",+quantum-ops";
  });
  EXPECT_NE(error_of(cpu).find("it was built for CPU future-cpu and this machine"), std::string::npos) << error_of(cpu);
  EXPECT_NE(error_of(cpu).find("lacks quantum-ops"), std::string::npos);
  EXPECT_EQ(error_of(cpu, LoadOptions{false, false}), "");  // the interpreter needs no native code
}

// The program is decoded before the target is checked (issue 19: the JIT is set up meanwhile),
// and the errors still come in their order: another machine first, then the program's damage
// (and that one alone when the code is not run).
TEST_F(BundleDamage, AnotherMachineIsReportedBeforeADamagedProgram) {
  const std::string both = rewritten([](Bundle& b) {
    b.manifest.target.triple = "aarch64-unknown-linux-gnu";
    b.program = "garbage";
  });
  EXPECT_EQ(error_of(both).rfind("the bundle's native code cannot run here: it was built for aarch64-unknown-linux-gnu", 0), 0u)
      << error_of(both);
  EXPECT_EQ(error_of(both, LoadOptions{false, false}), "the bundle is damaged: the rule program is not valid CBOR");
}

// Native code of other conventions than this iwd's (a bundle from before kJitCodeVersion, whose
// code wrote -1 and INT64_MAX for "none") is not run: the loader compiles the bundle's program
// again, so the bundle still loads and answers like its source. Code of the current conventions
// is loaded as it is (a damaged object file then fails).
TEST_F(BundleDamage, NativeCodeOfOtherConventionsIsCompiledAgain) {
  Bundle b;
  std::string error;
  ASSERT_TRUE(read_bundle(bytes_, &b, &error)) << error;
  EXPECT_EQ(b.manifest.jit_code_version, kJitCodeVersion);
  const std::string old = rewritten([](Bundle& b) {
    b.manifest.jit_code_version = 1;
    b.manifest.target.cpu = "future-cpu";  // not this machine's: not used either
    b.objects[0] = "code of other conventions";
  });
  LoadResult r = load_bundle(old, pool_, LoadOptions{true, true});
  ASSERT_TRUE(r.rules) << r.error;
  EXPECT_STREQ(r.rules->table().engine, "jit");
  EXPECT_EQ(r.rules->manifest().jit_code_version, kJitCodeVersion);
  expect_same_answers(*rules_, *r.rules, 3, 200);
  // Saved again, it carries the code compiled here.
  ASSERT_TRUE(read_bundle(r.rules->bundle(), &b, &error)) << error;
  EXPECT_EQ(b.manifest.jit_code_version, kJitCodeVersion);
  EXPECT_NE(b.objects.at(0), "code of other conventions");
  EXPECT_EQ(error_of(rewritten([](Bundle& b) { b.objects[0] = "code of other conventions"; })).rfind("the bundle's native code does not load", 0), 0u);
}

TEST_F(BundleDamage, NotABundle) {
  EXPECT_EQ(error_of("ruleset x"), "not an iwd bundle (it does not start with the bundle signature)");
  EXPECT_FALSE(looks_like_bundle("ruleset x"));
  EXPECT_TRUE(looks_like_bundle(bytes_));
}

TEST(Table, CheckTableRefusesWhatItCannotUse) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/examples/leads.iwd", pool, LoadOptions{false, false});
  abi::RulesV1 t = rules->table();
  EXPECT_STREQ(abi::check_table(&t), "");
  EXPECT_EQ(t.process_count, static_cast<std::int32_t>(rules->program().processes.size()));
  t.abi_version = 2;
  EXPECT_STREQ(abi::check_table(&t), "the rules table has another ABI version");
  t = rules->table();
  t.eligible = nullptr;
  EXPECT_STREQ(abi::check_table(&t), "the rules table lacks an entry point");
  EXPECT_STREQ(abi::check_table(nullptr), "no rules table");
}

TEST(Table, MetadataAndCapacities) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/examples/enterprise.iwd", pool, LoadOptions{false, false});
  const abi::RulesV1& t = rules->table();
  EXPECT_STREQ(t.ruleset_name, "enterprise");
  EXPECT_STREQ(t.ruleset_version, "2026.11");
  EXPECT_STREQ(t.process_names[0], "Finance.Gold");
  EXPECT_EQ(t.process_departments[t.process_count - 1], -1);  // the default process
  ASSERT_GE(t.capacity_count, 1);
  EXPECT_STREQ(t.capacities[0].name, "standard");
  ASSERT_EQ(t.capacities[0].media_count, 4u);
  EXPECT_STREQ(t.capacities[0].media[1], "chat");
  EXPECT_EQ(t.capacities[0].limits[1], 3);
  EXPECT_EQ(t.capacities[0].total, 3);
  auto parsed = runtime::Schema::parse(t.schema);
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.value, rules->schema());
}

TEST(Table, RejectionsAndTerms) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/examples/enterprise.iwd", pool, LoadOptions{false, false});
  const abi::RulesV1& t = rules->table();
  runtime::DecodeOptions decode;
  decode.default_id = "x";
  decode.captured_at = stdlib::Instant{1'795'000'000'000};
  auto rec = runtime::decode_item(rules->schema(), pool, R"({"department":"Sales","segment":"Gold"})", decode);
  ASSERT_TRUE(rec.ok()) << rec.error;
  std::int32_t detail = 0;
  const std::int32_t p = t.classify(t.ctx, &rec.value, decode.captured_at.ms_since_epoch, &detail);
  ASSERT_GE(p, 0);
  EXPECT_STREQ(t.process_names[p], "Sales.Gold");
  abi::ItemClock clock;
  t.clock(t.ctx, p, &rec.value, decode.captured_at.ms_since_epoch, &clock);
  EXPECT_EQ(clock.sla, 72 * 3'600'000);
  EXPECT_NE(clock.due, abi::kNone);
  // Sales.Gold's stages: agent preferred_agent, then skill stages (LANGUAGE.md's targets sales).
  std::vector<abi::Stage> stages(t.stage_counts[p]);
  t.stages(t.ctx, p, &rec.value, &clock, stages.data());
  ASSERT_GE(stages.size(), 2u);
  EXPECT_EQ(stages[0].kind, abi::kStageAgent);
  EXPECT_EQ(stages[0].value, abi::kNone);  // no preferred agent: skipped
  EXPECT_EQ(stages[0].opens_at, 0);
  ASSERT_EQ(stages[1].kind, abi::kStageSkill);
  EXPECT_EQ(stages[1].reads_item, 0);
  abi::ExpressionReads reads;
  t.expression_reads(t.ctx, stages[1].expression, &reads);
  ASSERT_EQ(reads.skill_count, 2u);  // sales_processing > 7 and legacy_processing > 1
  EXPECT_STREQ(t.skill_names[reads.skills[0]], "sales_processing");
  EXPECT_STREQ(t.skill_names[reads.skills[1]], "legacy_processing");
  EXPECT_EQ(reads.slot_count, 0u);
  EXPECT_EQ(reads.reads_inputs, 0);
  t.expression_reads(t.ctx, 99999, &reads);
  EXPECT_EQ(reads.skill_count, 0u);
  abi::ProcessTerms terms;
  t.terms(t.ctx, p, &rec.value, &clock, &terms);
  EXPECT_EQ(terms.offer_timeout, 30'000);  // the default
  EXPECT_STREQ(t.rejection(t.ctx, 12345678), "rejected for an unknown reason");
  EXPECT_NE(std::string(t.rejection(t.ctx, -1)).find("no department matches"), std::string::npos);
}

}  // namespace
}  // namespace iwd::compiler
