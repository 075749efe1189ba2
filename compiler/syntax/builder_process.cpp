// AST builder: departments, processes, their clauses (section 7) and decision tables.
#include "compiler/syntax/builder.h"

namespace iwd::compiler {

std::optional<SyntaxProcessClause> SyntaxBuilder::process_clause(P::ProcessClauseContext* ctx) {
  if (missing(ctx)) return std::nullopt;
  SyntaxProcessClause c;
  c.range = range(ctx);
  if (auto* x = dynamic_cast<P::ClauseSlaContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::Sla;
    c.value = sla_value(x->slaValue());
    if (x->name()) c.calendar = name(x->name());
  } else if (auto* x = dynamic_cast<P::ClausePriorityRefContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::Priority;
    c.ref = name(x->name());
    for (auto* child : x->children) {
      auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child);
      if (!t) continue;
      // The expression after MIN/MAX is the next child.
      auto it = std::find(x->children.begin(), x->children.end(), child);
      if (it + 1 == x->children.end()) continue;
      auto* e = dynamic_cast<P::ExprContext*>(*(it + 1));
      if (!e) continue;
      if (t->getSymbol()->getType() == P::MIN) c.min = expr(e);
      if (t->getSymbol()->getType() == P::MAX) c.max = expr(e);
    }
  } else if (auto* x = dynamic_cast<P::ClausePriorityInlineContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::Priority;
    c.priority = std::make_unique<SyntaxPriorityBody>(priority_body(x->priorityBody()));
  } else if (auto* x = dynamic_cast<P::ClauseTargetsRefContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::Targets;
    c.ref = name(x->name());
  } else if (auto* x = dynamic_cast<P::ClauseTargetsInlineContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::Targets;
    c.targets = std::make_unique<SyntaxTargetsBody>(targets_body(x->targetsBody()));
  } else if (auto* x = dynamic_cast<P::ClauseMediaContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::Media;
    c.value = expr(x->expr());
  } else if (auto* x = dynamic_cast<P::ClauseOfferTimeoutContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::OfferTimeout;
    c.value = expr(x->expr());
  } else if (auto* x = dynamic_cast<P::ClauseCompleteWithinContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::CompleteWithin;
    c.value = expr(x->expr());
  } else if (auto* x = dynamic_cast<P::ClauseCompleteByContext*>(ctx)) {
    // `complete by source` or `complete by agent`: the word is checked by the binder (E0320),
    // which can suggest the one meant.
    c.kind = SyntaxProcessClauseKind::CompleteBy;
    c.ref = name(x->name());
  } else if (auto* x = dynamic_cast<P::ClauseExpireAfterContext*>(ctx)) {
    c.kind = SyntaxProcessClauseKind::ExpireAfter;
    c.value = expr(x->expr());
  } else {
    return std::nullopt;
  }
  return c;
}

std::unique_ptr<SyntaxProcess> SyntaxBuilder::process(P::ProcessDeclContext* ctx) {
  auto p = std::make_unique<SyntaxProcess>();
  p->range = range(ctx);
  p->name = name(ctx->name());
  if (ctx->expr()) p->when = expr(ctx->expr());
  for (auto* c : ctx->processClause())
    if (auto clause = process_clause(c)) p->clauses.push_back(std::move(*clause));
  return p;
}

std::unique_ptr<SyntaxProcess> SyntaxBuilder::default_process(P::DefaultProcessDeclContext* ctx) {
  auto p = std::make_unique<SyntaxProcess>(SyntaxDeclKind::DefaultProcess);
  p->range = range(ctx);
  p->name = name(ctx->name());
  for (auto* c : ctx->processClause())
    if (auto clause = process_clause(c)) p->clauses.push_back(std::move(*clause));
  return p;
}

