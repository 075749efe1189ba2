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

// How parse_file goes about a file: the hand-written lexer's tokens (fast_lexer.cpp), then,
// for a file where the lexical scan reported nothing, the hand-written parser straight to the
// AST (fast_parser.h), which settles almost every valid file and gives up at the first token
// it does not expect (IWD_PARSER=antlr skips it). A file it gives up on goes to ANTLR, and
// these options are for that path: its top-level declarations in chunks of about
// `chunk_tokens` tokens (comments and spaces count), the chunks on up to `threads` threads
// (0: the machine's cores, at most 4), each declaration's parse tree freed once it is AST.
// Either way the AST and the diagnostics are those of parsing the file at once with ANTLR; a
// file with a syntax error is parsed at once (its errors need the whole file's recovery).
struct ParseOptions {
  std::size_t chunk_tokens = 4096;  // 0: no chunks, the whole file at once
  unsigned threads = 0;
};
// What parse_file did (for tests and benchmarks).
struct ParseStats {
  std::size_t chunks = 0;  // 0 when the file was parsed at once
  unsigned threads = 0;    // threads that parsed chunks
};

// Parses one file. Always returns a SyntaxFile: whatever could be built despite errors.
std::unique_ptr<SyntaxFile> parse_file(const SourceManager& sm, FileId file, DiagnosticBag& diags);
std::unique_ptr<SyntaxFile> parse_file(const SourceManager& sm, FileId file, DiagnosticBag& diags,
                                       const ParseOptions& options, ParseStats* stats = nullptr);

// Prints the AST in a stable, readable, indented form (`iwd parse --emit=ast`).
void dump_ast(std::ostream& out, const SourceManager& sm, const SyntaxFile& file);

}  // namespace iwd::compiler
