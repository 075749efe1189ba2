// Private to compiler/syntax: the tokens of grammar/IwdLexer.g4, made by hand. ANTLR's lexer
// simulates the grammar's automaton a character at a time (with a lock per DFA edge, a
// virtual call per character and the code points copied out of its input); a 10K-line file
// took about a fifth of its parse to lex, on one thread before any chunk could start. This
// lexer makes the same tokens (type, channel, start and stop, line, column, index; their
// text read from the same input) from the input's code points directly. The differential
// test (FastLexer.*) holds it to IwdLexer on every .iwd file of the tree and on generated text.
#pragma once

#include <antlr4-runtime.h>

#include <memory>
#include <string>
#include <vector>

namespace iwd::compiler {

// The tokens of `data` (the code points of `input`), the last one EOF, each made by
// CommonTokenFactory::DEFAULT for {source, input} as the lexer's emit() makes them, with
// their index set as a token stream sets it.
std::vector<std::unique_ptr<antlr4::Token>> lex_iwd(const std::u32string& data, antlr4::TokenSource* source,
                                                    antlr4::CharStream* input);

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
