// AST builder: ranges, the file, and the simple declarations.
#include "compiler/syntax/builder.h"
#include "compiler/syntax/token_loc.h"

namespace iwd::compiler {

SourceRange SyntaxBuilder::range(antlr4::Token* first, antlr4::Token* last) const {
  SourceRange r;
  if (first == nullptr || conjured(first)) return r;
  r.file = file_;
  r.begin = token_begin(first);
  if (last == nullptr || conjured(last) || last->getType() == antlr4::Token::EOF ||
      last->getStopIndex() < first->getStartIndex())
    last = first;
  r.end = last->getType() == antlr4::Token::EOF ? r.begin : token_end(last);
  return r;
}

SourceRange SyntaxBuilder::range(antlr4::Token* tok) const { return range(tok, tok); }

SourceRange SyntaxBuilder::range(antlr4::tree::TerminalNode* node) const {
  return node ? range(node->getSymbol()) : SourceRange{};
}

SourceRange SyntaxBuilder::range(antlr4::ParserRuleContext* ctx) const {
  return ctx ? range(ctx->start, ctx->stop) : SourceRange{};
}

SyntaxName SyntaxBuilder::name(P::NameContext* ctx) const {
  SyntaxName n;
  if (missing(ctx) || conjured(ctx->start)) return n;
  n.text = ctx->getText();
  n.range = range(ctx);
  return n;
}

std::unique_ptr<SyntaxFile> SyntaxBuilder::build_file(P::FileContext* ctx) {
  auto file = std::make_unique<SyntaxFile>();
  file->file = file_;
  if (ctx == nullptr) return file;
  for (auto* d : ctx->topDecl())
    if (auto decl = top_decl(d)) file->decls.push_back(std::move(decl));
  return file;
}

SyntaxType SyntaxBuilder::type_ref(P::TypeRefContext* ctx) {
  SyntaxType t;
  if (missing(ctx)) return t;
  t.range = range(ctx);
  t.optional = ctx->QUESTION() != nullptr;
  if (ctx->LIST()) {
    t.name.text = "list";
    t.name.range = range(ctx->LIST());
    if (ctx->typeRef()) t.element = std::make_unique<SyntaxType>(type_ref(ctx->typeRef()));
  } else {
    t.name = name(ctx->name());
  }
  return t;
}

SyntaxDeclPtr SyntaxBuilder::top_decl(P::TopDeclContext* ctx) {
  if (auto* c = ctx->rulesetDecl()) {
    auto d = std::make_unique<SyntaxRuleset>();
    d->range = range(c);
    d->name = name(c->name());
    if (c->str()) d->version = decode_string(c->str()->start);
    return d;
  }
  if (auto* c = ctx->timezoneDecl()) {
    auto d = std::make_unique<SyntaxTimezone>();
    d->range = range(c);
    if (c->str()) {
      d->zone = decode_string(c->str()->start);
      d->zone_range = range(c->str());
    }
    return d;
  }
  if (auto* c = ctx->importDecl()) {
    auto d = std::make_unique<SyntaxImport>();
    d->range = range(c);
    if (c->str()) {
      d->path = decode_string(c->str()->start);
      d->path_range = range(c->str());
    }
    return d;
  }
  if (auto* c = ctx->enumDecl()) {
    auto d = std::make_unique<SyntaxEnum>();
    d->range = range(c);
    auto names = c->name();
    if (!names.empty()) d->name = name(names[0]);
    for (std::size_t i = 1; i < names.size(); ++i) d->values.push_back(name(names[i]));
    return d;
  }
  if (auto* c = ctx->attributesDecl()) {
    auto d = std::make_unique<SyntaxAttributes>();
    d->range = range(c);
    for (auto* a : c->attributeDef()) {
      SyntaxAttribute attr;
      attr.range = range(a);
      attr.name = name(a->name());
      attr.type = type_ref(a->typeRef());
      if (a->expr()) attr.default_value = expr(a->expr());
      d->attributes.push_back(std::move(attr));
    }
    return d;
  }
  if (auto* c = ctx->skillsDecl()) {
    auto d = std::make_unique<SyntaxSkills>();
    d->range = range(c);
    for (auto* n : c->name()) d->skills.push_back(name(n));
    return d;
  }
  if (auto* c = ctx->reportDecl()) {
    auto d = std::make_unique<SyntaxReportBy>();
    d->range = range(c);
    for (auto* n : c->name()) d->attributes.push_back(name(n));
    return d;
  }
  if (auto* c = ctx->outcomesDecl()) {
    auto d = std::make_unique<SyntaxOutcomes>();
    d->range = range(c);
    for (auto* n : c->name()) d->outcomes.push_back(name(n));
    return d;
  }
  if (auto* c = ctx->defineDecl()) {
    auto d = std::make_unique<SyntaxDefine>();
    d->range = range(c);
    d->name = name(c->name());
    d->value = expr(c->expr());
    return d;
  }
  if (auto* c = ctx->calendarDecl()) return calendar(c);
  if (auto* c = ctx->priorityDecl()) {
    auto d = std::make_unique<SyntaxPriority>();
    d->range = range(c);
    d->name = name(c->name());
    d->body = priority_body(c->priorityBody());
    return d;
  }
  if (auto* c = ctx->targetsDecl()) {
    auto d = std::make_unique<SyntaxTargets>();
    d->range = range(c);
    d->name = name(c->name());
    d->body = targets_body(c->targetsBody());
    return d;
  }
  if (auto* c = ctx->capacityDecl()) {
    auto d = std::make_unique<SyntaxCapacity>();
    d->range = range(c);
    d->name = name(c->name());
    for (auto* e : c->capacityEntry()) {
      SyntaxCapacityEntry entry;
      entry.range = range(e);
      entry.media = name(e->name());
      if (e->INT()) {
        auto lit = literal_token(e->INT()->getSymbol());
        entry.count = as<SyntaxLiteral>(*lit).int_value;
      }
      d->entries.push_back(std::move(entry));
    }
    return d;
  }
  if (auto* c = ctx->departmentDecl()) return department(c);
  if (auto* c = ctx->defaultProcessDecl()) return default_process(c);
  if (auto* c = ctx->testDecl()) return test(c);
  return nullptr;  // a lone `;`, or what error recovery left
}

}  // namespace iwd::compiler
