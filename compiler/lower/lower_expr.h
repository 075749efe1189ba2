// Private to compiler/lower: lowering one expression tree into one straight-line function.
#pragma once

#include <map>
#include <unordered_map>

#include "compiler/lower/program.h"
#include "compiler/sema/bound.h"

namespace iwd::compiler {

// Program-wide constant tables, shared by every function being built.
class ProgramConstants {
 public:
  explicit ProgramConstants(Program& p) : p_(p) {}
  std::int64_t string(const std::string& s);
  std::int64_t regex(const std::string& s);
  std::int64_t zone(const std::string& s);
  std::int64_t list(Program::ConstList l);

 private:
  Program& p_;
  std::map<std::string, std::int64_t> strings_, regexes_, zones_;
};

class FunctionBuilder {
 public:
  // `nodes`, when given, receives the register of every node lowered (NodeRegisters).
  FunctionBuilder(const BoundRuleset& rs, ProgramConstants& consts, std::string name,
                  std::unordered_map<const BoundExpr*, std::uint32_t>* nodes = nullptr)
      : rs_(rs), consts_(consts), nodes_(nodes) {
    f_.name = std::move(name);
  }
  // Lowers `e` as the function's result.
  ProgramFunction build(const BoundExpr& e);

 private:
  std::uint32_t expr(const BoundExpr& e);  // lower_node(), recording the node's register
  std::uint32_t lower_node(const BoundExpr& e);
  std::uint32_t emit(Instr in);
  std::uint32_t const_i(std::int64_t v, VTag tag);
  std::uint32_t binary(const BoundExpr& e);
  std::uint32_t membership(const BoundExpr& e);
  std::uint32_t call(const BoundExpr& e);

  const BoundRuleset& rs_;
  ProgramConstants& consts_;
  std::unordered_map<const BoundExpr*, std::uint32_t>* nodes_;
  ProgramFunction f_;
  std::map<std::int32_t, std::uint32_t> defines_;  // define -> its register, once per function
};

VTag tag_of(const SemaType& t);
VType vtype_of(const SemaType& t);

}  // namespace iwd::compiler
