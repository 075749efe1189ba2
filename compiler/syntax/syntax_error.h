// Private to compiler/syntax: words ANTLR's syntax errors for analysts, in the language's
// own terms ("expected a priority clause (start, every, ...), found `evry`").
#pragma once

#include <antlr4-runtime.h>

#include <set>

#include "compiler/diag/diagnostic.h"
#include "compiler/syntax/syntax_hints.h"

namespace iwd::compiler {

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  // `braces` from the lexical scan; `reported`: tokens the scan has reported already.
  SyntaxErrorListener(FileId file, DiagnosticBag& diags, BraceMap braces, std::set<std::size_t> reported)
      : file_(file), diags_(diags), braces_(std::move(braces)), reported_(std::move(reported)) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t col, const std::string& msg, std::exception_ptr e) override;

  int errors() const { return errors_; }
  bool capped() const { return capped_; }

 private:
  // Where a `}` fits and an unclosed `{` is at fault: reworded as a missing `}`.
  void explain_unclosed(antlr4::Parser* parser, antlr4::Token* offending, SourceRange r, Diagnostic& d);

  static constexpr std::size_t kNothingCovered = static_cast<std::size_t>(-1);
  FileId file_;
  DiagnosticBag& diags_;
  BraceMap braces_;
  std::set<std::size_t> reported_;
  std::set<const antlr4::Token*> braces_reported_;  // unclosed `{` already named in an error
  int errors_ = 0;
  bool capped_ = false;
  std::size_t last_index_ = static_cast<std::size_t>(-1);
  std::size_t covered_until_ = kNothingCovered;  // last token of a reported spelled-out duration
};

// A user-facing description of a token type: "`department`", "a duration like `72h`".
std::string describe_token_type(const antlr4::dfa::Vocabulary& vocab, std::size_t type);

}  // namespace iwd::compiler
