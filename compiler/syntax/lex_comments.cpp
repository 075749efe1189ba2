// Re-lexing for the formatter (see lex_comments.h); in syntax, the only stage that sees ANTLR.
#include "compiler/syntax/lex_comments.h"

#include "IwdLexer.h"

namespace iwd::compiler {

LexedSource lex_source(const SourceManager& sm, FileId file) {
  using L = iwd_grammar::IwdLexer;
  LexedSource out;
  antlr4::ANTLRInputStream input(sm.file(file).text);
  L lexer(&input);
  lexer.removeErrorListeners();
  antlr4::CommonTokenStream tokens(&lexer);
  tokens.fill();
  for (auto* t : tokens.getTokens()) {
    const auto type = t->getType();
    if (type == antlr4::Token::EOF || type == L::WS) continue;
    LexedToken tok;
    tok.text = t->getText();
    tok.begin = static_cast<std::uint32_t>(t->getStartIndex());
    tok.end = static_cast<std::uint32_t>(t->getStopIndex() + 1);
    tok.line = static_cast<std::uint32_t>(t->getLine());
    tok.col = static_cast<std::uint32_t>(t->getCharPositionInLine() + 1);
    tok.end_line = tok.line;
    for (char c : tok.text)
      if (c == '\n') ++tok.end_line;
    if (type == L::LINE_COMMENT || type == L::BLOCK_COMMENT || type == L::UNTERMINATED_COMMENT) {
      tok.line_comment = type == L::LINE_COMMENT;
      out.comments.push_back(std::move(tok));
    } else {
      out.tokens.push_back(std::move(tok));
    }
  }
  return out;
}

std::vector<LexedToken> lex_comments(const SourceManager& sm, FileId file) {
  return lex_source(sm, file).comments;
}

}  // namespace iwd::compiler
