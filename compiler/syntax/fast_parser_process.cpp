// The fast parser (fast_parser.h): departments, processes, their clauses (section 7) and
// decision tables, built as builder_process.cpp builds them.
#include "compiler/syntax/fast_parser.h"

namespace iwd::compiler {

SyntaxProcessClause FastParser::process_clause() {
  SyntaxProcessClause c;
  antlr4::Token* first = tok();
  switch (type()) {
    case P::SLA:
      take();
      c.kind = SyntaxProcessClauseKind::Sla;
      c.value = sla_value();
      if (accept(P::IN)) c.calendar = name();
      break;
    case P::PRIORITY:
      take();
      c.kind = SyntaxProcessClauseKind::Priority;
      if (type() == P::LBRACE) {
        c.priority = std::make_unique<SyntaxPriorityBody>(priority_body());
      } else {
        c.ref = name();
        if (accept(P::MIN)) c.min = expr();
        if (accept(P::MAX)) c.max = expr();
      }
      break;
    case P::TARGETS:
      take();
      c.kind = SyntaxProcessClauseKind::Targets;
      if (type() == P::LBRACE) c.targets = std::make_unique<SyntaxTargetsBody>(targets_body());
      else c.ref = name();
      break;
    case P::MEDIA:
      take();
      c.kind = SyntaxProcessClauseKind::Media;
      c.value = expr();
      break;
    case P::OFFER:
      take();
      expect(P::TIMEOUT);
      c.kind = SyntaxProcessClauseKind::OfferTimeout;
      c.value = expr();
      break;
    case P::COMPLETE:
      take();
      if (accept(P::WITHIN)) {
        c.kind = SyntaxProcessClauseKind::CompleteWithin;
        c.value = expr();
      } else {
        expect(P::BY);
        c.kind = SyntaxProcessClauseKind::CompleteBy;
        c.ref = name();
      }
      break;
    case P::EXPIRE:
      take();
      expect(P::AFTER);
      c.kind = SyntaxProcessClauseKind::ExpireAfter;
      c.value = expr();
      break;
    default: give_up();
  }
  accept(P::SEMI);
  c.range = range_from(first);
  return c;
}

std::unique_ptr<SyntaxProcess> FastParser::process(SyntaxDeclKind kind, antlr4::Token* first) {
  auto p = std::make_unique<SyntaxProcess>(kind);
  p->name = name();
  if (kind == SyntaxDeclKind::Process && accept(P::WHEN)) p->when = expr();
  if (accept(P::LBRACE)) {
    while (type() != P::RBRACE) p->clauses.push_back(process_clause());
    take();
  }
  p->range = range_from(first);
  return p;
}

SyntaxDeclPtr FastParser::department() {
  antlr4::Token* first = take();
  auto d = std::make_unique<SyntaxDepartment>();
  d->name = name();
  if (accept(P::WHEN)) d->when = expr();
  if (accept(P::LBRACE)) {
    while (type() != P::RBRACE) {
      if (type() == P::PROCESS) {
        d->members.push_back(process(SyntaxDeclKind::Process, take()));
        accept(P::SEMI);
      } else if (type() == P::TABLE) {
        d->members.push_back(table());
        accept(P::SEMI);
      } else {
        d->clauses.push_back(process_clause());
      }
    }
    take();
  }
  d->range = range_from(first);
  return d;
}

SyntaxExprPtr FastParser::cell_atom() {
  if (type() == P::MINUS) {
    if (!glued_minus()) give_up();
    antlr4::Token* minus = take();
    return b_.literal_token(take(), true, minus);
  }
  if (!is_name(type())) return literal();
  antlr4::Token* first = take();
  auto base = std::make_unique<SyntaxNameExpr>();
  base->name = first->getText();
  base->range = b_.range(first);
  if (!accept(P::DOT)) return base;
  // As the builder makes it: the member's height is left at 1.
  auto m = std::make_unique<SyntaxMember>();
  m->member = name();
  m->range = join(base->range, m->member.range);
  m->base = std::move(base);
  return m;
}

SyntaxTableCell FastParser::table_cell() {
  SyntaxTableCell c;
  antlr4::Token* first = tok();
  if (type() == P::MINUS && !glued_minus()) {
    take();
    c.any = true;
  } else {
    c.negated = accept(P::NOT);
    do {
      SyntaxCellValue value;
      value.lo = cell_atom();
      if (accept(P::DOTDOT)) value.hi = cell_atom();
      c.values.push_back(std::move(value));
    } while (accept(P::COMMA));
    if (accept(P::IN)) c.calendar = name();
  }
  c.range = range_from(first);
  return c;
}

SyntaxDeclPtr FastParser::table() {
  antlr4::Token* first = take();
  auto t = std::make_unique<SyntaxTable>();
  t->first = accept(P::FIRST);
  expect(P::LBRACE);
  bool header = true;
  while (type() != P::RBRACE) {
    SyntaxTableRow row;
    antlr4::Token* row_first = tok();
    do row.cells.push_back(table_cell());
    while (accept(P::PIPE));
    row.range = range_from(row_first);
    if (header) {
      // One column name a cell; anything else is the builder's E0111.
      for (auto& cell : row.cells) {
        if (cell.any || cell.negated || cell.values.size() != 1 || cell.values[0].hi ||
            cell.values[0].lo->kind != SyntaxExprKind::Name)
          give_up();
        const auto& n = as<SyntaxNameExpr>(*cell.values[0].lo);
        t->columns.push_back(SyntaxName{n.name, n.range});
      }
      header = false;
      continue;
    }
    if (row.cells.size() != t->columns.size()) give_up();  // E0111
    t->rows.push_back(std::move(row));
  }
  take();
  if (header) give_up();  // an empty table: E0111
  t->range = range_from(first);
  return t;
}

}  // namespace iwd::compiler
