// The type vocabulary of the built-in function table (stdlib/functions.h): the kinds of
// values the language has, and the kinds of parameters a built-in accepts.
#pragma once

#include <cstdint>
#include <string_view>

namespace iwd::stdlib {

// Value types of the language (LANGUAGE.md section 3, "Types"), plus the ones only
// built-ins produce or take (Weekday, Date, Calendar). Optionality (`T?`) is not a type
// here: the checker tracks it beside the type.
enum class ValueType : std::uint8_t {
  Bool,
  Int,       // 64-bit signed
  Number,    // 64-bit float
  String,
  Time,      // an instant, ms precision
  Duration,
  Weekday,   // mon..sun
  Date,      // a civil date
  Calendar,  // a calendar declaration, named
  Enum,      // a value of a declared enum
  List,      // list<T>
  Absent,    // the type of a value known to be absent
};

// "bool", "int", "number", "string", "time", "duration", "weekday", "date", "calendar",
// "enum", "list", "absent".
std::string_view value_type_name(ValueType type);

// What a parameter of a built-in accepts.
enum class ParamKind : std::uint8_t {
  Numeric,         // int or number
  SameNumeric,     // int or number; all SameNumeric arguments of one call unify: int when
                   // every one is int, else number (an int argument is widened)
  String,          // a string
  StringLiteral,   // a string literal, checked at compile time (matches' RE2 pattern)
  Time,            // a time
  Duration,        // a duration
  Calendar,        // the name of a calendar declaration
  CalendarOrZone,  // a calendar name, or a string literal naming an IANA zone
  Any,             // any value, absent included (has)
};

// For messages: "int or number", "a string literal", "a calendar or a time-zone string", ...
std::string_view param_kind_description(ParamKind kind);

// Whether an argument of `type` fits `kind`. Calendar names and literal-ness are syntactic
// and left to the checker: for Calendar this asks for ValueType::Calendar, for
// StringLiteral and CalendarOrZone it accepts String (and Calendar) by type alone.
// Absent is accepted only by Any: elsewhere an absent argument makes the call absent, which
// the checker handles before asking.
bool accepts(ParamKind kind, ValueType type);

}  // namespace iwd::stdlib
