// The condition lints (LANGUAGE.md section 7): departments and processes that can never take
// an item (W0601), processes whose order alone decides (I0602), items a department takes
// that no process matches (W0603), conditions that are always true or always false (W0604),
// overlapping or dead decision-table rows (E0512, W0513), and conditions beyond the exact
// analysis (I0605). Every judgement comes from ConditionSolver and is exact; where a
// condition lies beyond the solver's fragment the lint says so instead of guessing.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>

#include "compiler/sema/checks.h"
#include "compiler/sema/condition_solver.h"

namespace iwd::compiler {
namespace {

using Lit = ConditionSolver::Literal;
using Verdict = ConditionSolver::Verdict;
using CondId = ConditionSolver::CondId;
constexpr CondId kAlways = -1;  // no `when`: always holds

// A department or a process.
struct Rule {
  bool department = false;
  std::int32_t index = -1;
  friend bool operator==(const Rule&, const Rule&) = default;
};

enum class Constancy { Never, Always, Neither, Unknown };

class ConditionLinter {
 public:
  // After an error a department may miss a process that failed to bind: no gaps then.
  ConditionLinter(const BoundRuleset& rs, DiagnosticBag& diags)
      : rs_(rs), diags_(diags), out_(&diags), solver_(rs), gaps_(!diags.has_errors()) {}

  unsigned run(unsigned threads) {
    compile();
    lint_defines();
    for (std::size_t d = 0; d < rs_.departments.size(); ++d) lint_constancy(Rule{true, static_cast<std::int32_t>(d)});
    for (std::size_t p = 0; p < rs_.processes.size(); ++p)
      if (rs_.processes[p].department >= 0) lint_constancy(Rule{false, static_cast<std::int32_t>(p)});
    lint_departments();
    std::vector<std::int32_t> reached;
    for (std::size_t d = 0; d < rs_.departments.size(); ++d)
      if (dep_state_[d] == Verdict::Sat || dep_state_[d] == Verdict::Unknown) reached.push_back(static_cast<std::int32_t>(d));
    threads = lint_all_processes(reached, threads);
    report_blocked();
    return threads;
  }

  std::int64_t solver_nodes() const { return solver_.nodes_visited() + helper_nodes_; }
  void ask_pairs_in_full() { full_pair_questions_ = true; }

 private:
  // A linter for another thread, made after lint_departments: the judgements so far, and a
  // solver of its own with the same conditions, copied compiled (so the same ids, cells and
  // answers: a part's answer depends on its literals alone, not on what was asked before).
  ConditionLinter(const ConditionLinter& o, DiagnosticBag& out)
      : rs_(o.rs_), diags_(out), out_(&out), solver_(o.solver_, ConditionSolver::CopyConditions{}),
        gaps_(o.gaps_), dep_cond_(o.dep_cond_), proc_cond_(o.proc_cond_), dep_const_(o.dep_const_),
        proc_const_(o.proc_const_), dep_state_(o.dep_state_), proc_state_(o.proc_state_),
        full_pair_questions_(o.full_pair_questions_) {}

  // What lint_processes found for one department, kept apart to be merged in order.
  struct DepartmentFindings {
    DiagnosticBag diags;
    std::vector<std::pair<CondId, bool>> blocked;
  };

