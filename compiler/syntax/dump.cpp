// `iwd parse --emit=ast`: the AST as an indented tree, one node per line, each with its
// range as @line:col-line:col. Stable: golden tests compare it.
#include <fmt/format.h>

#include "compiler/syntax/parse.h"
#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

class AstDumper {
 public:
  explicit AstDumper(std::ostream& out) : out_(out) {}

  void file(const SourceManager& sm, const SyntaxFile& f) {
    out_ << "File " << sm.file(f.file).path << "\n";
    depth_ = 1;
    for (const auto& d : f.decls) decl(*d);
  }

 private:
  std::ostream& out_;
  int depth_ = 0;

  static std::string at(const SourceRange& r) {
    if (!r.valid()) return "@?";
    return fmt::format("@{}:{}-{}:{}", r.begin.line, r.begin.col, r.end.line, r.end.col);
  }
  void line(const std::string& text, const SourceRange& r) {
    out_ << std::string(static_cast<std::size_t>(depth_) * 2, ' ') << text << ' ' << at(r) << '\n';
  }
  struct Indent {
    AstDumper& d;
    explicit Indent(AstDumper& dd) : d(dd) { ++d.depth_; }
    ~Indent() { --d.depth_; }
  };
  static std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\', out += c;
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else out += c;
    }
    return out + "\"";
  }

  void name(const char* label, const SyntaxName& n) { line(fmt::format("{} {}", label, n.text), n.range); }

  void expr_or_missing(const char* label, const SyntaxExprPtr& e) {
    if (!e) return;
    line(label, e->range);
    Indent in(*this);
    expr(*e);
  }

  void literal(const SyntaxLiteral& l) {
    std::string v;
    switch (l.lit) {
      case SyntaxLiteralKind::Int: v = fmt::format("Int {}", l.int_value); break;
      case SyntaxLiteralKind::Number: v = fmt::format("Number {}", l.number_value); break;
      case SyntaxLiteralKind::String: v = "String " + quoted(l.string_value); break;
      case SyntaxLiteralKind::Bool: v = l.int_value ? "Bool true" : "Bool false"; break;
      case SyntaxLiteralKind::Duration: v = fmt::format("Duration {}ms ({})", l.int_value, l.spelling); break;
      case SyntaxLiteralKind::Percent: v = fmt::format("Percent {}", l.number_value); break;
      case SyntaxLiteralKind::BusinessDays: v = fmt::format("BusinessDays {} ({})", l.int_value, l.spelling); break;
      case SyntaxLiteralKind::Instant:
        v = fmt::format("Instant {} ({})", stdlib::format_instant(stdlib::Instant{l.int_value}), l.spelling);
        break;
      case SyntaxLiteralKind::Date: v = fmt::format("Date {}", l.spelling); break;
      case SyntaxLiteralKind::TimeOfDay: v = fmt::format("TimeOfDay {}", l.spelling); break;
      case SyntaxLiteralKind::Invalid: v = fmt::format("Invalid {}", l.spelling); break;
    }
    line(v, l.range);
  }

  void expr(const SyntaxExpr& e) {
    switch (e.kind) {
      case SyntaxExprKind::Literal: literal(as<SyntaxLiteral>(e)); return;
      case SyntaxExprKind::Name: line("Name " + as<SyntaxNameExpr>(e).name, e.range); return;
      case SyntaxExprKind::Member: {
        const auto& m = as<SyntaxMember>(e);
        line("Member ." + m.member.text, e.range);
        Indent in(*this);
        if (m.base) expr(*m.base);
        return;
      }
      case SyntaxExprKind::Call: {
        const auto& c = as<SyntaxCall>(e);
        line("Call " + c.callee.text, e.range);
        Indent in(*this);
        for (const auto& a : c.args) expr(*a);
        return;
      }
      case SyntaxExprKind::Unary: {
        const auto& u = as<SyntaxUnary>(e);
        line(u.op == SyntaxUnaryOp::Not ? "Unary not" : "Unary -", e.range);
        Indent in(*this);
        if (u.operand) expr(*u.operand);
        return;
      }
      case SyntaxExprKind::Binary: {
        const auto& b = as<SyntaxBinary>(e);
        line(std::string("Binary ") + binary_op_spelling(b.op), e.range);
        Indent in(*this);
        if (b.lhs) expr(*b.lhs);
        if (b.rhs) expr(*b.rhs);
        return;
      }
      case SyntaxExprKind::In: {
        const auto& i = as<SyntaxIn>(e);
        line(i.negated ? "NotIn" : "In", e.range);
        Indent in(*this);
        if (i.value) expr(*i.value);
        if (i.target) expr(*i.target);
        expr_or_missing("From", i.lo);
        expr_or_missing("To", i.hi);
        return;
      }
      case SyntaxExprKind::List: {
        line("List", e.range);
        Indent in(*this);
        for (const auto& item : as<SyntaxList>(e).items) expr(*item);
        return;
      }
      case SyntaxExprKind::If: {
        const auto& i = as<SyntaxIf>(e);
        line("If", e.range);
        Indent in(*this);
        expr_or_missing("Cond", i.cond);
        expr_or_missing("Then", i.then_expr);
        expr_or_missing("Else", i.else_expr);
        return;
      }
      case SyntaxExprKind::PercentOf: {
        const auto& p = as<SyntaxPercentOf>(e);
        line(fmt::format("PercentOf {}% of {}", p.percent, p.of.text), e.range);
        return;
      }
    }
  }

  void priority_body(const SyntaxPriorityBody& body) {
    static constexpr const char* kNames[] = {"Start", "Every", "Curve", "Boost", "Min", "Max", "Overdue", "AgeIn"};
    for (const auto& c : body.clauses) {
      line(kNames[static_cast<int>(c.kind)], c.range);
      Indent in(*this);
      expr_or_missing("Period", c.period);
      expr_or_missing(c.kind == SyntaxPriorityClauseKind::Every ? "Add" : "Value", c.value);
      expr_or_missing("From", c.from);
      expr_or_missing("Until", c.until);
      expr_or_missing("When", c.condition);
      for (const auto& p : c.points) {
        line("Point", p.at ? join(p.at->range, p.value ? p.value->range : p.at->range) : SourceRange{});
        Indent pin(*this);
        if (p.at) expr(*p.at);
        if (p.value) expr(*p.value);
      }
      if (!c.calendar.text.empty()) name("Calendar", c.calendar);
    }
  }

  void targets_body(const SyntaxTargetsBody& body) {
    static constexpr const char* kNames[] = {"AgentStage", "GroupStage", "SkillStage"};
    for (const auto& s : body.stages) {
      line(kNames[static_cast<int>(s.kind)], s.range);
      Indent in(*this);
      if (s.expr) expr(*s.expr);
      expr_or_missing("For", s.duration);
    }
  }

  void process_clauses(const std::vector<SyntaxProcessClause>& clauses) {
    static constexpr const char* kNames[] = {"Sla", "Priority", "Targets", "Media", "OfferTimeout", "CompleteWithin", "ExpireAfter", "CompleteBy"};
    for (const auto& c : clauses) {
      line(kNames[static_cast<int>(c.kind)], c.range);
      Indent in(*this);
      if (c.value) expr(*c.value);
      if (!c.calendar.text.empty()) name("Calendar", c.calendar);
      if (!c.ref.text.empty()) name(c.kind == SyntaxProcessClauseKind::CompleteBy ? "By" : "Ref", c.ref);
      expr_or_missing("Min", c.min);
      expr_or_missing("Max", c.max);
      if (c.priority) priority_body(*c.priority);
      if (c.targets) targets_body(*c.targets);
    }
  }

  void table(const SyntaxTable& t) {
    line(t.first ? "Table first" : "Table", t.range);
    Indent in(*this);
    for (const auto& c : t.columns) name("Column", c);
    for (const auto& r : t.rows) {
      line("Row", r.range);
      Indent rin(*this);
      for (const auto& c : r.cells) {
        line(c.any ? "Any" : c.negated ? "CellNot" : "Cell", c.range);
        Indent cin(*this);
        if (!c.calendar.text.empty()) name("Calendar", c.calendar);
        for (const auto& v : c.values) {
          if (v.hi) {
            line("Range", join(v.lo ? v.lo->range : v.hi->range, v.hi->range));
            Indent vin(*this);
            if (v.lo) expr(*v.lo);
            expr(*v.hi);
          } else if (v.lo) {
            expr(*v.lo);
          }
        }
      }
    }
  }

  void calendar(const SyntaxCalendar& c) {
    static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    auto hours = [&](const std::vector<SyntaxTimeRange>& hs) {
      for (const auto& h : hs)
        line(fmt::format("Hours {:02}:{:02}-{:02}:{:02}", h.from_minute / 60, h.from_minute % 60,
                         h.to_minute / 60, h.to_minute % 60), h.range);
    };
    for (const auto& cl : c.clauses) {
      switch (cl.kind) {
        case SyntaxCalendarClauseKind::Timezone: line("Timezone " + quoted(cl.zone), cl.range); break;
        case SyntaxCalendarClauseKind::Weekly: {
          line("Weekly", cl.range);
          Indent in(*this);
          for (const auto& d : cl.days) line(fmt::format("Days {}..{}", kDays[d.from_day], kDays[d.to_day]), d.range);
          hours(cl.hours);
          break;
        }
        case SyntaxCalendarClauseKind::Closed: {
          line("Closed", cl.range);
          Indent in(*this);
          for (const auto& item : cl.closed) {
            if (item.yearly) line(fmt::format("Yearly {:02}-{:02}", item.month, item.day), item.range);
            else line(fmt::format("Dates {}..{}", stdlib::format_date(item.from_day), stdlib::format_date(item.to_day)), item.range);
          }
          break;
        }
        case SyntaxCalendarClauseKind::SpecialDay: {
          line(fmt::format("SpecialDay {}", stdlib::format_date(cl.date)), cl.range);
          Indent in(*this);
          hours(cl.hours);
          break;
        }
      }
    }
  }

  void test(const SyntaxTest& t) {
    static constexpr const char* kNames[] = {"Given", "At", "ExpectProcess", "ExpectRejected", "ExpectDue", "ExpectPriority", "ExpectEligible"};
    for (const auto& c : t.clauses) {
      std::string head = kNames[static_cast<int>(c.kind)];
      if (c.kind == SyntaxTestClauseKind::ExpectProcess) {
        head += ' ';
        for (std::size_t i = 0; i < c.process.size(); ++i) head += (i ? "." : "") + c.process[i].text;
      }
      if (c.kind == SyntaxTestClauseKind::ExpectRejected) head += ' ' + quoted(c.text);
      if (c.negated) head += " not";
      line(head, c.range);
      Indent in(*this);
      for (const auto& f : c.fields) {
        line("Field " + f.name.text, f.value ? join(f.name.range, f.value->range) : f.name.range);
        Indent fin(*this);
        if (f.value) expr(*f.value);
      }
      if (c.value) expr(*c.value);
      expr_or_missing("Age", c.age);
    }
  }

  void type(const SyntaxType& t) {
    line(fmt::format("Type {}{}", t.name.text, t.optional ? "?" : ""), t.range);
    if (t.element) {
      Indent in(*this);
      type(*t.element);
    }
  }

  void decl(const SyntaxDecl& d) {
    switch (d.kind) {
      case SyntaxDeclKind::Ruleset: {
        const auto& r = as<SyntaxRuleset>(d);
        line(fmt::format("Ruleset {}{}", d.name.text, r.version ? " version " + quoted(*r.version) : ""), d.range);
        return;
      }
      case SyntaxDeclKind::Timezone: line("Timezone " + quoted(as<SyntaxTimezone>(d).zone), d.range); return;
      case SyntaxDeclKind::Import: line("Import " + quoted(as<SyntaxImport>(d).path), d.range); return;
      case SyntaxDeclKind::Enum: {
        line("Enum " + d.name.text, d.range);
        Indent in(*this);
        for (const auto& v : as<SyntaxEnum>(d).values) name("Value", v);
        return;
      }
      case SyntaxDeclKind::Attributes: {
        line("Attributes", d.range);
        Indent in(*this);
        for (const auto& a : as<SyntaxAttributes>(d).attributes) {
          line("Attribute " + a.name.text, a.range);
          Indent ain(*this);
          type(a.type);
          expr_or_missing("Default", a.default_value);
        }
        return;
      }
      case SyntaxDeclKind::Skills: {
        line("Skills", d.range);
        Indent in(*this);
        for (const auto& s : as<SyntaxSkills>(d).skills) name("Skill", s);
        return;
      }
      case SyntaxDeclKind::ReportBy: {
        line("ReportBy", d.range);
        Indent in(*this);
        for (const auto& a : as<SyntaxReportBy>(d).attributes) name("Attribute", a);
        return;
      }
      case SyntaxDeclKind::Outcomes: {
        line("Outcomes", d.range);
        Indent in(*this);
        for (const auto& o : as<SyntaxOutcomes>(d).outcomes) name("Outcome", o);
        return;
      }
      case SyntaxDeclKind::Define: {
        line("Define " + d.name.text, d.range);
        Indent in(*this);
        if (as<SyntaxDefine>(d).value) expr(*as<SyntaxDefine>(d).value);
        return;
      }
      case SyntaxDeclKind::Calendar: {
        line("Calendar " + d.name.text, d.range);
        Indent in(*this);
        calendar(as<SyntaxCalendar>(d));
        return;
      }
      case SyntaxDeclKind::Priority: {
        line("PriorityScheme " + d.name.text, d.range);
        Indent in(*this);
        priority_body(as<SyntaxPriority>(d).body);
        return;
      }
      case SyntaxDeclKind::Targets: {
        line("Targets " + d.name.text, d.range);
        Indent in(*this);
        targets_body(as<SyntaxTargets>(d).body);
        return;
      }
      case SyntaxDeclKind::Capacity: {
        line("Capacity " + d.name.text, d.range);
        Indent in(*this);
        for (const auto& e : as<SyntaxCapacity>(d).entries)
          line(fmt::format("Limit {} {}", e.media.text, e.count), e.range);
        return;
      }
      case SyntaxDeclKind::Department: {
        const auto& dep = as<SyntaxDepartment>(d);
        line("Department " + d.name.text, d.range);
        Indent in(*this);
        expr_or_missing("When", dep.when);
        process_clauses(dep.clauses);
        for (const auto& m : dep.members) decl(*m);
        return;
      }
      case SyntaxDeclKind::Process:
      case SyntaxDeclKind::DefaultProcess: {
        const auto& p = as<SyntaxProcess>(d);
        line((d.kind == SyntaxDeclKind::Process ? "Process " : "DefaultProcess ") + d.name.text, d.range);
        Indent in(*this);
        expr_or_missing("When", p.when);
        process_clauses(p.clauses);
        return;
      }
      case SyntaxDeclKind::Table: table(as<SyntaxTable>(d)); return;
      case SyntaxDeclKind::Test: {
        line("Test " + quoted(as<SyntaxTest>(d).title), d.range);
        Indent in(*this);
        test(as<SyntaxTest>(d));
        return;
      }
    }
  }
};

}  // namespace

void dump_ast(std::ostream& out, const SourceManager& sm, const SyntaxFile& file) {
  AstDumper(out).file(sm, file);
}

}  // namespace iwd::compiler
