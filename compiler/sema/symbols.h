// The names a ruleset declares, collected across its files (stage: sema).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

// The attributes every work item has (LANGUAGE.md section 3, "Core attributes").
struct CoreAttribute {
  std::string_view name;
  std::string_view type;  // as written in the language: "string", "time?"
};
const std::vector<CoreAttribute>& core_attributes();
bool is_core_attribute(std::string_view name);

struct SymbolTable {
  std::map<std::string, const SyntaxEnum*> enums;
  std::map<std::string, const SyntaxAttribute*> attributes;  // custom attributes
  std::map<std::string, const SyntaxName*> skills;
  std::map<std::string, const SyntaxDefine*> defines;
  std::map<std::string, const SyntaxCalendar*> calendars;
  std::map<std::string, const SyntaxPriority*> priorities;
  std::map<std::string, const SyntaxTargets*> targets;
  std::map<std::string, const SyntaxCapacity*> capacities;
  std::vector<const SyntaxDepartment*> departments;  // in ruleset order
  const SyntaxProcess* default_process = nullptr;
  // Every process by its full name (`Sales.Gold`, or the default process's own name),
  // with where it is declared (a process name, or a table row).
  std::map<std::string, SourceRange> processes;
  // Bare enum value -> the enums that have it.
  std::map<std::string, std::vector<const SyntaxEnum*>> enum_values;

  bool is_value_name(const std::string& n) const {
    return attributes.count(n) || is_core_attribute(n) || defines.count(n);
  }
};

}  // namespace iwd::compiler
