// Private to compiler/syntax: a read-only view of a file's tokens, already lexed, as a
// TokenStream of its own, so that several parsers (one a thread) can each read from where
// their part of the file starts. It walks the tokens as CommonTokenStream does (the default
// channel only) and keeps the file's token indexes, so a parse through it sees the same
// tokens, lookahead past its part included, as a parse of the whole file.
#pragma once

#include <antlr4-runtime.h>

#include <string>
#include <vector>

namespace iwd::compiler {

class TokenView : public antlr4::TokenStream {
 public:
  // `tokens`: every token of the file, the last one EOF; `source`: their lexer. Both outlive this.
  TokenView(const std::vector<antlr4::Token*>& tokens, antlr4::TokenSource* source) : tokens_(tokens), source_(source) {
    p_ = next_on_channel(0);
  }

  antlr4::Token* LT(ssize_t k) override {
    if (k == 0) return nullptr;
    std::size_t i = p_;
    if (k < 0) {
      for (ssize_t n = 0; n < -k; ++n) {
        if (i == 0) return nullptr;
        i = previous_on_channel(i - 1);
        if (i == kNone) return nullptr;
      }
      return tokens_[i];
    }
    for (ssize_t n = 1; n < k; ++n) i = next_on_channel(i + 1);
    return tokens_[i];
  }
  size_t LA(ssize_t i) override {
    antlr4::Token* t = LT(i);
    return t == nullptr ? antlr4::Token::INVALID_TYPE : t->getType();
  }
  void consume() override {
    if (tokens_[p_]->getType() == antlr4::Token::EOF) throw antlr4::IllegalStateException("cannot consume EOF");
    p_ = next_on_channel(p_ + 1);
  }
  ssize_t mark() override { return 0; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override { p_ = next_on_channel(index); }
  size_t size() override { return tokens_.size(); }
  std::string getSourceName() const override { return source_->getSourceName(); }

  antlr4::Token* get(size_t index) const override { return tokens_.at(index); }
  antlr4::TokenSource* getTokenSource() const override { return source_; }
  std::string getText(const antlr4::misc::Interval& interval) override {
    std::string out;
    if (interval.a < 0 || interval.b < 0) return out;
    for (auto i = static_cast<std::size_t>(interval.a); i <= static_cast<std::size_t>(interval.b) && i < tokens_.size(); ++i) {
      if (tokens_[i]->getType() == antlr4::Token::EOF) break;
      out += tokens_[i]->getText();
    }
    return out;
  }
  std::string getText() override { return getText(antlr4::misc::Interval(0, static_cast<ssize_t>(tokens_.size()) - 1)); }
  std::string getText(antlr4::RuleContext* ctx) override { return getText(ctx->getSourceInterval()); }
  std::string getText(antlr4::Token* start, antlr4::Token* stop) override {
    if (start == nullptr || stop == nullptr) return "";
    return getText(antlr4::misc::Interval(start->getTokenIndex(), stop->getTokenIndex()));
  }

 private:
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  // The first default-channel token at or after i (EOF, the last token, is on it).
  std::size_t next_on_channel(std::size_t i) const {
    if (i >= tokens_.size()) return tokens_.size() - 1;
    while (tokens_[i]->getChannel() != antlr4::Token::DEFAULT_CHANNEL && tokens_[i]->getType() != antlr4::Token::EOF) ++i;
    return i;
  }
  // The last default-channel token at or before i, or kNone.
  std::size_t previous_on_channel(std::size_t i) const {
    for (;; --i) {
      if (tokens_[i]->getChannel() == antlr4::Token::DEFAULT_CHANNEL || tokens_[i]->getType() == antlr4::Token::EOF) return i;
      if (i == 0) return kNone;
    }
  }

  const std::vector<antlr4::Token*>& tokens_;
  antlr4::TokenSource* source_;
  std::size_t p_ = 0;
};

}  // namespace iwd::compiler
