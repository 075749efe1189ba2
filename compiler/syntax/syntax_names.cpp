#include "compiler/syntax/syntax_decl.h"

namespace iwd::compiler {

const char* binary_op_spelling(SyntaxBinaryOp op) {
  switch (op) {
    case SyntaxBinaryOp::Coalesce: return "??";
    case SyntaxBinaryOp::Or: return "or";
    case SyntaxBinaryOp::And: return "and";
    case SyntaxBinaryOp::Eq: return "==";
    case SyntaxBinaryOp::Ne: return "!=";
    case SyntaxBinaryOp::Lt: return "<";
    case SyntaxBinaryOp::Le: return "<=";
    case SyntaxBinaryOp::Gt: return ">";
    case SyntaxBinaryOp::Ge: return ">=";
    case SyntaxBinaryOp::Add: return "+";
    case SyntaxBinaryOp::Sub: return "-";
    case SyntaxBinaryOp::Mul: return "*";
    case SyntaxBinaryOp::Div: return "/";
  }
  return "?";
}

const char* decl_kind_name(SyntaxDeclKind k) {
  switch (k) {
    case SyntaxDeclKind::Ruleset: return "ruleset";
    case SyntaxDeclKind::Timezone: return "timezone";
    case SyntaxDeclKind::Import: return "import";
    case SyntaxDeclKind::Enum: return "enum";
    case SyntaxDeclKind::Attributes: return "attributes";
    case SyntaxDeclKind::Skills: return "skills";
    case SyntaxDeclKind::Define: return "define";
    case SyntaxDeclKind::Calendar: return "calendar";
    case SyntaxDeclKind::Priority: return "priority scheme";
    case SyntaxDeclKind::Targets: return "targets";
    case SyntaxDeclKind::Capacity: return "capacity";
    case SyntaxDeclKind::Department: return "department";
    case SyntaxDeclKind::Process: return "process";
    case SyntaxDeclKind::Table: return "table";
    case SyntaxDeclKind::DefaultProcess: return "default process";
    case SyntaxDeclKind::Test: return "test";
    case SyntaxDeclKind::ReportBy: return "report by";
    case SyntaxDeclKind::Outcomes: return "outcomes";
  }
  return "declaration";
}

}  // namespace iwd::compiler
