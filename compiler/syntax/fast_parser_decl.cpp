// The fast parser (fast_parser.h): its entry, tokens, the file and the simple declarations.
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "compiler/syntax/fast_parser.h"

namespace iwd::compiler {
namespace {

std::atomic<std::size_t> settled{0};

}  // namespace

bool fast_parser_allowed() {
  const char* v = std::getenv("IWD_PARSER");
  return v == nullptr || std::strcmp(v, "antlr") != 0;
}

std::size_t fast_parser_files() { return settled.load(); }

std::unique_ptr<SyntaxFile> fast_parse_file(const SourceManager& sm, FileId file,
                                            const std::vector<antlr4::Token*>& tokens) {
  try {
    FastParser parser(sm, file, tokens);
    auto ast = parser.parse_file();
    settled.fetch_add(1, std::memory_order_relaxed);
    return ast;
  } catch (const FastParser::GiveUp&) {
    return nullptr;
  }
}

FastParser::FastParser(const SourceManager& sm, FileId file, const std::vector<antlr4::Token*>& tokens)
    : file_(file), b_(sm, file, scratch_) {
  toks_.reserve(tokens.size() / 2 + 4);
  types_.reserve(tokens.size() / 2 + 4);
  for (antlr4::Token* t : tokens) {
    const std::size_t type = t->getType();
    if (type != antlr4::Token::EOF && t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
    toks_.push_back(t);
    types_.push_back(type);
    if (type == antlr4::Token::EOF) break;
  }
  if (toks_.empty() || types_.back() != antlr4::Token::EOF) give_up();
  end_ = toks_.size();
  // Lookahead past the end reads EOF.
  for (int i = 0; i < 3; ++i) {
    toks_.push_back(toks_.back());
    types_.push_back(antlr4::Token::EOF);
  }
}

bool FastParser::is_name(std::size_t t) {
  // grammar/IwdParser.g4's `name`: ID and every soft keyword, which IwdLexer.g4 numbers
  // ADD to WITHIN in a row.
  return t == P::ID || (t >= P::ADD && t <= P::WITHIN);
}

SyntaxName FastParser::name() {
  if (!is_name(type())) give_up();
  antlr4::Token* t = take();
  return SyntaxName{t->getText(), b_.range(t)};
}

antlr4::Token* FastParser::str() { return expect(P::STRING); }

bool FastParser::glued_minus() const {
  if (type() != P::MINUS) return false;
  const std::size_t n = type(1);
  return (n == P::INT || n == P::FLOAT || n == P::DURATION || n == P::PERCENT) &&
         tok(1)->getStartIndex() == tok()->getStopIndex() + 1;
}

std::unique_ptr<SyntaxFile> FastParser::parse_file() {
  auto f = std::make_unique<SyntaxFile>();
  f->file = file_;
  while (type() != antlr4::Token::EOF)
    if (auto d = top_decl()) f->decls.push_back(std::move(d));
  if (!scratch_.all().empty()) give_up();  // the builder's functions found something to report
  return f;
}

std::vector<SyntaxName> FastParser::name_list() {
  std::vector<SyntaxName> names;
  expect(P::LBRACE);
  if (type() != P::RBRACE) {
    names.push_back(name());
    while (accept(P::COMMA) && type() != P::RBRACE) names.push_back(name());
  }
  expect(P::RBRACE);
  return names;
}

SyntaxType FastParser::type_ref() {
  SyntaxType t;
  antlr4::Token* first = tok();
  if (type() == P::LIST && type(1) == P::LT_) {
    take();
    t.name.text = "list";
    t.name.range = b_.range(first);
    take();
    t.element = std::make_unique<SyntaxType>(type_ref());
    expect(P::GT);
  } else {
    t.name = name();
  }
  t.optional = accept(P::QUESTION);
  t.range = range_from(first);
  return t;
}

SyntaxDeclPtr FastParser::top_decl() {
  antlr4::Token* first = tok();
  SyntaxDeclPtr decl;
  switch (type()) {
    case P::SEMI:
      take();
      return nullptr;
    case P::RULESET: {
      take();
      auto d = std::make_unique<SyntaxRuleset>();
      d->name = name();
      if (accept(P::VERSION)) d->version = b_.decode_string(str());
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::TIMEZONE: {
      take();
      auto d = std::make_unique<SyntaxTimezone>();
      antlr4::Token* s = str();
      d->zone = b_.decode_string(s);
      d->zone_range = b_.range(s);
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::IMPORT: {
      take();
      auto d = std::make_unique<SyntaxImport>();
      antlr4::Token* s = str();
      d->path = b_.decode_string(s);
      d->path_range = b_.range(s);
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::ENUM: {
      take();
      auto d = std::make_unique<SyntaxEnum>();
      d->name = name();
      d->values = name_list();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::ATTRIBUTES: {
      take();
      auto d = std::make_unique<SyntaxAttributes>();
      expect(P::LBRACE);
      while (type() != P::RBRACE) {
        SyntaxAttribute attr;
        antlr4::Token* a = tok();
        attr.name = name();
        expect(P::COLON);
        attr.type = type_ref();
        if (accept(P::ASSIGN)) attr.default_value = expr();
        if (!accept(P::COMMA)) accept(P::SEMI);
        attr.range = range_from(a);
        d->attributes.push_back(std::move(attr));
      }
      take();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::SKILLS: {
      take();
      auto d = std::make_unique<SyntaxSkills>();
      d->skills = name_list();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::OUTCOMES: {
      take();
      auto d = std::make_unique<SyntaxOutcomes>();
      d->outcomes = name_list();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::REPORT: {
      take();
      auto d = std::make_unique<SyntaxReportBy>();
      expect(P::BY);
      d->attributes.push_back(name());
      while (accept(P::COMMA)) d->attributes.push_back(name());
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::DEFINE: {
      take();
      auto d = std::make_unique<SyntaxDefine>();
      d->name = name();
      expect(P::ASSIGN);
      d->value = expr();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::CALENDAR: decl = calendar(); break;
    case P::PRIORITY: {
      take();
      auto d = std::make_unique<SyntaxPriority>();
      d->name = name();
      d->body = priority_body();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::TARGETS: {
      take();
      auto d = std::make_unique<SyntaxTargets>();
      d->name = name();
      d->body = targets_body();
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::CAPACITY: {
      take();
      auto d = std::make_unique<SyntaxCapacity>();
      d->name = name();
      expect(P::LBRACE);
      while (type() != P::RBRACE) {
        SyntaxCapacityEntry entry;
        antlr4::Token* e = tok();
        entry.media = name();
        auto lit = b_.literal_token(expect(P::INT));
        entry.count = as<SyntaxLiteral>(*lit).int_value;
        entry.range = range_from(e);
        d->entries.push_back(std::move(entry));
        if (!accept(P::COMMA)) break;
      }
      expect(P::RBRACE);
      d->range = range_from(first);
      decl = std::move(d);
      break;
    }
    case P::DEPARTMENT: decl = department(); break;
    case P::DEFAULT:
      take();
      expect(P::PROCESS);
      decl = process(SyntaxDeclKind::DefaultProcess, first);
      break;
    case P::TEST: decl = test(); break;
    default: give_up();
  }
  accept(P::SEMI);
  return decl;
}

}  // namespace iwd::compiler
