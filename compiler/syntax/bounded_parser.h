// Private to compiler/syntax: the generated parser with a bound on how deep the parse tree
// grows. ANTLR parses nested expressions by recursion, and the builder and the binder walk
// the tree by recursion, so a file of thousands of nested parentheses (or `not`s, or `if`s)
// or a chain of thousands of operators would overflow the stack. The depth of a rule is its
// contexts up to the root; a left-recursive rule (`a + b + c`) also grows the tree below it by
// one at each operator.
#pragma once

#include <antlr4-runtime.h>

#include <cstddef>
#include <utility>
#include <vector>

#include "IwdParser.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {

class BoundedParser : public iwd_grammar::IwdParser {
 public:
  using IwdParser::IwdParser;
  antlr4::Token* too_deep = nullptr;  // where the parse stopped, when it did
  // Contexts above the root of this parse: 1 when declarations are parsed one at a time
  // (parse_chunks.cpp) without the `file` context a whole-file parse has above them.
  std::size_t depth_above = 0;

  void enterRule(antlr4::ParserRuleContext* ctx, size_t state, size_t rule) override {
    check(depth_of(ctx), ctx);
    IwdParser::enterRule(ctx, state, rule);
  }
  void enterRecursionRule(antlr4::ParserRuleContext* ctx, size_t state, size_t rule, int precedence) override {
    const std::size_t d = depth_of(ctx);
    check(d, ctx);
    chains_.push_back({d, 0});
    IwdParser::enterRecursionRule(ctx, state, rule, precedence);
  }
  void pushNewRecursionContext(antlr4::ParserRuleContext* ctx, size_t state, size_t rule) override {
    IwdParser::pushNewRecursionContext(ctx, state, rule);
    if (!chains_.empty()) check(chains_.back().first + ++chains_.back().second, ctx);
  }
  void unrollRecursionContexts(antlr4::ParserRuleContext* parent) override {
    if (!chains_.empty()) chains_.pop_back();
    IwdParser::unrollRecursionContexts(parent);
  }
  void restart() {
    chains_.clear();
    too_deep = nullptr;
  }

 private:
  std::size_t depth_of(antlr4::RuleContext* ctx) const {
    std::size_t d = depth_above;
    for (antlr4::RuleContext* c = ctx; c != nullptr && d <= kMaxNesting; c = static_cast<antlr4::RuleContext*>(c->parent))
      ++d;
    return d;
  }
  void check(std::size_t depth, antlr4::ParserRuleContext*) {
    if (depth <= kMaxNesting) return;
    too_deep = getCurrentToken();
    throw antlr4::ParseCancellationException("nesting too deep");
  }

  std::vector<std::pair<std::size_t, std::size_t>> chains_;  // per recursion rule: its depth, its operators
};

}  // namespace iwd::compiler
