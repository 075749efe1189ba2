#include "compiler/diag/codes.h"

#include <array>

namespace iwd::compiler {
namespace {

// Kept in order of the number. The letter is the default severity: E error, W warning, I note.
constexpr std::array kCodes = {
    // E01xx: lexical and syntax errors
    DiagCodeInfo{"E0101", "syntax-error", Severity::Error,
                 "The text does not follow the grammar: something unexpected was found."},
    DiagCodeInfo{"E0102", "unterminated-string", Severity::Error,
                 "A string literal is not closed by `\"` before the end of the line."},
    DiagCodeInfo{"E0103", "invalid-number", Severity::Error,
                 "A number, duration or percentage is malformed, e.g. `5x` (units: ms s m h d w)."},
    DiagCodeInfo{"E0104", "invalid-escape", Severity::Error,
                 "A string contains an escape other than \\\" \\\\ \\n \\t \\u{HEX}."},
    DiagCodeInfo{"E0105", "unexpected-character", Severity::Error,
                 "A character that cannot start any token of the language."},
    DiagCodeInfo{"E0106", "unterminated-comment", Severity::Error,
                 "A `/*` comment is not closed by `*/`."},
    DiagCodeInfo{"E0107", "invalid-instant", Severity::Error,
                 "A date or instant names a day or time that does not exist (e.g. month 13)."},
    DiagCodeInfo{"E0108", "invalid-time-of-day", Severity::Error,
                 "A time of day is out of range (hours 00 to 24, minutes 00 to 59)."},
    DiagCodeInfo{"I0109", "too-many-errors", Severity::Note,
                 "So many errors were found in a file that the rest were not reported."},
    DiagCodeInfo{"E0110", "invalid-weekday", Severity::Error,
                 "A calendar names a weekday other than mon tue wed thu fri sat sun."},
    DiagCodeInfo{"E0111", "invalid-table", Severity::Error,
                 "A decision table is malformed: a header that is not a name, or a row whose "
                 "cell count differs from the header's."},
    DiagCodeInfo{"E0112", "invalid-type", Severity::Error,
                 "An attribute type is malformed, e.g. `list<number>` or a nested list."},
    DiagCodeInfo{"E0113", "invalid-encoding", Severity::Error,
                 "A file is not valid UTF-8; the bad bytes are read as U+FFFD."},
    DiagCodeInfo{"E0114", "nesting-too-deep", Severity::Error,
                 "An expression nests deeper than the language allows (parentheses, operators, `if`s)."},
    // E02xx: files and imports
    DiagCodeInfo{"E0201", "import-not-found", Severity::Error,
                 "An imported file cannot be read."},
    DiagCodeInfo{"E0202", "import-cycle", Severity::Error,
                 "Files import each other in a cycle."},
    DiagCodeInfo{"W0203", "duplicate-import", Severity::Warning,
                 "A file is imported more than once; later imports have no effect."},
    // E03xx: declarations and names
    DiagCodeInfo{"E0301", "duplicate-declaration", Severity::Error,
                 "Two declarations of the same kind share a name."},
    DiagCodeInfo{"E0302", "undefined-name", Severity::Error,
                 "A name is not an attribute, define, enum value or other name known here."},
    DiagCodeInfo{"E0303", "unknown-calendar", Severity::Error, "A calendar is used but never declared."},
    DiagCodeInfo{"E0304", "unknown-priority", Severity::Error,
                 "A priority scheme is used but never declared."},
    DiagCodeInfo{"E0305", "unknown-targets", Severity::Error, "A targets plan is used but never declared."},
    DiagCodeInfo{"E0306", "unknown-skill", Severity::Error,
                 "A skill expression names a skill that the `skills` declaration does not list."},
    DiagCodeInfo{"E0307", "unknown-function", Severity::Error,
                 "A call names a function that the standard library does not have."},
    DiagCodeInfo{"E0308", "unknown-type", Severity::Error,
                 "An attribute's type is neither a built-in type nor a declared enum."},
    DiagCodeInfo{"E0309", "duplicate-ruleset", Severity::Error,
                 "`ruleset`, `timezone`, `report by` or `outcomes` is declared more than once in a ruleset."},
    DiagCodeInfo{"E0310", "core-attribute-redeclared", Severity::Error,
                 "A custom attribute takes the name of a core attribute (id, source, media, ...)."},
    DiagCodeInfo{"E0311", "duplicate-default-process", Severity::Error,
                 "More than one `default process` is declared."},
    DiagCodeInfo{"E0312", "unknown-process", Severity::Error,
                 "A test expects a process that the ruleset does not define."},
    DiagCodeInfo{"E0313", "define-cycle", Severity::Error, "Defines refer to each other in a cycle."},
    DiagCodeInfo{"E0314", "unknown-enum-value", Severity::Error,
                 "A qualified enum value `Enum.Value` names a value the enum does not have."},
    DiagCodeInfo{"E0315", "ambiguous-enum-value", Severity::Error,
                 "A bare enum value belongs to more than one enum: qualify it as `Enum.Value`."},
    DiagCodeInfo{"E0316", "skill-needs-item", Severity::Error,
                 "A skill expression names an item attribute without `item.`."},
    DiagCodeInfo{"E0317", "unknown-report-attribute", Severity::Error,
                 "`report by` names an attribute the ruleset does not have."},
    DiagCodeInfo{"E0318", "report-attribute-type", Severity::Error,
                 "`report by` names an attribute whose type is not bool, int, string or an enum."},
    DiagCodeInfo{"E0319", "too-many-report-attributes", Severity::Error,
                 "`report by` names more than 8 attributes."},
    DiagCodeInfo{"E0320", "unknown-completer", Severity::Error,
                 "`complete by` names someone other than `source` (only the source completes an item) or "
                 "`agent` (an agent marks it done, the source confirms)."},
    // E04xx: types
    DiagCodeInfo{"E0401", "type-mismatch", Severity::Error,
                 "An operator is applied to values of types it does not combine, e.g. comparing an enum "
                 "with a string."},
    DiagCodeInfo{"E0402", "wrong-arguments", Severity::Error,
                 "A built-in function is called with the wrong number or types of arguments."},
    DiagCodeInfo{"E0403", "misplaced-percentage", Severity::Error,
                 "A percentage (a share of the SLA) or a time of day where it makes no sense."},
    DiagCodeInfo{"E0404", "condition-not-bool", Severity::Error, "A condition is not a bool."},
    DiagCodeInfo{"W0405", "optional-in-condition", Severity::Warning,
                 "An optional value reaches a condition without `has` or `??`: when it is absent the "
                 "condition does not hold."},
    DiagCodeInfo{"E0406", "enum-value-mismatch", Severity::Error,
                 "An enum value is compared with a value of another enum."},
    DiagCodeInfo{"E0407", "wrong-clause-type", Severity::Error,
                 "A clause's value has the wrong type (an sla that is not a duration, a priority that "
                 "is not a number, ...) or may be absent."},
    DiagCodeInfo{"E0408", "invalid-pattern", Severity::Error,
                 "The pattern of `matches` is not a string literal or not a valid RE2 expression."},
    DiagCodeInfo{"E0409", "not-a-constant", Severity::Error,
                 "An attribute default or a test value is not a constant of the attribute's type."},
    // E05xx: declarations that do not make sense
    DiagCodeInfo{"E0501", "unknown-time-zone", Severity::Error,
                 "A time zone is not in the system's tz database (IANA names like \"Europe/Berlin\")."},
    DiagCodeInfo{"W0502", "overlapping-hours", Severity::Warning,
                 "Two opening-hour ranges of a calendar overlap on the same day."},
    DiagCodeInfo{"E0503", "empty-hours", Severity::Error,
                 "An hour range or a date range is empty (it ends where or before it starts)."},
    DiagCodeInfo{"E0504", "calendar-never-open", Severity::Error,
                 "A calendar has no open hour at all, so business time never passes."},
    DiagCodeInfo{"E0505", "start-and-curve", Severity::Error,
                 "A priority scheme has both `start`/`every` and a `curve`; use one or the other."},
    DiagCodeInfo{"E0506", "min-above-max", Severity::Error, "A priority's `min` is above its `max`."},
    DiagCodeInfo{"E0507", "curve-out-of-order", Severity::Error,
                 "The points of a `curve` are not in order of age."},
    DiagCodeInfo{"E0508", "non-positive-period", Severity::Error,
                 "An `every` period is zero or negative."},
    DiagCodeInfo{"E0509", "stage-after-final", Severity::Error,
                 "A target stage follows a stage without `for`, which never expires."},
    DiagCodeInfo{"E0510", "shares-above-sla", Severity::Error,
                 "The `for` shares of a plan's stages add up to more than 100% of the SLA."},
    DiagCodeInfo{"E0511", "table-cell-type", Severity::Error,
                 "A decision table cell does not fit its column."},
    DiagCodeInfo{"E0512", "table-overlap", Severity::Error,
                 "Two rows of a decision table match the same item; mark the table `table first` if "
                 "row order should decide."},
    DiagCodeInfo{"W0513", "table-row-never-matches", Severity::Warning,
                 "A decision table row can never match an item."},
    DiagCodeInfo{"W0514", "stages-past-sla", Severity::Warning,
                 "The target stages' durations add up past the process's SLA."},
    DiagCodeInfo{"E0515", "duplicate-clause", Severity::Error,
                 "A clause is given twice in one process, department or priority scheme."},
    DiagCodeInfo{"E0516", "test-missing-required", Severity::Error,
                 "A test's `given` leaves out a required attribute, so its item would be rejected at "
                 "capture; give the attribute, or expect the rejection."},
    DiagCodeInfo{"E0517", "always-redeclared", Severity::Error,
                 "A calendar is named `always`, the built-in calendar open at every instant."},
    DiagCodeInfo{"E0518", "business-days-without-calendar", Severity::Error,
                 "Business days (`5bd`) are written where no calendar counts them: only `sla 5bd in CAL` "
                 "(or inheriting the department's calendar) and `add_business(CAL, t, 2bd)` take them."},
    // W06xx / I06xx: lints
    DiagCodeInfo{"W0601", "unreachable-rule", Severity::Warning,
                 "A department or process can never take an item: the ones before it take every "
                 "item its `when` holds for."},
    DiagCodeInfo{"I0602", "order-decides", Severity::Note,
                 "Two processes match some of the same items and only their order decides."},
    DiagCodeInfo{"W0603", "classification-gap", Severity::Warning,
                 "Some items a department takes match none of its processes, and there is no "
                 "default process."},
    DiagCodeInfo{"W0604", "constant-condition", Severity::Warning,
                 "A condition is always true or always false."},
    DiagCodeInfo{"I0605", "beyond-exact-analysis", Severity::Note,
                 "A condition uses something (arithmetic, functions, time) that the exact "
                 "reachability analysis does not cover; it was not judged."},
    DiagCodeInfo{"W0606", "max-unreachable", Severity::Warning,
                 "A priority can never reach its `max`: it is clamped below it at every age."},
    DiagCodeInfo{"W0607", "overdue-below-max", Severity::Warning,
                 "A priority's `overdue` value is below its `max`: an overdue item would rank below a "
                 "fresh one."},
    DiagCodeInfo{"W0608", "boost-beyond-life", Severity::Warning,
                 "A boost's age window starts after every item has expired."},
    DiagCodeInfo{"W0609", "unreachable-stage", Severity::Warning,
                 "A target stage opens only after the item has expired, or adds no agent that an "
                 "earlier stage did not already reach."},
    DiagCodeInfo{"W0610", "unused-define", Severity::Warning, "A define is never used."},
    DiagCodeInfo{"W0611", "unused-calendar", Severity::Warning, "A calendar is never used."},
    DiagCodeInfo{"W0612", "unused-priority", Severity::Warning, "A priority scheme is never used."},
    DiagCodeInfo{"W0613", "unused-targets", Severity::Warning, "A targets plan is never used."},
    DiagCodeInfo{"W0614", "unused-enum-value", Severity::Warning,
                 "An enum value is never mentioned (it may still arrive on items: then say so with a "
                 "rule or allow this lint)."},
    DiagCodeInfo{"W0615", "no-targets", Severity::Warning,
                 "A process (or the default process) has no targets: its items are never offered to an "
                 "agent."},
    DiagCodeInfo{"W0616", "clause-after-due", Severity::Warning,
                 "A priority clause starts only at or after the due instant, where `overdue` replaces the "
                 "priority: it never applies."},
    DiagCodeInfo{"W0617", "stage-after-due", Severity::Warning,
                 "A target stage opens only at or after the item's due instant: the shares of the SLA "
                 "before it add up to 100% or more."},
    DiagCodeInfo{"W0618", "no-complete-within", Severity::Warning,
                 "Items of a process can be marked done but no `complete within` applies: if the source "
                 "never confirms one, it stays done and open for good."},
    DiagCodeInfo{"W0621", "share-without-sla", Severity::Warning,
                 "A process with no `sla` uses a share of the SLA (or `sla`): for an item without a source "
                 "`due_at` it is absent."},
    DiagCodeInfo{"W0622", "days-of-open-time", Severity::Warning,
                 "An `sla Nd in CAL` or `sla Nw in CAL` counts days of 24 open hours, not working days: "
                 "write `Nbd` for working days, or the open hours."},
    DiagCodeInfo{"W0623", "complete-within-never-applies", Severity::Warning,
                 "A `complete within` applies only to processes whose items only the source completes "
                 "(`complete by source`): no agent marks one done, so it never waits for the source."},
    DiagCodeInfo{"W0624", "empty-enum", Severity::Warning,
                 "An enum has no values: no attribute of its type can ever hold one (a required one "
                 "rejects every item)."},
};

}  // namespace

std::span<const DiagCodeInfo> all_diag_codes() { return kCodes; }

const DiagCodeInfo* find_diag_code(std::string_view code) {
  for (const auto& c : kCodes)
    if (c.code == code) return &c;
  return nullptr;
}

}  // namespace iwd::compiler
