// The exact condition solver: satisfiability of conditions under the language's
// three-valued logic, per type, with examples and the limits of the exact fragment.
#include "compiler/sema/condition_solver.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <random>
#include <set>

#include "compiler/driver/compilation.h"

namespace iwd::compiler {
namespace {

using Verdict = ConditionSolver::Verdict;

constexpr const char* kDecls = R"(
enum Segment { Gold, Silver, Bronze }
attributes {
  segment: Segment = Bronze
  seg_opt: Segment?
  n: int = 0
  n_opt: int?
  x: number = 0
  x_opt: number?
  s: string = ""
  s_opt: string?
  flag: bool = false
  flag_opt: bool?
  tags: list<string> = []
  tags_opt: list<string>?
  at: time?
  wait: duration = 0s
}
calendar office { mon..fri 08:00-18:00 }
define limit = 500
)";

// Binds the declarations plus `define c = COND` for each condition; the solver sees the
// defines' values.
class SolverTest : public ::testing::Test {
 protected:
  void load(const std::vector<std::string>& conditions) {
    std::string text = kDecls;
    for (std::size_t i = 0; i < conditions.size(); ++i) text += "define c" + std::to_string(i) + " = " + conditions[i] + "\n";
    comp_ = std::make_unique<Compilation>(sm_, diags_);
    comp_->load_root_text("t.iwd", text);
    comp_->check();
    for (const auto& d : diags_.all())
      ASSERT_NE(d.severity, Severity::Error) << d.message;
    solver_ = std::make_unique<ConditionSolver>(*comp_->bound());
    ids_.clear();
    for (std::size_t i = 0; i < conditions.size(); ++i) ids_.push_back(solver_->add(value("c" + std::to_string(i))));
  }
  const BoundExpr* value(const std::string& define) const {
    for (const auto& d : comp_->bound()->defines)
      if (d.name == define) return d.value.get();
    return nullptr;
  }
  ConditionSolver::Result solve(std::vector<ConditionSolver::Literal> lits) { return solver_->solve(lits); }
  Verdict holds(std::size_t i) { return solve({{ids_[i], true}}).verdict; }
  Verdict fails(std::size_t i) { return solve({{ids_[i], false}}).verdict; }
  // The verdict of "condition 0 holds" for one condition.
  Verdict sat(const std::string& cond) {
    load({cond});
    return holds(0);
  }
  // Always holds: its negation (does not hold) has no item.
  bool always(const std::string& cond) {
    load({cond});
    return fails(0) == Verdict::Unsat;
  }
  std::string example(const std::string& cond) {
    load({cond});
    auto r = solve({{ids_[0], true}});
    EXPECT_EQ(r.verdict, Verdict::Sat);
    return solver_->example_text(r.example);
  }