  // lint_processes for every department in `deps`, on up to `threads` threads, each taking
  // the next department not taken; the findings merged in department order, as one thread
  // would have made them. Departments are independent here: a query of one names only its
  // own processes and the departments before it, decided already.
  unsigned lint_all_processes(const std::vector<std::int32_t>& deps, unsigned threads) {
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, deps.size() / kDepartmentsPerThread));
    if (threads <= 1) {
      for (auto d : deps) lint_processes(d);
      return 1;
    }
    std::vector<DepartmentFindings> found(deps.size());
    std::atomic<std::size_t> next{0};
    auto work = [&](ConditionLinter& linter) {
      DiagnosticBag& bag = *linter.out_;
      for (std::size_t i; (i = next.fetch_add(1)) < deps.size();) {
        linter.lint_processes(deps[i]);
        found[i].diags.all() = std::move(bag.all());
        bag.all().clear();
        found[i].blocked = std::move(linter.blocked_);
        linter.blocked_.clear();
        for (auto p : dep(deps[i]).processes) proc_state_[static_cast<std::size_t>(p)] = linter.proc_state_[static_cast<std::size_t>(p)];
      }
    };
    std::vector<DiagnosticBag> bags(threads);
    std::vector<std::unique_ptr<ConditionLinter>> helpers;
    for (unsigned t = 1; t < threads; ++t) helpers.push_back(std::unique_ptr<ConditionLinter>(new ConditionLinter(*this, bags[t])));
    std::vector<std::thread> running;
    try {
      for (auto& h : helpers) running.emplace_back(work, std::ref(*h));
    } catch (const std::system_error&) {
      // No thread to be had: those started and this one take every department.
    }
    DiagnosticBag* const own = out_;
    std::vector<std::pair<CondId, bool>> own_blocked = std::move(blocked_);
    blocked_.clear();
    out_ = &bags[0];
    work(*this);
    for (auto& r : running) r.join();
    for (const auto& h : helpers) helper_nodes_ += h->solver_.nodes_visited();
    out_ = own;
    blocked_ = std::move(own_blocked);
    for (auto& f : found) {
      for (auto& d : f.diags.all()) out_->add(std::move(d));
      blocked_.insert(blocked_.end(), f.blocked.begin(), f.blocked.end());
    }
    return static_cast<unsigned>(running.size()) + 1;
  }

  // Below this many departments a thread costs more than it saves (its solver starts with no answer kept).
  static constexpr std::size_t kDepartmentsPerThread = 8;

  CondId add(const BoundExpr* e) { return solver_.add(e); }

  const BoundRuleset& rs_;
  DiagnosticBag& diags_;
  DiagnosticBag* out_;  // where reports go: diags_, or one thread's bag (lint_all_processes)
  ConditionSolver solver_;
  bool gaps_;
  std::vector<CondId> dep_cond_, proc_cond_;
  std::vector<Constancy> dep_const_, proc_const_;
  std::vector<Verdict> dep_state_, proc_state_;  // Sat: reachable; Unsat: never takes an item
  std::set<std::int32_t> constant_defines_;      // defines reported by W0604
  std::set<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>> beyond_reported_;
  std::vector<std::pair<CondId, bool>> blocked_;     // conditions that left a judgement open (, capped)
  std::map<std::int32_t, std::size_t> define_diag_;  // define -> its W0604, by index into the bag
  std::vector<std::unique_ptr<BoundExpr>> unknown_;  // stand-ins for rows that failed to bind
  std::int64_t helper_nodes_ = 0;                    // the other threads' solvers' work (solver_nodes)
  bool full_pair_questions_ = false;                 // ConditionLintStats::full_pair_questions

  // ---- names and texts ------------------------------------------------------------

  const BoundDepartment& dep(std::int32_t d) const { return rs_.departments[static_cast<std::size_t>(d)]; }
  const BoundProcess& proc(std::int32_t p) const { return rs_.processes[static_cast<std::size_t>(p)]; }
  CondId cond(const Rule& r) const {
    return r.department ? dep_cond_[static_cast<std::size_t>(r.index)] : proc_cond_[static_cast<std::size_t>(r.index)];
  }
  const BoundExpr* when(const Rule& r) const {
    return r.department ? dep(r.index).when.get() : proc(r.index).when.get();
  }
  SourceRange range(const Rule& r) const { return r.department ? dep(r.index).range : proc(r.index).range; }
  bool is_row(const Rule& r) const { return !r.department && proc(r.index).table >= 0; }

