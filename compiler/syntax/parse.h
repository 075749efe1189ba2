// Parsing: source text to AST. Syntax errors are collected as diagnostics; the parser
// recovers so one run reports every error of a file (up to kMaxSyntaxErrors).
#pragma once

#include <cstddef>
#include <memory>
#include <ostream>
#include <string_view>

#include "compiler/diag/diagnostic.h"
#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

inline constexpr int kMaxSyntaxErrors = 50;
// How deep a parse tree may grow (rule contexts from the root, and operators chained in one
// left-recursive rule): a file past it gets E0114, not a stack overflow (parse.cpp).
inline constexpr std::size_t kMaxNesting = 1000;
// How many `-` or `not` may follow each other (E0114 past it).
inline constexpr std::size_t kMaxPrefixRun = 100;

// Reports E0114 at `range`: "this expression nests too deeply: " and `why`, with the note on
// how to split the expression (the parser and the builder each find one shape of it).
void report_too_deep(DiagnosticBag& diags, SourceRange range, std::string_view why);

// Parses one file. Always returns a SyntaxFile: whatever could be built despite errors.
std::unique_ptr<SyntaxFile> parse_file(const SourceManager& sm, FileId file, DiagnosticBag& diags);

// Prints the AST in a stable, readable, indented form (`iwd parse --emit=ast`).
void dump_ast(std::ostream& out, const SourceManager& sm, const SyntaxFile& file);

}  // namespace iwd::compiler
