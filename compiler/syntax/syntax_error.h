// Private to compiler/syntax: words ANTLR's syntax errors for analysts, in the language's
// own terms ("expected a priority clause (start, every, ...), found `evry`").
#pragma once

#include <antlr4-runtime.h>

#include "compiler/diag/diagnostic.h"

namespace iwd::compiler {

class SyntaxErrorListener : public antlr4::BaseErrorListener {
 public:
  SyntaxErrorListener(FileId file, DiagnosticBag& diags, std::vector<antlr4::Token*> unclosed_braces)
      : file_(file), diags_(diags), unclosed_(std::move(unclosed_braces)) {}

  void syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending, size_t line,
                   size_t col, const std::string& msg, std::exception_ptr e) override;

  int errors() const { return errors_; }
  bool capped() const { return capped_; }

 private:
  FileId file_;
  DiagnosticBag& diags_;
  std::vector<antlr4::Token*> unclosed_;
  int errors_ = 0;
  bool capped_ = false;
  std::size_t last_index_ = static_cast<std::size_t>(-1);
};

// A user-facing description of a token type: "`department`", "a duration like `72h`".
std::string describe_token_type(const antlr4::dfa::Vocabulary& vocab, std::size_t type);

}  // namespace iwd::compiler
