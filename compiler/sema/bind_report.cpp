// Binder: `report by` and `outcomes` (LANGUAGE.md 1.1 section 11). `report by` names at most
// kMaxReportDimensions attributes of type bool, int, string or an enum, each once; `outcomes`
// lists the codes an item may be done or completed with, each once.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "compiler/sema/bind_internal.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {
namespace {

bool dimension_type(const SemaType& t) {
  return t.kind == TypeKind::Bool || t.kind == TypeKind::Int || t.kind == TypeKind::String ||
         t.kind == TypeKind::Enum;
}

}  // namespace

void Binder::bind_reporting() {
  if (report_decl_ != nullptr) {
    const auto& decl = *report_decl_;
    std::vector<std::string> fit;  // the attributes that can be dimensions, for hints
    for (const auto& a : rs_->attributes)
      if (dimension_type(a.type)) fit.push_back(a.name);
    std::vector<const SyntaxName*> seen;
    for (const auto& n : decl.attributes) {
      if (n.text.empty()) continue;
      auto first = std::find_if(seen.begin(), seen.end(), [&](const SyntaxName* s) { return s->text == n.text; });
      if (first != seen.end()) {
        report("E0301", n.range, fmt::format("attribute `{}` is named twice in `report by`", n.text))
            .labels.push_back({(*first)->range, "first named here"});
        continue;
      }
      seen.push_back(&n);
      auto it = attributes_.find(n.text);
      if (it == attributes_.end()) {
        auto& d = report("E0317", n.range, fmt::format("`report by` names `{}`, which is not an attribute", n.text));
        std::string best = stdlib::suggest_name(n.text, fit);
        if (!best.empty())
          d.fixits.push_back({n.range, best, fmt::format("did you mean `{}`?", best)});
        else if (!fit.empty())
          d.notes.push_back(fmt::format("the attributes that can be reported by: {}", fmt::join(fit, ", ")));
        continue;
      }
      const auto& a = rs_->attributes[static_cast<std::size_t>(it->second)];
      if (!dimension_type(a.type)) {
        auto& d = report("E0318", n.range,
                         fmt::format("`report by` needs an attribute of type bool, int, string or an enum; `{}` is {}",
                                     n.text, type_str(a.type)));
        std::vector<std::string> others;
        for (const auto& f : fit)
          if (std::find(rs_->report_by.begin(), rs_->report_by.end(), rs_->find_attribute(f)) == rs_->report_by.end())
            others.push_back(f);
        std::string best = stdlib::suggest_name(n.text, others);
        if (!best.empty())
          d.fixits.push_back({n.range, best, fmt::format("did you mean `{}`?", best)});
        else if (!others.empty())
          d.notes.push_back(fmt::format("the attributes that can be reported by: {}", fmt::join(others, ", ")));
        continue;
      }
      rs_->report_by.push_back(it->second);
    }
    if (seen.size() > kMaxReportDimensions)
      report("E0319", seen[kMaxReportDimensions]->range,
             fmt::format("`report by` names {} attributes; at most {}", seen.size(), kMaxReportDimensions))
          .notes.push_back("every event carries each dimension; keep the ones reports are cut by");
  }
  if (outcomes_decl_ != nullptr) {
    for (const auto& o : outcomes_decl_->outcomes) {
      if (o.text.empty()) continue;
      auto it = std::find(rs_->outcomes.begin(), rs_->outcomes.end(), o.text);
      if (it != rs_->outcomes.end()) {
        duplicate(o, rs_->outcome_ranges[static_cast<std::size_t>(it - rs_->outcomes.begin())], "outcome");
        continue;
      }
      rs_->outcomes.push_back(o.text);
      rs_->outcome_ranges.push_back(o.range);
    }
  }
}

}  // namespace iwd::compiler
