// Declarations of the AST (stage: syntax): one SyntaxFile per source file.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/syntax/syntax_expr.h"

namespace iwd::compiler {

// ---- types -------------------------------------------------------------------------
struct SyntaxType {
  SourceRange range;
  SyntaxName name;                      // `int`, `Segment`... (`list` for lists)
  std::unique_ptr<SyntaxType> element;  // list<T>
  bool optional = false;                // T?
};

// ---- priority schemes (section 8) --------------------------------------------------
enum class SyntaxPriorityClauseKind { Start, Every, Curve, Boost, Min, Max, Overdue, AgeIn };

struct SyntaxCurvePoint {
  SyntaxExprPtr at, value;
};

struct SyntaxPriorityClause {
  SyntaxPriorityClauseKind kind;
  SourceRange range;
  SyntaxExprPtr value;        // start, min, max, overdue, boost amount, every: the addend
  SyntaxExprPtr period;       // every
  SyntaxExprPtr from, until;  // every (optional)
  SyntaxExprPtr condition;    // boost
  std::vector<SyntaxCurvePoint> points;  // curve
  SyntaxName calendar;        // age in CALENDAR
};

struct SyntaxPriorityBody {
  SourceRange range;
  std::vector<SyntaxPriorityClause> clauses;
};

// ---- targets (section 9) -----------------------------------------------------------
enum class SyntaxStageKind { Agent, Group, Skill };

struct SyntaxTargetStage {
  SyntaxStageKind kind;
  SourceRange range;
  SyntaxExprPtr expr;
  SyntaxExprPtr duration;  // `for D`; null for a stage that never expires
};

struct SyntaxTargetsBody {
  SourceRange range;
  std::vector<SyntaxTargetStage> stages;
};

// ---- calendars (section 6) ---------------------------------------------------------
struct SyntaxTimeRange {
  SourceRange range;
  int from_minute = 0, to_minute = 0;  // minutes since midnight; to may be <= from (past midnight)
};

struct SyntaxDayRange {
  SourceRange range;
  int from_day = 0, to_day = 0;  // 0 = mon ... 6 = sun; a range wraps
};

enum class SyntaxCalendarClauseKind { Timezone, Weekly, Closed, SpecialDay };

struct SyntaxClosedItem {
  SourceRange range;
  bool yearly = false;
  std::int64_t from_day = 0, to_day = 0;  // days since epoch (not yearly)
  int month = 0, day = 0;                 // yearly
};

struct SyntaxCalendarClause {
  SyntaxCalendarClauseKind kind;
  SourceRange range;
  std::string zone;  SourceRange zone_range;  // Timezone
  std::vector<SyntaxDayRange> days;           // Weekly
  std::vector<SyntaxTimeRange> hours;         // Weekly, SpecialDay
  std::vector<SyntaxClosedItem> closed;       // Closed
  std::int64_t date = 0;                      // SpecialDay: days since epoch
};

// ---- process clauses (section 7) ---------------------------------------------------
enum class SyntaxProcessClauseKind { Sla, Priority, Targets, Media, OfferTimeout, CompleteWithin, ExpireAfter, CompleteBy };

struct SyntaxProcessClause {
  SyntaxProcessClauseKind kind;
  SourceRange range;
  SyntaxExprPtr value;      // sla duration, media, offer timeout, complete within, expire after
  SyntaxName calendar;      // sla ... in CALENDAR (empty text: none)
  SyntaxName ref;           // priority NAME / targets NAME (empty text: inline); complete by WHO
  SyntaxExprPtr min, max;   // priority NAME min .. max ..
  std::unique_ptr<SyntaxPriorityBody> priority;  // inline `priority { ... }`
  std::unique_ptr<SyntaxTargetsBody> targets;    // inline `targets { ... }`
};

// ---- tests (section 10) ------------------------------------------------------------
struct SyntaxField {
  SyntaxName name;
  SyntaxExprPtr value;
};

enum class SyntaxTestClauseKind { Given, At, ExpectProcess, ExpectRejected, ExpectDue, ExpectPriority, ExpectEligible };

struct SyntaxTestClause {
  SyntaxTestClauseKind kind;
  SourceRange range;
  std::vector<SyntaxField> fields;  // given, expect eligible
  SyntaxExprPtr value;              // at, due, priority value
  SyntaxExprPtr age;                // expect priority/eligible ... at AGE
  std::vector<SyntaxName> process;  // expect process Dept.Proc (1 or 2 parts)
  std::string text;                 // expect rejected "text"
  bool negated = false;             // expect not eligible
};

// ---- declarations ------------------------------------------------------------------
enum class SyntaxDeclKind {
  Ruleset, Timezone, Import, Enum, Attributes, Skills, Define, Calendar, Priority, Targets,
  Capacity, Department, Process, Table, DefaultProcess, Test, ReportBy, Outcomes
};
const char* decl_kind_name(SyntaxDeclKind k);  // "department", "default process", ...

struct SyntaxDecl {
  SyntaxDeclKind kind;
  SourceRange range;
  SyntaxName name;  // empty for attributes/skills/timezone/import/table
  explicit SyntaxDecl(SyntaxDeclKind k) : kind(k) {}
  virtual ~SyntaxDecl() = default;
  SyntaxDecl(const SyntaxDecl&) = delete;
  SyntaxDecl& operator=(const SyntaxDecl&) = delete;
};
using SyntaxDeclPtr = std::unique_ptr<SyntaxDecl>;

struct SyntaxRuleset : SyntaxDecl {
  std::optional<std::string> version;
  SyntaxRuleset() : SyntaxDecl(SyntaxDeclKind::Ruleset) {}
};
struct SyntaxTimezone : SyntaxDecl {
  std::string zone;
  SourceRange zone_range;
  SyntaxTimezone() : SyntaxDecl(SyntaxDeclKind::Timezone) {}
};
struct SyntaxImport : SyntaxDecl {
  std::string path;
  SourceRange path_range;
  SyntaxImport() : SyntaxDecl(SyntaxDeclKind::Import) {}
};
struct SyntaxEnum : SyntaxDecl {
  std::vector<SyntaxName> values;
  SyntaxEnum() : SyntaxDecl(SyntaxDeclKind::Enum) {}
};
struct SyntaxAttribute {
  SyntaxName name;
  SyntaxType type;
  SyntaxExprPtr default_value;
  SourceRange range;
};
struct SyntaxAttributes : SyntaxDecl {
  std::vector<SyntaxAttribute> attributes;
  SyntaxAttributes() : SyntaxDecl(SyntaxDeclKind::Attributes) {}
};
struct SyntaxSkills : SyntaxDecl {
  std::vector<SyntaxName> skills;
  SyntaxSkills() : SyntaxDecl(SyntaxDeclKind::Skills) {}
};
// `report by a, b` (LANGUAGE.md section 11): the attributes every event carries.
struct SyntaxReportBy : SyntaxDecl {
  std::vector<SyntaxName> attributes;
  SyntaxReportBy() : SyntaxDecl(SyntaxDeclKind::ReportBy) {}
};
// `outcomes { converted, ... }`: the codes an item may be done or completed with.
struct SyntaxOutcomes : SyntaxDecl {
  std::vector<SyntaxName> outcomes;
  SyntaxOutcomes() : SyntaxDecl(SyntaxDeclKind::Outcomes) {}
};
struct SyntaxDefine : SyntaxDecl {
  SyntaxExprPtr value;
  SyntaxDefine() : SyntaxDecl(SyntaxDeclKind::Define) {}
};
struct SyntaxCalendar : SyntaxDecl {
  std::vector<SyntaxCalendarClause> clauses;
  SyntaxCalendar() : SyntaxDecl(SyntaxDeclKind::Calendar) {}
};
struct SyntaxPriority : SyntaxDecl {
  SyntaxPriorityBody body;
  SyntaxPriority() : SyntaxDecl(SyntaxDeclKind::Priority) {}
};
struct SyntaxTargets : SyntaxDecl {
  SyntaxTargetsBody body;
  SyntaxTargets() : SyntaxDecl(SyntaxDeclKind::Targets) {}
};
struct SyntaxCapacityEntry {
  SyntaxName media;  // `voice`, ..., or `total`
  std::int64_t count = 0;
  SourceRange range;
};
struct SyntaxCapacity : SyntaxDecl {
  std::vector<SyntaxCapacityEntry> entries;
  SyntaxCapacity() : SyntaxDecl(SyntaxDeclKind::Capacity) {}
};
// A process inside a department, or the default process (kind DefaultProcess).
struct SyntaxProcess : SyntaxDecl {
  SyntaxExprPtr when;  // null: always holds
  std::vector<SyntaxProcessClause> clauses;
  explicit SyntaxProcess(SyntaxDeclKind k = SyntaxDeclKind::Process) : SyntaxDecl(k) {}
};

// A decision table cell: `-` (any), or [not] values, each a value or a range lo..hi.
struct SyntaxCellValue {
  SyntaxExprPtr lo;
  SyntaxExprPtr hi;  // null unless a range
};
struct SyntaxTableCell {
  SourceRange range;
  bool any = false;
  bool negated = false;
  std::vector<SyntaxCellValue> values;
  SyntaxName calendar;  // `5bd in office` (an `sla` cell); empty text: none
};
struct SyntaxTableRow {
  SourceRange range;
  std::vector<SyntaxTableCell> cells;
};
struct SyntaxTable : SyntaxDecl {
  bool first = false;                // `table first`
  std::vector<SyntaxName> columns;   // the header row
  std::vector<SyntaxTableRow> rows;  // the rows after the header
  SyntaxTable() : SyntaxDecl(SyntaxDeclKind::Table) {}
};

struct SyntaxDepartment : SyntaxDecl {
  SyntaxExprPtr when;
  std::vector<SyntaxProcessClause> clauses;  // defaults for its processes
  std::vector<SyntaxDeclPtr> members;        // SyntaxProcess and SyntaxTable, in order
  SyntaxDepartment() : SyntaxDecl(SyntaxDeclKind::Department) {}
};
struct SyntaxTest : SyntaxDecl {
  std::string title;  // the test's name (a string); `name` stays empty
  std::vector<SyntaxTestClause> clauses;
  SyntaxTest() : SyntaxDecl(SyntaxDeclKind::Test) {}
};

struct SyntaxFile {
  FileId file = kNoFile;
  std::vector<SyntaxDeclPtr> decls;
};

template <class T>
const T& as(const SyntaxDecl& d) { return static_cast<const T&>(d); }

}  // namespace iwd::compiler
