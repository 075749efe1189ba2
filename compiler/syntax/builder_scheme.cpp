// AST builder: priority schemes (section 8) and targets (section 9).
#include "compiler/syntax/builder.h"

namespace iwd::compiler {

SyntaxPriorityBody SyntaxBuilder::priority_body(P::PriorityBodyContext* ctx) {
  SyntaxPriorityBody body;
  if (missing(ctx)) return body;
  body.range = range(ctx);
  for (auto* clause : ctx->priorityClause()) {
    SyntaxPriorityClause c;
    c.range = range(clause);
    if (auto* x = dynamic_cast<P::PrioStartContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Start;
      c.value = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::PrioEveryContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Every;
      // Children in order: EVERY expr ADD expr [FROM expr] [UNTIL expr].
      SyntaxExprPtr* slot = &c.period;
      for (auto* child : x->children) {
        if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
          switch (t->getSymbol()->getType()) {
            case P::ADD: slot = &c.value; break;
            case P::FROM: slot = &c.from; break;
            case P::UNTIL: slot = &c.until; break;
            default: break;
          }
        } else if (auto* e = dynamic_cast<P::ExprContext*>(child)) {
          *slot = expr(e);
        }
      }
    } else if (auto* x = dynamic_cast<P::PrioCurveContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Curve;
      for (auto* p : x->curvePoint()) {
        auto parts = p->expr();
        SyntaxCurvePoint point;
        if (parts.size() > 0) point.at = expr(parts[0]);
        if (parts.size() > 1) point.value = expr(parts[1]);
        c.points.push_back(std::move(point));
      }
    } else if (auto* x = dynamic_cast<P::PrioBoostContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Boost;
      auto parts = x->expr();
      if (parts.size() > 0) c.value = expr(parts[0]);
      if (parts.size() > 1) c.condition = expr(parts[1]);
    } else if (auto* x = dynamic_cast<P::PrioMinContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Min;
      c.value = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::PrioMaxContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Max;
      c.value = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::PrioOverdueContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::Overdue;
      c.value = expr(x->expr());
    } else if (auto* x = dynamic_cast<P::PrioAgeInContext*>(clause)) {
      c.kind = SyntaxPriorityClauseKind::AgeIn;
      c.calendar = name(x->name());
    } else {
      continue;
    }
    body.clauses.push_back(std::move(c));
  }
  return body;
}

SyntaxTargetsBody SyntaxBuilder::targets_body(P::TargetsBodyContext* ctx) {
  SyntaxTargetsBody body;
  if (missing(ctx)) return body;
  body.range = range(ctx);
  for (auto* s : ctx->targetStage()) {
    SyntaxTargetStage stage;
    stage.range = range(s);
    stage.kind = s->AGENT() ? SyntaxStageKind::Agent
                 : s->GROUP() ? SyntaxStageKind::Group
                              : SyntaxStageKind::Skill;
    auto parts = s->expr();
    if (parts.size() > 0) stage.expr = expr(parts[0]);
    if (parts.size() > 1) stage.duration = expr(parts[1]);
    body.stages.push_back(std::move(stage));
  }
  return body;
}

}  // namespace iwd::compiler