SyntaxDeclPtr SyntaxBuilder::department(P::DepartmentDeclContext* ctx) {
  auto d = std::make_unique<SyntaxDepartment>();
  d->range = range(ctx);
  d->name = name(ctx->name());
  if (ctx->expr()) d->when = expr(ctx->expr());
  for (auto* m : ctx->departmentMember()) {
    if (auto* c = m->processClause()) {
      if (auto clause = process_clause(c)) d->clauses.push_back(std::move(*clause));
    } else if (auto* p = m->processDecl()) {
      d->members.push_back(process(p));
    } else if (auto* t = m->tableDecl()) {
      d->members.push_back(table(t));
    }
  }
  return d;
}

SyntaxDeclPtr SyntaxBuilder::table(P::TableDeclContext* ctx) {
  auto t = std::make_unique<SyntaxTable>();
  t->range = range(ctx);
  t->first = ctx->FIRST() != nullptr;
  auto rows = ctx->tableRow();
  if (rows.empty()) {
    report("E0111", t->range, "this decision table is empty: it needs a header row and at least one row");
    return t;
  }

  // The header: one name per column.
  for (auto* cell : rows[0]->tableCell()) {
    auto* values = dynamic_cast<P::CellValuesContext*>(cell);
    P::CellAtomContext* atom = nullptr;
    if (values && !values->NOT() && values->cellValue().size() == 1 &&
        !values->cellValue(0)->DOTDOT())
      atom = values->cellValue(0)->cellAtom(0);
    if (atom && atom->name().size() == 1 && !atom->DOT()) {
      t->columns.push_back(name(atom->name(0)));
    } else {
      report("E0111", range(cell), fmt::format("a table header cell must be a column name, found `{}`",
                                               cell->getText()))
          .notes.push_back("the header names attributes (conditions) and then the clauses: "
                           "sla, priority, min, max, targets, process");
      t->columns.push_back(SyntaxName{cell->getText(), range(cell)});
    }
  }

  for (std::size_t i = 1; i < rows.size(); ++i) {
    SyntaxTableRow row;
    row.range = range(rows[i]);
    for (auto* cell : rows[i]->tableCell()) {
      SyntaxTableCell c;
      c.range = range(cell);
      if (dynamic_cast<P::CellAnyContext*>(cell)) {
        c.any = true;
      } else if (auto* v = dynamic_cast<P::CellValuesContext*>(cell)) {
        c.negated = v->NOT() != nullptr;
        for (auto* cv : v->cellValue()) {
          SyntaxCellValue value;
          auto atoms = cv->cellAtom();
          auto build_atom = [this](P::CellAtomContext* a) -> SyntaxExprPtr {
            if (missing(a)) return nullptr;
            if (a->MINUS()) return literal_token(a->stop, true, a->MINUS()->getSymbol());
            if (a->literal()) return literal(a->literal());
            auto names = a->name();
            if (names.empty()) return nullptr;  // recovered from an error: nothing to build
            auto base = std::make_unique<SyntaxNameExpr>();
            SyntaxName first = name(names[0]);
            base->name = first.text;
            base->range = first.range;
            if (names.size() < 2) return base;
            auto m = std::make_unique<SyntaxMember>();
            m->member = name(names[1]);
            m->range = join(base->range, m->member.range);
            m->base = std::move(base);
            return m;
          };
          if (!atoms.empty()) value.lo = build_atom(atoms[0]);
          if (atoms.size() > 1) value.hi = build_atom(atoms[1]);
          c.values.push_back(std::move(value));
        }
        if (v->name()) c.calendar = name(v->name());
      }
      row.cells.push_back(std::move(c));
    }
    if (!t->columns.empty() && row.cells.size() != t->columns.size()) {
      report("E0111", row.range,
             fmt::format("this table row has {} cell{} but the header has {} column{}", row.cells.size(),
                         row.cells.size() == 1 ? "" : "s", t->columns.size(),
                         t->columns.size() == 1 ? "" : "s"))
          .notes.push_back("rows are told apart by line; separate cells with `|` and write `-` for any value");
    }
    t->rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace iwd::compiler