  SourceManager sm_;
  DiagnosticBag diags_;
  std::unique_ptr<Compilation> comp_;
  std::unique_ptr<ConditionSolver> solver_;
  std::vector<ConditionSolver::CondId> ids_;
};

TEST_F(SolverTest, IntsAreIntegersNumbersAreNot) {
  EXPECT_EQ(sat("n > 3 and n < 4"), Verdict::Unsat);
  EXPECT_EQ(sat("x > 3 and x < 4"), Verdict::Sat);
  EXPECT_EQ(sat("n > 3 and n < 5"), Verdict::Sat);
  EXPECT_EQ(example("n > 3 and n < 5"), "n = 4");
  EXPECT_EQ(sat("n >= 3.5 and n <= 3.9"), Verdict::Unsat);
  EXPECT_EQ(sat("n in 1..5 and n not in 1..5"), Verdict::Unsat);
  EXPECT_EQ(sat("n in 5..1"), Verdict::Unsat);
  EXPECT_EQ(sat("x > 5 and x < 3"), Verdict::Unsat);
  EXPECT_EQ(sat("n > limit and n < 501"), Verdict::Unsat);  // a define as a constant
  EXPECT_EQ(sat("-3 > n and n > -5"), Verdict::Sat);
  EXPECT_EQ(example("-3 > n and n > -5"), "n = -4");
}

TEST_F(SolverTest, NumbersAreDoubles) {
  // No double lies strictly between 1 and the next double after it.
  EXPECT_EQ(sat("x > 1 and x < 1.0000000000000002"), Verdict::Unsat);
  EXPECT_EQ(sat("x > 1 and x < 1.0000000000000004"), Verdict::Sat);
}

TEST_F(SolverTest, OptionalValuesMakeComparisonsAbsent) {
  // Non-optional: one of the two always holds. Optional: an absent value makes both absent.
  EXPECT_TRUE(always("n > 5 or n <= 5"));
  EXPECT_FALSE(always("n_opt > 5 or n_opt <= 5"));
  EXPECT_EQ(example("not (n_opt > 5 or n_opt <= 5) or not has(n_opt)"), "no n_opt");
  // not absent is absent: `not (n_opt > 5)` does not hold for an absent n_opt.
  load({"not (n_opt > 5)", "n_opt > 5"});
  auto r = solve({{ids_[0], false}, {ids_[1], false}});
  ASSERT_EQ(r.verdict, Verdict::Sat);
  EXPECT_EQ(solver_->example_text(r.example), "no n_opt");
  EXPECT_EQ(sat("not has(n_opt) and n_opt > 3"), Verdict::Unsat);
  EXPECT_TRUE(always("has(n_opt) or not has(n_opt)"));
  EXPECT_TRUE(always("has(n)"));
  // absent or true is true; absent and false is false.
  EXPECT_TRUE(always("n_opt > 5 or true"));
  EXPECT_EQ(sat("n_opt > 5 and false"), Verdict::Unsat);
}

TEST_F(SolverTest, CoalesceWithAConstant) {
  EXPECT_EQ(sat("(x_opt ?? 0) > 5 and not has(x_opt)"), Verdict::Unsat);
  EXPECT_EQ(sat("(x_opt ?? 10) > 5 and not has(x_opt)"), Verdict::Sat);
  EXPECT_TRUE(always("(n_opt ?? 0) > 5 or (n_opt ?? 0) <= 5"));
  EXPECT_TRUE(always("(flag_opt ?? true) or not (flag_opt ?? true)"));
  EXPECT_TRUE(always("(n_opt > 5 ?? true) or n_opt <= 5"));
}

TEST_F(SolverTest, StringsBeyondTheMentionedOnes) {
  EXPECT_EQ(sat("s != \"a\" and s != \"b\""), Verdict::Sat);
  EXPECT_EQ(example("s != \"a\" and s != \"b\""), "s = \"other\"");
  EXPECT_EQ(example("s in [\"a\", \"b\"] and s not in [\"a\"]"), "s = \"b\"");
  EXPECT_EQ(sat("s > \"a\" and s < \"b\""), Verdict::Sat);
  // Nothing lies between "a" and "a" followed by the smallest character.
  EXPECT_EQ(sat("s > \"a\" and s < \"a\\u{0}\""), Verdict::Unsat);
  EXPECT_EQ(sat("s < \"\""), Verdict::Unsat);
  EXPECT_EQ(sat("s_opt in \"m\"..\"p\" and s_opt != \"m\" and s_opt != \"p\""), Verdict::Sat);
}

TEST_F(SolverTest, EnumsHaveOnlyTheirValues) {
  EXPECT_EQ(sat("segment != Gold and segment != Silver and segment != Bronze"), Verdict::Unsat);
  EXPECT_EQ(example("segment not in [Gold, Silver]"), "segment = Bronze");
  EXPECT_TRUE(always("segment == Gold or segment != Gold"));
  EXPECT_FALSE(always("seg_opt == Gold or seg_opt != Gold"));
  EXPECT_TRUE(always("segment in [Gold, Silver, Bronze]"));
}

TEST_F(SolverTest, BoolsAndLists) {
  EXPECT_EQ(sat("flag and not flag"), Verdict::Unsat);
  EXPECT_TRUE(always("flag or not flag"));
  EXPECT_FALSE(always("flag_opt or not flag_opt"));
  EXPECT_TRUE(always("flag == true or flag == false"));
  EXPECT_EQ(sat("\"vip\" in tags and \"vip\" not in tags"), Verdict::Unsat);
  EXPECT_EQ(example("\"a\" in tags and \"b\" not in tags"), "tags = [\"a\"]");
  EXPECT_EQ(example("not has(tags_opt)"), "no tags_opt");
  EXPECT_FALSE(always("\"a\" in tags_opt or \"a\" not in tags_opt"));
  EXPECT_TRUE(always("\"a\" in tags or \"a\" not in tags"));
}

TEST_F(SolverTest, TimesAndDurations) {
  EXPECT_EQ(sat("at > 2026-01-01T00:00:00Z and at < 2026-01-01T00:00:00.001Z"), Verdict::Unsat);
  EXPECT_EQ(sat("wait > 1h and wait < 1h1m"), Verdict::Sat);
  EXPECT_EQ(example("wait > 1h and wait < 2h and wait != 1h1ms"), "wait = 1h2ms");
}

TEST_F(SolverTest, QueriesCombineConditions) {
  // Gold before a catch-all: no item reaches "segment == Gold" past "segment in [Gold, Silver]".
  load({"segment in [Gold, Silver]", "segment == Gold", "segment == Bronze"});
  EXPECT_EQ(solve({{ids_[0], false}, {ids_[1], true}}).verdict, Verdict::Unsat);
  auto r = solve({{ids_[0], false}, {ids_[2], false}});
  EXPECT_EQ(r.verdict, Verdict::Unsat);  // every segment is covered
  load({"segment == Gold and x > 10000", "x > 5000"});
  r = solve({{ids_[0], true}, {ids_[1], true}});
  ASSERT_EQ(r.verdict, Verdict::Sat);
  EXPECT_EQ(solver_->example_text(r.example), "segment = Gold and x = 10001");
}

TEST_F(SolverTest, BeyondTheFragment) {
  load({"hour(now) > 9", "n > 5 and n < 3 and hour(now) > 9", "segment == Gold or hour(now) > 9", "n + 1 > 3",
        "x > n", "if flag then n > 1 else n > 2"});
  EXPECT_FALSE(solver_->exact(ids_[0]));
  EXPECT_EQ(solver_->beyond_text(ids_[0]), "`hour(now)`");
  EXPECT_EQ(solver_->beyond_text(ids_[3]), "`n + 1`");
  EXPECT_EQ(solver_->beyond_text(ids_[4]), "`x > n`");
  auto r = solve({{ids_[0], true}});
  EXPECT_EQ(r.verdict, Verdict::Unknown);
  ASSERT_EQ(r.blocking.size(), 1u);
  EXPECT_EQ(r.blocking[0], ids_[0]);
  // Contradictions are found whatever the opaque part does.
  EXPECT_EQ(holds(1), Verdict::Unsat);
  // An item with segment = Gold satisfies it, whatever the hour.
  EXPECT_EQ(holds(2), Verdict::Sat);
  EXPECT_EQ(fails(2), Verdict::Unknown);
  EXPECT_EQ(holds(5), Verdict::Unknown);
}

TEST_F(SolverTest, ExamplesNameOnlyWhatMatters) {
  load({"segment == Gold", "n > 3"});
  auto r = solve({{ids_[0], true}, {ids_[1], false}});
  ASSERT_EQ(r.verdict, Verdict::Sat);
  EXPECT_EQ(solver_->example_text(r.example), "segment = Gold and n = 3");
  r = solve({{ids_[0], true}});
  EXPECT_EQ(solver_->example_text(r.example), "segment = Gold");
}

// One solver answers many queries (as the lints ask them) and keeps scratch state between
// them: the split into parts, the cached parts and the representatives must not leak from
// one query into the next, whatever order the literals come in.
TEST_F(SolverTest, ManyQueriesOnOneSolver) {
  std::vector<std::string> conds;
  for (char c = 'a'; c <= 'l'; ++c) conds.push_back(std::string("s == \"") + c + "\"");  // 0..11
  conds.push_back("segment == Gold and n > 3");                                           // 12
  conds.push_back("n in 2..6");                                                           // 13
  conds.push_back("s > \"c\" and s < \"f\" and n < 4");                                  // 14
  load(conds);
  // "Reaches the condition on k": none of a..j, k; its part apart from the one on n.
  std::vector<ConditionSolver::Literal> reach;
  for (std::size_t i = 0; i < 10; ++i) reach.push_back({ids_[i], false});
  reach.push_back({ids_[10], true});
  auto with = [&](std::vector<ConditionSolver::Literal> extra, bool in_front) {
    auto q = reach;
    q.insert(in_front ? q.begin() : q.end(), extra.begin(), extra.end());
    return solve(q);
  };
  for (bool in_front : {false, true}) {
    auto r = with({{ids_[12], true}, {ids_[13], false}}, in_front);
    ASSERT_EQ(r.verdict, Verdict::Sat);
    EXPECT_EQ(solver_->example_text(r.example), "segment = Gold, n = 7 and s = \"k\"");
    EXPECT_EQ(with({{ids_[12], true}, {ids_[13], true}, {ids_[14], true}}, in_front).verdict, Verdict::Unsat);
    EXPECT_EQ(with({{ids_[14], true}}, in_front).verdict, Verdict::Unsat);  // k is not between c and f
  }
  // The same literals without the prefix: s is free again, and joins n's part through 14.
  auto r = solve({{ids_[14], true}, {ids_[13], true}, {ids_[3], false}});
  ASSERT_EQ(r.verdict, Verdict::Sat);
  EXPECT_EQ(solver_->example_text(r.example), "n = 2 and s = \"cx\"");  // between c and d
  r = solve({{ids_[13], true}, {ids_[14], true}, {ids_[3], false}, {ids_[4], false}});
  EXPECT_EQ(r.verdict, Verdict::Sat);
  EXPECT_EQ(solve({{ids_[14], true}, {ids_[3], false}, {ids_[4], false}, {ids_[5], false}, {ids_[13], true}}).verdict,
            Verdict::Sat);  // a string strictly between "c" and "d"
}

// The solver keeps its search's vectors (and the parts' split) from one query to the next
// instead of allocating them per query: a query's answer must be the one a new solver gives,
// whatever was asked before, large or small, with or without opaque parts.
TEST_F(SolverTest, AnswersDoNotDependOnEarlierQueries) {
  const std::vector<std::string> conds = {
      "segment == Gold and n > 3", "n in 2..6", "s > \"c\" and s < \"f\"", "s == \"d\"", "\"vip\" in tags",
      "has(x_opt) and x_opt >= 2.5", "flag_opt ?? false", "n * 2 > 7",  // beyond the fragment
      "segment != Silver or n_opt == 4", "n_opt > 1 and not flag", "seg_opt in [Gold, Bronze]",
      "s_opt == \"a\" or n + 1 > 3",  // partly beyond
      "n < 0", "wait > 2h", "x < 1 and n >= 5", "not (\"a\" in tags_opt)"};
  load(conds);
  std::mt19937 rng(19);
  int sat = 0, unsat = 0, unknown = 0;
  for (int round = 0; round < 400; ++round) {
    std::vector<ConditionSolver::Literal> q;
    const std::size_t n = 1 + rng() % (round % 3 == 0 ? 12 : 4);
    for (std::size_t i = 0; i < n; ++i) q.push_back({ids_[rng() % ids_.size()], rng() % 3 != 0});
    const auto got = solve(q);
    ConditionSolver fresh(*comp_->bound());
    for (std::size_t i = 0; i < conds.size(); ++i) ASSERT_EQ(fresh.add(value("c" + std::to_string(i))), ids_[i]);
    const auto want = fresh.solve(q);
    ASSERT_EQ(got.verdict, want.verdict) << "query " << round;
    EXPECT_EQ(solver_->example_text(got.example), fresh.example_text(want.example)) << "query " << round;
    EXPECT_EQ(got.blocking, want.blocking) << "query " << round;
    EXPECT_EQ(got.capped, want.capped) << "query " << round;
    (got.verdict == Verdict::Sat ? sat : got.verdict == Verdict::Unsat ? unsat : unknown) += 1;
  }
  EXPECT_GT(sat, 40);  // every kind of answer is exercised
  EXPECT_GT(unsat, 40);
  EXPECT_GT(unknown, 10);
}

// The condition lints give each of their threads a solver copied from the first one's
// conditions, compiled once: it answers as a solver given them anew, starts with no work
// counted and no answer kept, and later conditions go to it alone.
TEST_F(SolverTest, ACopyAnswersAsTheOriginal) {
  load({"segment == Gold and n > 3", "n in 2..6", "s > \"c\" and s < \"f\"", "n * 2 > 7", "flag_opt ?? false"});
  ASSERT_EQ(solve({{ids_[0], true}, {ids_[1], true}}).verdict, Verdict::Sat);  // the original has worked
  ConditionSolver copy(*solver_, ConditionSolver::CopyConditions{});
  EXPECT_EQ(copy.nodes_visited(), 0);
  std::mt19937 rng(8);
  for (int round = 0; round < 100; ++round) {
    std::vector<ConditionSolver::Literal> q;
    for (std::size_t i = 0, n = 1 + rng() % 5; i < n; ++i) q.push_back({ids_[rng() % ids_.size()], rng() % 2 == 0});
    const auto a = solve(q), b = copy.solve(q);
    ASSERT_EQ(a.verdict, b.verdict) << round;
    EXPECT_EQ(solver_->example_text(a.example), copy.example_text(b.example)) << round;
    EXPECT_EQ(a.blocking, b.blocking) << round;
  }
  EXPECT_GT(copy.nodes_visited(), 0);
  EXPECT_EQ(copy.exact(ids_[3]), solver_->exact(ids_[3]));
  EXPECT_EQ(copy.beyond_text(ids_[3]), solver_->beyond_text(ids_[3]));
  // A condition added to the copy: the next id, a new cell for s, the original untouched.
  load({"segment == Gold and n > 3", "n in 2..6", "s > \"c\" and s < \"f\"", "n * 2 > 7", "flag_opt ?? false",
        "s == \"d\""});
  ConditionSolver original(*comp_->bound());
  for (std::size_t i = 0; i < 5; ++i) ASSERT_EQ(original.add(value("c" + std::to_string(i))), ids_[i]);
  ConditionSolver twin(original, ConditionSolver::CopyConditions{});
  EXPECT_EQ(twin.add(value("c5")), 5);
  const ConditionSolver::Literal d[] = {{5, true}, {ids_[2], true}};
  auto r = twin.solve(d);
  ASSERT_EQ(r.verdict, Verdict::Sat);
  EXPECT_EQ(twin.example_text(r.example), "s = \"d\"");
  EXPECT_EQ(original.nodes_visited(), 0);
  EXPECT_EQ(original.add(value("c5")), 5);  // as the copy numbered it
}

// A condition added after queries renumbers the cells of its attribute: no answer kept from
// before (an example names cells) may be given again.
TEST_F(SolverTest, AddingAConditionForgetsEarlierAnswers) {
  std::vector<std::string> conds;
  for (char c = 'a'; c <= 'l'; ++c) conds.push_back(std::string("s == \"") + c + "\"");
  conds.push_back("s == \"b0\"");  // a cell between b and c once added
  load(conds);
  ConditionSolver solver(*comp_->bound());
  std::vector<ConditionSolver::Literal> reach;
  for (std::size_t i = 0; i < 10; ++i) reach.push_back({solver.add(value("c" + std::to_string(i))), false});
  reach.push_back({solver.add(value("c10")), true});
  auto r = solver.solve(reach);
  EXPECT_EQ(solver.example_text(r.example), "s = \"k\"");
  solver.add(value("c12"));
  r = solver.solve(reach);
  EXPECT_EQ(solver.example_text(r.example), "s = \"k\"");
}

TEST(ConditionText, WritesTheLanguage) {
  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  comp.load_root_text("t.iwd", std::string(kDecls) +
                                   "define a = not (segment == Gold or n > 3) and s in [\"x\", \"y\"]\n"
                                   "define b = (x_opt ?? 0) >= 10000 and n not in 1..5 and \"vip\" in tags\n");
  comp.check();
  const auto& rs = *comp.bound();
  EXPECT_EQ(condition_text(rs, *rs.defines[1].value), "not (segment == Gold or n > 3) and s in [\"x\", \"y\"]");
  EXPECT_EQ(condition_text(rs, *rs.defines[2].value), "(x_opt ?? 0) >= 10000 and n not in 1..5 and \"vip\" in tags");
}


// ---- exactness against brute force ------------------------------------------------
// Random conditions over a few attributes; the solver's verdicts must match an exhaustive
// search over values that cover every cell (each constant, values between and beyond them,
// absence), evaluated by an independent three-valued interpreter.
namespace brute {

struct V {
  bool absent = true;
  long double num = 0;
  std::string str;
};
enum T { F, U, Tr };

T tri_not(T a) { return a == U ? U : a == F ? Tr : F; }
T tri_and(T a, T b) { return (a == F || b == F) ? F : (a == U || b == U) ? U : Tr; }
T tri_or(T a, T b) { return (a == Tr || b == Tr) ? Tr : (a == U || b == U) ? U : F; }

struct Eval {
  const BoundRuleset& rs;
  const std::map<std::int32_t, V>& item;