  std::string name(const Rule& r) const {
    if (r.department) return fmt::format("department `{}`", dep(r.index).name);
    const auto& p = proc(r.index);
    if (p.table >= 0) {
      if (p.short_name == fmt::format("row{}", p.table_row + 1))  // a row named by its number
        return fmt::format("row {} of `{}`", p.table_row + 1, dep(p.department).name);
      return fmt::format("row {} (`{}`)", p.table_row + 1, p.name);
    }
    return fmt::format("`{}`", p.name);
  }
  std::string list_names(const std::vector<Rule>& rules) const {
    std::string out;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      if (i) out += i + 1 == rules.size() ? " and " : ", ";
      out += name(rules[i]);
    }
    return out;
  }

  // A condition as the analyst wrote it, when short enough for a message; else "".
  std::string phrase(const BoundExpr* e) const {
    if (!e) return "";
    std::string s = condition_text(rs_, *e);
    return s.size() <= 70 ? s : "";
  }

  // "every item with segment == Gold", or "every item it matches".
  std::string items_of(const Rule& r, const char* fallback) const {
    const std::string p = phrase(when(r));
    if (!when(r)) return "every item";
    return p.empty() ? fallback : "every item with " + p;
  }

  bool same_table(std::int32_t a, std::int32_t b) const {
    const auto& pa = proc(a);
    const auto& pb = proc(b);
    return pa.table >= 0 && pa.table == pb.table && pa.department == pb.department;
  }

  // ---- compilation ----------------------------------------------------------------

  // A table row with a cell that failed to bind lacks that cell's condition: it is taken
  // as unknown (never judged, never reported) rather than as broader than written.
  bool row_has_error(const BoundProcess& p) const {
    if (p.table < 0) return false;
    for (const auto& d : diags_.all())
      if (d.severity == Severity::Error && d.range.file == p.range.file && d.range.begin.offset >= p.range.begin.offset &&
          d.range.end.offset <= p.range.end.offset)
        return true;
    return false;
  }

  void compile() {
    for (const auto& d : rs_.departments) dep_cond_.push_back(d.when ? add(d.when.get()) : kAlways);
    for (const auto& p : rs_.processes) {
      if (p.department >= 0 && row_has_error(p)) {
        unknown_.push_back(std::make_unique<BoundExpr>());  // typed Error: opaque, silent
        unknown_.back()->range = p.range;
        proc_cond_.push_back(add(unknown_.back().get()));
        continue;
      }
      proc_cond_.push_back(p.department >= 0 && p.when ? add(p.when.get()) : kAlways);
    }
    // The defines' conditions as well, before any question (lint_defines asks of them): a
    // condition added after a question makes the solver build every cell and table again.
    for (const auto& d : rs_.defines)
      if (bool_define(d)) add(d.value.get());
    dep_const_.assign(rs_.departments.size(), Constancy::Neither);
    proc_const_.assign(rs_.processes.size(), Constancy::Neither);
    dep_state_.assign(rs_.departments.size(), Verdict::Unknown);
    proc_state_.assign(rs_.processes.size(), Verdict::Unknown);
  }

  // ---- I0605 ----------------------------------------------------------------------

  // Reports, once per condition, that a judgement needed it and it lies beyond the exact
  // analysis. `subject`: the condition to name when the search was capped.
  // The reports are kept until the end: a rule found unreachable needs no such note.
  void blocked(const ConditionSolver::Result& r, CondId subject) {
    if (r.verdict != Verdict::Unknown) return;
    for (CondId c : r.blocking)
      if (!solver_.beyond_text(c).empty()) blocked_.push_back({c, false});  // else only erroneous parts
    if (r.capped && subject != kAlways) blocked_.push_back({subject, true});
  }

  void report_blocked() {
    std::set<CondId> unreachable;
    for (std::size_t d = 0; d < rs_.departments.size(); ++d)
      if (dep_state_[d] == Verdict::Unsat && dep_cond_[d] != kAlways) unreachable.insert(dep_cond_[d]);
    for (std::size_t p = 0; p < rs_.processes.size(); ++p)
      if (proc_state_[p] == Verdict::Unsat && proc_cond_[p] != kAlways) unreachable.insert(proc_cond_[p]);
    for (const auto& [c, capped] : blocked_) {
      const BoundExpr* e = solver_.expr(c);
      if (!e || unreachable.count(c)) continue;
      if (!beyond_reported_.insert({e->range.file, e->range.begin.offset, e->range.end.offset}).second) continue;
      const std::string beyond = solver_.beyond_text(c);
      if (!capped && !beyond.empty()) {
        auto& d = out_->report("I0605", e->range,
                                fmt::format("{} is beyond the exact analysis: this condition was not checked for "
                                            "overlaps, gaps or rules it makes unreachable",
                                            beyond));
        d.notes.push_back("the exact analysis covers attributes compared with constants (== != < <= > >=, `in`, "
                          "`not in`, ranges), `has(...)`, `??` with a constant, and, or, not, and defines built "
                          "from these");
      } else {
        out_->report("I0605", e->range,
                      "this condition combines too many cases for the exact analysis: it was not checked for "
                      "overlaps, gaps or rules it makes unreachable");
      }
    }
  }

  // ---- W0604 ----------------------------------------------------------------------

  Constancy constancy(CondId c, bool report_beyond) {
    const Lit holds[] = {{c, true}};
    const Lit fails[] = {{c, false}};
    auto r1 = solver_.solve(holds);
    if (r1.verdict == Verdict::Unsat) return Constancy::Never;
    auto r2 = solver_.solve(fails);
    if (r2.verdict == Verdict::Unsat) return Constancy::Always;
    if (r1.verdict == Verdict::Sat && r2.verdict == Verdict::Sat) return Constancy::Neither;
    if (report_beyond) {
      blocked(r1, c);
      blocked(r2, c);
    }
    return Constancy::Unknown;
  }

  static bool bool_define(const BoundDefine& d) {
    return d.value && !d.value->type.is_error() && d.value->type.kind == TypeKind::Bool;
  }

  void lint_defines() {
    for (std::size_t i = 0; i < rs_.defines.size(); ++i) {
      const auto& d = rs_.defines[i];
      if (!bool_define(d)) continue;
      const CondId c = add(d.value.get());  // added by compile(): its id
      if (solver_.has_error(c)) continue;
      const Constancy k = constancy(c, false);
      if (k != Constancy::Never && k != Constancy::Always) continue;
      constant_defines_.insert(static_cast<std::int32_t>(i));
      define_diag_[static_cast<std::int32_t>(i)] = diags_.all().size();
      const std::string text = phrase(d.value.get());
      auto& diag = out_->report(
          "W0604", d.value->range,
          k == Constancy::Never
              ? fmt::format("define `{}` never holds{}", d.name, text.empty() ? "" : fmt::format(": no item has {}", text))
              : fmt::format("define `{}` holds for every item{}", d.name,
                            text.empty() ? "" : fmt::format(": {} is always true", text)));
      add_absence_note(diag, *d.value, k);
    }
  }

  // A note when optional attributes play a part: absent values make comparisons absent.
  void add_absence_note(Diagnostic& d, const BoundExpr& e, Constancy k) const {
    if (k == Constancy::Never && compares_optional(e, false))
      d.notes.push_back("a comparison with an absent value is absent, and a condition that ends absent does not hold");
  }
  // Whether an optional attribute is compared (not only tested with `has`).
  bool compares_optional(const BoundExpr& e, bool in_comparison) const {
    if (e.kind == BoundExprKind::Attribute && e.index >= 0)
      return in_comparison && rs_.attributes[static_cast<std::size_t>(e.index)].type.optional;
    if (e.kind == BoundExprKind::Define) {
      const auto& d = rs_.defines[static_cast<std::size_t>(e.index)];
      return d.value && compares_optional(*d.value, in_comparison);
    }
    if (e.kind == BoundExprKind::Call && e.builtin == stdlib::Builtin::Has) return false;
    if (e.kind == BoundExprKind::Binary && e.op == BoundOp::Coalesce) return false;
    const bool comparison = e.kind == BoundExprKind::In ||
                            (e.kind == BoundExprKind::Binary && e.op != BoundOp::And && e.op != BoundOp::Or);
    for (const auto& c : e.children)
      if (c && compares_optional(*c, in_comparison || comparison)) return true;
    return false;
  }

  void lint_constancy(const Rule& r) {
    const CondId c = cond(r);
    if (c == kAlways) return;
    const Constancy k = constancy(c, true);
    (r.department ? dep_const_[static_cast<std::size_t>(r.index)] : proc_const_[static_cast<std::size_t>(r.index)]) = k;
    if (k != Constancy::Never && k != Constancy::Always) return;
    const BoundExpr* e = when(r);
    if (e->kind == BoundExprKind::Define && constant_defines_.count(e->index)) {  // reported at the define
      auto& d = diags_.all()[define_diag_.at(e->index)];
      if (d.labels.size() < 3) {
        const std::string who = r.department ? name(r) : is_row(r) ? name(r) : fmt::format("`{}`", proc(r.index).name);
        d.labels.push_back({e->range, k == Constancy::Never ? fmt::format("so {} can never take an item", who)
                                                            : fmt::format("so {} takes every item that reaches it", who)});
      }
      return;
    }
    const std::string text = phrase(e);
    if (is_row(r) && k == Constancy::Never) {
      auto& d = out_->report("W0513", proc(r.index).range,
                              fmt::format("{} can never match: {}", name(r),
                                          text.empty() ? "its cells contradict each other"
                                                       : fmt::format("no item has {}", text)));
      add_absence_note(d, *e, k);
      return;
    }
    const std::string who = r.department ? name(r) : fmt::format("`{}`", proc(r.index).name);
    if (k == Constancy::Never) {
      auto& d = out_->report("W0604", e->range,
                              fmt::format("{} never holds: {} can never take an item",
                                          text.empty() ? "this condition" : "`" + text + "`", who));
      add_absence_note(d, *e, k);
    } else {
      auto& d = out_->report("W0604", e->range,
                              fmt::format("{} holds for every item: {} takes every item that reaches it",
                                          text.empty() ? "this condition" : "`" + text + "`", who));
      d.notes.push_back("if that is intended, leave out the `when`");
    }
  }

  // ---- W0601 ----------------------------------------------------------------------

  struct Candidate {
    Rule rule;
    Lit lit;
  };

  // The fewest candidates that, with `base`, still leave no item. Deletion by groups: all
  // earlier departments at once, then the own department, then the processes from the
  // latest back; a group that cannot go as a whole is split in halves.
  std::vector<Rule> responsible(const std::vector<Lit>& base, const std::vector<Candidate>& cands) {
    std::vector<bool> keep(cands.size(), true);
    auto unsat_without = [&](const std::vector<std::size_t>& group) {
      for (auto i : group) keep[i] = false;
      std::vector<Lit> q = base;
      for (std::size_t j = 0; j < cands.size(); ++j)
        if (keep[j]) q.push_back(cands[j].lit);
      const bool unsat = solver_.solve(q).verdict == Verdict::Unsat;
      if (!unsat)
        for (auto i : group) keep[i] = true;
      return unsat;
    };
    std::function<void(std::vector<std::size_t>)> drop = [&](std::vector<std::size_t> group) {
      if (group.empty() || unsat_without(group) || group.size() == 1) return;
      const std::size_t half = group.size() / 2;
      drop(std::vector<std::size_t>(group.begin(), group.begin() + static_cast<std::ptrdiff_t>(half)));
      drop(std::vector<std::size_t>(group.begin() + static_cast<std::ptrdiff_t>(half), group.end()));
    };
    std::vector<std::size_t> deps, procs;
    for (std::size_t i = cands.size(); i-- > 0;) (cands[i].rule.department ? deps : procs).push_back(i);
    drop(deps);
    drop(procs);
    std::vector<Rule> out;
    for (std::size_t j = 0; j < cands.size(); ++j)
      if (keep[j]) out.push_back(cands[j].rule);
    return out;
  }

  void report_unreachable(const char* code, const Rule& subject, const std::vector<Rule>& rules) {
    // The own department, when its condition is among the causes.
    const bool own_dep = !subject.department &&
                         std::find(rules.begin(), rules.end(), Rule{true, proc(subject.index).department}) != rules.end();
    std::vector<Rule> before;
    for (const auto& r : rules)
      if (!(own_dep && r == Rule{true, proc(subject.index).department})) before.push_back(r);
    const std::string subject_text = is_row(subject) ? name(subject) : subject.department ? name(subject) : "`" + proc(subject.index).name + "`";
    const std::string verb = is_row(subject) && std::string(code) == "W0513" ? "can never match" : "can never take an item";
    std::string msg;
    if (rules.empty()) {
      msg = fmt::format("{} {}", subject_text, verb);
    } else if (before.empty() && own_dep) {
      const Rule d{true, proc(subject.index).department};
      const std::string sp = phrase(when(subject));
      msg = fmt::format("{} {}: no item that {} takes has {}", subject_text, verb, name(d),
                        sp.empty() ? "what its condition asks for" : sp);
    } else {
      msg = fmt::format("{} {}: {} before it {} {}{}", subject_text, verb, list_names(before),
                        before.size() == 1 ? "takes" : "take", items_of(subject, "every item it matches"),
                        own_dep ? fmt::format(" that {} takes", name(Rule{true, proc(subject.index).department})) : "");
    }
    auto& d = out_->report(code, range(subject), msg);
    for (const auto& r : rules) {
      if (own_dep && r == Rule{true, proc(subject.index).department}) {
        const std::string dp = phrase(when(r));
        d.labels.push_back({range(r), dp.empty() ? "the department's condition" : "the department takes only items with " + dp});
      } else {
        const char* what = !when(r) && is_row(r) ? "every cell is `-`: it takes every item that reaches it"
                           : !when(r)      ? "has no `when`: takes every item that reaches it"
                           : r.department ? "this department takes those items first"
                                          : "takes those items first";
        d.labels.push_back({range(r), what});
      }
    }
  }

  // The literals "the item reaches department d": its condition holds and no earlier one's.
  std::vector<Lit> dep_prefix(std::int32_t d, std::vector<Candidate>* cands) const {
    std::vector<Lit> lits;
    for (std::int32_t e = 0; e < d; ++e)
      if (dep_cond_[static_cast<std::size_t>(e)] != kAlways) {
        lits.push_back({dep_cond_[static_cast<std::size_t>(e)], false});
        if (cands) cands->push_back({Rule{true, e}, lits.back()});
      }
    if (dep_cond_[static_cast<std::size_t>(d)] != kAlways) {
      lits.push_back({dep_cond_[static_cast<std::size_t>(d)], true});
      if (cands) cands->push_back({Rule{true, d}, lits.back()});
    }
    return lits;
  }

  void lint_departments() {
    std::int32_t catch_all = -1;
    for (std::size_t i = 0; i < rs_.departments.size(); ++i) {
      const auto d = static_cast<std::int32_t>(i);
      const Rule self{true, d};
      if (dep_const_[i] == Constancy::Never) {
        dep_state_[i] = Verdict::Unsat;
        continue;
      }
      if (catch_all >= 0) {
        dep_state_[i] = Verdict::Unsat;
        report_unreachable("W0601", self, {Rule{true, catch_all}});
        continue;
      }
      std::vector<Candidate> cands;
      std::vector<Lit> lits = dep_prefix(d, &cands);
      auto r = solver_.solve(lits);
      dep_state_[i] = r.verdict;
      if (dep_cond_[i] == kAlways && r.verdict != Verdict::Unsat) catch_all = d;
      if (r.verdict == Verdict::Unknown) blocked(r, dep_cond_[i]);
      if (r.verdict != Verdict::Unsat) continue;
      std::vector<Lit> base;
      std::vector<Candidate> earlier;
      for (const auto& c : cands) {
        if (c.rule == self) base.push_back(c.lit);
        else earlier.push_back(c);
      }
      report_unreachable("W0601", self, responsible(base, earlier));
    }
  }

  // ---- processes ------------------------------------------------------------------

  void lint_processes(std::int32_t d) {
    const auto& procs = dep(d).processes;
    std::vector<Candidate> dep_cands;
    const std::vector<Lit> prefix = dep_prefix(d, &dep_cands);
    const std::size_t n = procs.size();

    // W0601 / W0513: reachability.
    std::int32_t catch_all = -1;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t p = procs[i];
      const Rule self{false, p};
      auto& state = proc_state_[static_cast<std::size_t>(p)];
      if (proc_const_[static_cast<std::size_t>(p)] == Constancy::Never) {
        state = Verdict::Unsat;
        continue;
      }
      const CondId own = proc_cond_[static_cast<std::size_t>(p)];
      if (catch_all >= 0) {
        state = Verdict::Unsat;
        if (same_table(catch_all, p)) {
          if (proc(p).table_first) report_unreachable("W0513", self, {Rule{false, catch_all}});
        } else {
          report_unreachable("W0601", self, {Rule{false, catch_all}});
        }
        continue;
      }
      // Outside causes first: departments, the own department, processes outside p's table.
      std::vector<Candidate> outside = dep_cands, rows;
      for (std::size_t j = 0; j < i; ++j) {
        const std::int32_t q = procs[j];
        const CondId qc = proc_cond_[static_cast<std::size_t>(q)];
        if (qc == kAlways) continue;
        (same_table(q, p) ? rows : outside).push_back({Rule{false, q}, Lit{qc, false}});
      }
      std::vector<Lit> base;
      if (own != kAlways) base.push_back({own, true});
      std::vector<Lit> q_out = base;
      for (const auto& c : outside) q_out.push_back(c.lit);
      auto r_out = solver_.solve(q_out);
      if (r_out.verdict == Verdict::Unsat) {
        state = Verdict::Unsat;
        report_unreachable("W0601", self, responsible(base, outside));
        continue;
      }
      if (rows.empty()) {
        state = r_out.verdict;
        if (r_out.verdict == Verdict::Unknown) blocked(r_out, own);
        if (own == kAlways) catch_all = p;
        continue;
      }
      std::vector<Lit> q_all = q_out;
      for (const auto& c : rows) q_all.push_back(c.lit);
      auto r_all = solver_.solve(q_all);
      state = r_all.verdict;
      if (r_all.verdict == Verdict::Unknown) blocked(r_all, own);
      if (r_all.verdict != Verdict::Unsat) {
        if (own == kAlways) catch_all = p;
        continue;
      }
      if (proc(p).table_first) {
        std::vector<Candidate> all = outside;
        all.insert(all.end(), rows.begin(), rows.end());
        report_unreachable("W0513", self, responsible(base, all));
      }
      // Without `table first`, the overlap with the earlier rows is reported as E0512.
    }

    lint_order(d, prefix);
    lint_gap(d, prefix);
    lint_tables(d, prefix);
  }

  // The literals "the item reaches process procs[i] of department d".
  std::vector<Lit> reach(const std::vector<Lit>& prefix, std::int32_t d, std::size_t i, bool skip_same_table_of = false,
                         std::int32_t table_proc = -1) const {
    std::vector<Lit> lits = prefix;
    const auto& procs = dep(d).processes;
    for (std::size_t j = 0; j < i; ++j) {
      const CondId c = proc_cond_[static_cast<std::size_t>(procs[j])];
      if (c == kAlways) continue;
      if (skip_same_table_of && same_table(procs[j], table_proc)) continue;
      lits.push_back({c, false});
    }
    return lits;
  }

  // A necessary condition, cheap to decide, for "an item reaches the earlier of p and q and
  // matches both": that some item matches both. The full question holds every process before
  // p (their conditions, mostly on the same attributes, fall in one part with p's and q's), a
  // search growing with p's place for every pair; this one holds two conditions. When no item
  // matches both (exclusive processes or rows, the common case), the full question is Unsat
  // too, and so never Sat nor left open by an opaque part (a leaf of its search where p and q
  // may hold would be one of this search's), so it is not asked. Null conditions (kAlways)
  // match everything: no answer here.
  bool never_both(CondId a, CondId b) {
    if (full_pair_questions_ || a == kAlways || b == kAlways) return false;
    const Lit both[] = {{a, true}, {b, true}};
    return solver_.solve(both).verdict == Verdict::Unsat;
  }

  // I0602: a later process that also matches items an earlier one takes.
  void lint_order(std::int32_t d, const std::vector<Lit>& prefix) {
    const auto& procs = dep(d).processes;
    for (std::size_t i = 0; i < procs.size(); ++i) {
      const std::int32_t q = procs[i];
      const CondId qc = proc_cond_[static_cast<std::size_t>(q)];
      if (qc == kAlways || proc_state_[static_cast<std::size_t>(q)] != Verdict::Sat) continue;
      if (proc_const_[static_cast<std::size_t>(q)] == Constancy::Always) continue;  // a catch-all in effect (W0604)
      std::vector<Rule> earlier;
      std::string example;
      for (std::size_t j = 0; j < i && earlier.size() < 3; ++j) {
        const std::int32_t p = procs[j];
        if (proc_state_[static_cast<std::size_t>(p)] != Verdict::Sat || same_table(p, q)) continue;
        const CondId pc = proc_cond_[static_cast<std::size_t>(p)];
        if (never_both(pc, qc)) continue;
        std::vector<Lit> lits = reach(prefix, d, j);
        if (pc != kAlways) lits.push_back({pc, true});
        lits.push_back({qc, true});
        auto r = solver_.solve(lits);
        if (r.verdict == Verdict::Unknown) blocked(r, qc);
        if (r.verdict != Verdict::Sat) continue;
        if (earlier.empty()) example = solver_.example_text(r.example);
        earlier.push_back(Rule{false, p});
      }
      if (earlier.empty()) continue;
      const Rule self{false, q};
      auto& diag = out_->report(
          "I0602", proc(q).range,
          fmt::format("{} matches some items that {} before it {}: only the order decides where they go",
                      is_row(self) ? name(self) : "`" + proc(q).name + "`", list_names(earlier),
                      earlier.size() == 1 ? "takes" : "take"));
      for (const auto& e : earlier) diag.labels.push_back({range(e), "comes first and takes them"});
      diag.notes.push_back(fmt::format("for example {} matches both {} and {}",
                                       example.empty() ? "any item" : "an item with " + example, name(earlier.front()),
                                       is_row(self) ? name(self) : "`" + proc(q).name + "`"));
    }
  }

  // W0603: items the department takes that no process matches, with no default process.
  void lint_gap(std::int32_t d, const std::vector<Lit>& prefix) {
    if (!gaps_ || rs_.default_process >= 0 || dep_state_[static_cast<std::size_t>(d)] != Verdict::Sat) return;
    const auto& procs = dep(d).processes;
    for (auto p : procs)
      if (proc_cond_[static_cast<std::size_t>(p)] == kAlways) return;
    std::vector<Lit> lits = reach(prefix, d, procs.size());
    auto r = solver_.solve(lits);
    if (r.verdict == Verdict::Unknown) {
      blocked(r, kAlways);
      return;
    }
    if (r.verdict != Verdict::Sat) return;
    const std::string example = solver_.example_text(r.example);
    auto& diag = out_->report(
        "W0603", dep(d).range,
        fmt::format("{} takes items that none of its processes matches, and there is no default process: such items "
                    "are rejected",
                    name(Rule{true, d})));
    diag.notes.push_back(fmt::format("for example {} matches none of them",
                                     example.empty() ? "any item" : "an item with " + example));
    diag.notes.push_back("add a last process without `when`, or a `default process`");
  }

  // E0512: rows of a table without `first` that match a common item.
  void lint_tables(std::int32_t d, const std::vector<Lit>& prefix) {
    const auto& procs = dep(d).processes;
    for (std::size_t i = 0; i < procs.size(); ++i) {
      const std::int32_t q = procs[i];
      if (proc(q).table < 0 || proc(q).table_first) continue;
      if (proc_const_[static_cast<std::size_t>(q)] == Constancy::Never) continue;
      std::vector<Rule> overlapping;
      std::string example;
      for (std::size_t j = 0; j < i && overlapping.size() < 3; ++j) {
        const std::int32_t p = procs[j];
        if (!same_table(p, q) || proc_const_[static_cast<std::size_t>(p)] == Constancy::Never) continue;
        if (never_both(proc_cond_[static_cast<std::size_t>(p)], proc_cond_[static_cast<std::size_t>(q)])) continue;
        // Items that reach the table: the department's, not taken by processes before it.
        std::vector<Lit> lits = reach(prefix, d, j, true, q);
        for (auto c : {proc_cond_[static_cast<std::size_t>(p)], proc_cond_[static_cast<std::size_t>(q)]})
          if (c != kAlways) lits.push_back({c, true});
        auto r = solver_.solve(lits);
        if (r.verdict == Verdict::Unknown) blocked(r, proc_cond_[static_cast<std::size_t>(q)]);
        if (r.verdict != Verdict::Sat) continue;
        if (overlapping.empty()) example = solver_.example_text(r.example);
        overlapping.push_back(Rule{false, p});
      }
      if (overlapping.empty()) continue;
      const Rule self{false, q};
      auto& diag = out_->report("E0512", proc(q).range,
                                 fmt::format("{} matches some of the same items as {}", name(self), list_names(overlapping)));
      for (const auto& e : overlapping) diag.labels.push_back({range(e), "also matches them"});
      diag.notes.push_back(fmt::format("for example {} matches both {} and {}",
                                       example.empty() ? "any item" : "an item with " + example,
                                       name(overlapping.front()), name(self)));
      diag.notes.push_back("make the rows exclusive, or mark the table `table first` if row order should decide");
    }
  }
};

}  // namespace

unsigned lint_conditions(const BoundRuleset& rs, DiagnosticBag& diags, unsigned threads, ConditionLintStats* stats) {
  if (threads == 0) threads = std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  ConditionLinter linter(rs, diags);
  if (stats && stats->full_pair_questions) linter.ask_pairs_in_full();
  const unsigned used = linter.run(threads);
  if (stats) stats->solver_nodes = linter.solver_nodes();
  return used;
}

}  // namespace iwd::compiler
