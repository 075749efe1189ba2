// Private to compiler/syntax: the fast path of parse_file for a file without syntax errors.
// Its top-level declarations are parsed in chunks, on several threads for a large file,
// each declaration's parse tree turned into AST and freed at once (parse.h, ParseOptions).
#pragma once

#include <antlr4-runtime.h>

#include <optional>
#include <vector>

#include "compiler/diag/diagnostic.h"
#include "compiler/syntax/parse.h"
#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

// Where the chunks of a file start: token indexes of declarations that begin a line outside
// braces, parentheses and brackets, about `chunk_tokens` tokens apart (the first is the
// file's first visible token). A guess, checked by the parse.
std::vector<std::size_t> chunk_starts(const std::vector<antlr4::Token*>& tokens, std::size_t chunk_tokens);

// Parses every declaration of `tokens` (lexed and scanned, the last one EOF) with SLL
// prediction and no recovery, chunk by chunk, and builds their AST; the builder's
// diagnostics go to `diags` in source order. Returns nullopt, with `diags` untouched, when
// that does not settle the file: a syntax error, nesting too deep, or a chunk whose
// declarations do not end where the next chunk starts. The caller then parses the whole file.
std::optional<std::vector<SyntaxDeclPtr>> parse_in_chunks(const SourceManager& sm, FileId file,
                                                          const std::vector<antlr4::Token*>& tokens,
                                                          antlr4::TokenSource* source, DiagnosticBag& diags,
                                                          const ParseOptions& options, ParseStats* stats);

}  // namespace iwd::compiler