  V value(const BoundExpr& e) const {
    V v;
    switch (e.kind) {
      case BoundExprKind::Literal:
        v.absent = false;
        if (e.type.kind == TypeKind::String) v.str = e.string_value;
        else if (e.type.kind == TypeKind::Number) v.num = e.number_value;
        else v.num = static_cast<long double>(e.int_value);
        return v;
      case BoundExprKind::EnumValue: v.absent = false; v.num = e.index; return v;
      case BoundExprKind::Attribute: return item.at(e.index);
      case BoundExprKind::Widen: return value(e.child(0));
      case BoundExprKind::Unary:
        if (e.op == BoundOp::Neg) { v = value(e.child(0)); v.num = -v.num; return v; }
        break;
      case BoundExprKind::Binary:
        if (e.op == BoundOp::Coalesce && e.type.kind != TypeKind::Bool) {
          v = value(e.child(0));
          return v.absent ? value(e.child(1)) : v;
        }
        break;
      default: break;
    }
    const T t = cond(e);
    if (t == U) return V{};
    v.absent = false;
    v.num = t == Tr ? 1 : 0;
    return v;
  }
  static int cmp(const V& a, const V& b, bool str) {
    if (str) return a.str < b.str ? -1 : a.str == b.str ? 0 : 1;
    return a.num < b.num ? -1 : a.num == b.num ? 0 : 1;
  }
  T cond(const BoundExpr& e) const {
    switch (e.kind) {
      case BoundExprKind::Literal: return e.int_value ? Tr : F;
      case BoundExprKind::Attribute: {
        const V& v = item.at(e.index);
        return v.absent ? U : v.num != 0 ? Tr : F;
      }
      case BoundExprKind::Define: return cond(*rs.defines[static_cast<std::size_t>(e.index)].value);
      case BoundExprKind::Unary: return tri_not(cond(e.child(0)));
      case BoundExprKind::Call: return item.at(e.child(0).index).absent ? F : Tr;
      case BoundExprKind::In: {
        const V x = value(e.child(0));
        if (x.absent) return U;
        const bool str = e.child(0).type.kind == TypeKind::String;
        bool in = false;
        if (e.children.size() == 3) {
          in = cmp(x, value(e.child(1)), str) >= 0 && cmp(x, value(e.child(2)), str) <= 0;
        } else {
          for (const auto& c : e.child(1).children) in = in || cmp(x, value(*c), str) == 0;
        }
        return in != e.negated ? Tr : F;
      }
      case BoundExprKind::Binary: {
        switch (e.op) {
          case BoundOp::And: return tri_and(cond(e.child(0)), cond(e.child(1)));
          case BoundOp::Or: return tri_or(cond(e.child(0)), cond(e.child(1)));
          case BoundOp::Coalesce: {
            const T a = cond(e.child(0));
            return a == U ? cond(e.child(1)) : a;
          }
          default: break;
        }
        const V a = value(e.child(0)), b = value(e.child(1));
        if (a.absent || b.absent) return U;
        const int c = cmp(a, b, e.child(0).type.kind == TypeKind::String);
        bool r = false;
        switch (e.op) {
          case BoundOp::Eq: r = c == 0; break;
          case BoundOp::Ne: r = c != 0; break;
          case BoundOp::Lt: r = c < 0; break;
          case BoundOp::Le: r = c <= 0; break;
          case BoundOp::Gt: r = c > 0; break;
          case BoundOp::Ge: r = c >= 0; break;
          default: break;
        }
        return r ? Tr : F;
      }
      default: return U;
    }
  }
};

void attributes_of(const BoundRuleset& rs, const BoundExpr& e, std::set<std::int32_t>& out) {
  if (e.kind == BoundExprKind::Attribute) out.insert(e.index);
  if (e.kind == BoundExprKind::Define) attributes_of(rs, *rs.defines[static_cast<std::size_t>(e.index)].value, out);
  for (const auto& c : e.children) attributes_of(rs, *c, out);
}

}  // namespace brute

TEST(SolverExactness, MatchesBruteForceOnRandomConditions) {
  const std::string decls = R"(
enum Segment { Gold, Silver, Bronze }
attributes { n: int = 0  m: int?  x: number = 0  s: string = ""  seg: Segment?  flag: bool? }
)";
  // Atoms over small constants; values below cover every cell they make.
  const std::vector<std::string> atoms = {
      "n > 2", "n < 4", "n == 3", "n != 1", "n >= 5", "n in 2..4", "n not in [1, 3]", "m > 2", "m <= 3", "m == 1",
      "has(m)", "(m ?? 3) > 2", "m in 1..2", "x > 1", "x < 2", "x >= 1.5", "x in [1, 3]", "s == \"b\"",
      "s > \"a\"", "s < \"b\"", "s in [\"a\", \"c\"]", "s != \"c\"", "seg == Gold", "seg != Silver",
      "seg in [Gold, Bronze]", "has(seg)", "flag", "flag == false", "(flag ?? true)", "n >= 3.5"};
  std::uint32_t state = 12345;
  auto next = [&](std::uint32_t k) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % k;
  };
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    const auto pick = next(depth > 0 ? 5 : 1);
    if (pick == 0 || depth == 0) return atoms[next(static_cast<std::uint32_t>(atoms.size()))];
    if (pick == 1) return "not (" + gen(depth - 1) + ")";
    if (pick == 2) return "(" + gen(depth - 1) + " or " + gen(depth - 1) + ")";
    return "(" + gen(depth - 1) + " and " + gen(depth - 1) + ")";
  };
  constexpr int kConds = 150;
  std::string text = decls;
  for (int i = 0; i < kConds; ++i) text += "define c" + std::to_string(i) + " = " + gen(3) + "\n";
  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  comp.load_root_text("t.iwd", text);
  comp.check();
  ASSERT_FALSE(diags.has_errors());
  const BoundRuleset& rs = *comp.bound();
  ConditionSolver solver(rs);
  std::vector<ConditionSolver::CondId> ids;
  for (int i = 0; i < kConds; ++i) ids.push_back(solver.add(rs.defines[static_cast<std::size_t>(i)].value.get()));

  auto candidates = [&](std::int32_t attr) {
    std::vector<brute::V> vs;
    const auto& a = rs.attributes[static_cast<std::size_t>(attr)];
    auto num = [&](long double n) { vs.push_back(brute::V{false, n, {}}); };
    switch (a.type.kind) {
      case TypeKind::Int: for (int i = -1; i <= 7; ++i) num(i); break;
      case TypeKind::Number: for (long double v : {0.0L, 1.0L, 1.25L, 1.5L, 1.75L, 2.0L, 2.5L, 3.0L, 3.5L}) num(v); break;
      case TypeKind::String:
        for (const char* s : {"", "a", "a0", "b", "b0", "c", "d"}) vs.push_back(brute::V{false, 0, s});
        break;
      case TypeKind::Enum: for (int i = 0; i < 3; ++i) num(i); break;
      case TypeKind::Bool: num(0); num(1); break;
      default: break;
    }
    if (a.type.optional) vs.push_back(brute::V{});
    return vs;
  };
  // Does some item make every literal come out as wanted?
  auto brute_sat = [&](const std::vector<std::pair<int, bool>>& lits) {
    std::set<std::int32_t> attrs;
    for (auto [i, _] : lits) brute::attributes_of(rs, *rs.defines[static_cast<std::size_t>(i)].value, attrs);
    std::vector<std::int32_t> order(attrs.begin(), attrs.end());
    std::map<std::int32_t, brute::V> item;
    std::function<bool(std::size_t)> rec = [&](std::size_t k) -> bool {
      if (k == order.size()) {
        brute::Eval ev{rs, item};
        for (auto [i, holds] : lits)
          if ((ev.cond(*rs.defines[static_cast<std::size_t>(i)].value) == brute::Tr) != holds) return false;
        return true;
      }
      for (const auto& v : candidates(order[k])) {
        item[order[k]] = v;
        if (rec(k + 1)) return true;
      }
      return false;
    };
    return rec(0);
  };
  int checked = 0;
  for (int i = 0; i < kConds; ++i) {
    for (bool holds : {true, false}) {
      const std::vector<std::pair<int, bool>> lits = {{i, holds}};
      const bool expect = brute_sat(lits);
      const ConditionSolver::Literal q[] = {{ids[static_cast<std::size_t>(i)], holds}};
      EXPECT_EQ(solver.solve(q).verdict, expect ? Verdict::Sat : Verdict::Unsat)
          << "c" << i << (holds ? " holds" : " fails") << ": " << condition_text(rs, *rs.defines[static_cast<std::size_t>(i)].value);
      ++checked;
    }
    const int j = (i + 1) % kConds, k = (i + 7) % kConds;
    const std::vector<std::pair<int, bool>> lits = {{i, true}, {j, false}, {k, true}};
    const bool expect = brute_sat(lits);
    const ConditionSolver::Literal q[] = {{ids[static_cast<std::size_t>(i)], true},
                                          {ids[static_cast<std::size_t>(j)], false},
                                          {ids[static_cast<std::size_t>(k)], true}};
    EXPECT_EQ(solver.solve(q).verdict, expect ? Verdict::Sat : Verdict::Unsat) << "c" << i << ", not c" << j << ", c" << k;
    ++checked;
  }
  EXPECT_EQ(checked, kConds * 3);
}

}  // namespace
}  // namespace iwd::compiler
