#include "stdlib/types.h"

namespace iwd::stdlib {

std::string_view value_type_name(ValueType type) {
  switch (type) {
    case ValueType::Bool: return "bool";
    case ValueType::Int: return "int";
    case ValueType::Number: return "number";
    case ValueType::String: return "string";
    case ValueType::Time: return "time";
    case ValueType::Duration: return "duration";
    case ValueType::Weekday: return "weekday";
    case ValueType::Date: return "date";
    case ValueType::Calendar: return "calendar";
    case ValueType::Enum: return "enum";
    case ValueType::List: return "list";
    case ValueType::Absent: return "absent";
  }
  return "?";
}

std::string_view param_kind_description(ParamKind kind) {
  switch (kind) {
    case ParamKind::Numeric: return "an int or a number";
    case ParamKind::SameNumeric: return "an int or a number";
    case ParamKind::String: return "a string";
    case ParamKind::StringLiteral: return "a string literal";
    case ParamKind::Time: return "a time";
    case ParamKind::Duration: return "a duration";
    case ParamKind::Calendar: return "a calendar name";
    case ParamKind::CalendarOrZone: return "a calendar name or a time-zone string such as \"Europe/Berlin\"";
    case ParamKind::Any: return "any value";
  }
  return "?";
}

bool accepts(ParamKind kind, ValueType type) {
  switch (kind) {
    case ParamKind::Numeric:
    case ParamKind::SameNumeric: return type == ValueType::Int || type == ValueType::Number;
    case ParamKind::String:
    case ParamKind::StringLiteral: return type == ValueType::String;
    case ParamKind::Time: return type == ValueType::Time;
    case ParamKind::Duration: return type == ValueType::Duration;
    case ParamKind::Calendar: return type == ValueType::Calendar;
    case ParamKind::CalendarOrZone: return type == ValueType::Calendar || type == ValueType::String;
    case ParamKind::Any: return true;
  }
  return false;
}

}  // namespace iwd::stdlib
