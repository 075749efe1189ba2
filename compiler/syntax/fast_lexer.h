// Private to compiler/syntax: the tokens of grammar/IwdLexer.g4, made by hand. ANTLR's lexer
// simulates the grammar's automaton a character at a time (with a lock per DFA edge, a
// virtual call per character and the code points copied out of its input); a 10K-line file
// took about a fifth of its parse to lex, on one thread before any chunk could start. This
// lexer makes the same tokens (type, channel, start and stop, line, column, index; their
// text read from the same input) from the input's code points directly. The differential
// test (FastLexer.*) holds it to IwdLexer on every .iwd file of the tree and on generated text.
#pragma once

#include <antlr4-runtime.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::compiler {

// The tokens of `data` (the code points of `input`), the last one EOF, each made by
// CommonTokenFactory::DEFAULT for {source, input} as the lexer's emit() makes them, with
// their index set as a token stream sets it.
std::vector<std::unique_ptr<antlr4::Token>> lex_iwd(const std::u32string& data, antlr4::TokenSource* source,
                                                    antlr4::CharStream* input);

// A token as lex_iwd makes it (type, channel, start and stop, line, column, index, text), for
// the hand-written parser alone: no token source, no input stream, kept by FastTokens in one
// array (no allocation of its own), its text read from the file's bytes.
class FastTokens;
class FastToken final : public antlr4::Token {
 public:
  FastToken(const FastTokens* file, std::size_t type, std::size_t channel, std::size_t start, std::size_t stop,
            std::size_t line, std::size_t col, std::size_t index)
      : file_(file), type_(type), start_(start), stop_(stop), line_(static_cast<std::uint32_t>(line)),
        col_(static_cast<std::uint32_t>(col)), index_(static_cast<std::uint32_t>(index)),
        channel_(static_cast<std::uint32_t>(channel)) {}
  std::string getText() const override;  // as CommonToken's from an ANTLRInputStream: "<EOF>" at the end
  std::size_t getType() const override { return type_; }
  std::size_t getLine() const override { return line_; }
  std::size_t getCharPositionInLine() const override { return col_; }
  std::size_t getChannel() const override { return channel_; }
  std::size_t getTokenIndex() const override { return index_; }
  std::size_t getStartIndex() const override { return start_; }
  std::size_t getStopIndex() const override { return stop_; }
  antlr4::TokenSource* getTokenSource() const override { return nullptr; }
  antlr4::CharStream* getInputStream() const override { return nullptr; }
  std::string toString() const override;

 private:
  const FastTokens* file_;
  std::size_t type_, start_, stop_;
  std::uint32_t line_, col_, index_, channel_;
};

// The tokens of a file's text (valid UTF-8, which must outlive them) as lex_iwd makes them
// from an ANTLRInputStream of it (a leading byte-order mark skipped, as that stream does), for
// the hand-written parser: an ASCII text is scanned as it is, with no UTF-32 copy, and no
// ANTLR token object is made. The ANTLR path, for the files the parser gives up on, makes its
// own (CodePointStream, lex_iwd).
class FastTokens {
 public:
  explicit FastTokens(std::string_view text);
  FastTokens(const FastTokens&) = delete;
  FastTokens& operator=(const FastTokens&) = delete;
  // Every token, the last one EOF.
  const std::vector<antlr4::Token*>& tokens() const { return pointers_; }
  // The text of code points [start, stop] (both within the text).
  std::string text(std::size_t start, std::size_t stop) const;
  std::size_t size() const { return code_points_.empty() ? bytes_.size() : code_points_.size(); }

 private:
  std::string_view bytes_;        // the text after a byte-order mark
  std::u32string code_points_;    // its code points, when it is not all ASCII (else empty)
  std::vector<FastToken> store_;
  std::vector<antlr4::Token*> pointers_;
};

// An ANTLRInputStream whose code points can be read.
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  using antlr4::ANTLRInputStream::ANTLRInputStream;
  const std::u32string& code_points() const { return _data; }
};

// A token stream over tokens already made (lex_iwd's), with `source` as its token source: the
// same as a CommonTokenStream that has read them all from `source`.
class LexedTokenStream : public antlr4::CommonTokenStream {
 public:
  LexedTokenStream(antlr4::TokenSource* source, std::vector<std::unique_ptr<antlr4::Token>> tokens)
      : antlr4::CommonTokenStream(source) {
    _tokens = std::move(tokens);
    _fetchedEOF = true;
  }
};

}  // namespace iwd::compiler
