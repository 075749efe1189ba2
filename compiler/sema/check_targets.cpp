// check_semantics, targets: stages after a stage that never ends (E0509), `for` shares of
// the SLA that add up past 100% (E0510), and, per process, stages that last past the
// process's SLA (W0514).
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "compiler/sema/check_internal.h"

namespace iwd::compiler::checks {
namespace {

std::string plan_text(const BoundTargets& t) {
  if (!t.is_inline) return fmt::format("targets `{}`", t.name);
  return fmt::format("the targets of `{}`", t.name.substr(0, t.name.rfind('/')));
}

std::string join_plus(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " + ") + p;
  return out;
}

// ---- E0509 ----------------------------------------------------------------------------
void check_final_stage(const BoundTargets& t, DiagnosticBag& diags) {
  for (std::size_t i = 0; i + 1 < t.stages.size(); ++i) {
    const BoundStage& final_stage = t.stages[i];
    if (final_stage.duration) continue;
    auto& d = diags.report("E0509", t.stages[i + 1].range,
                           "this stage never opens: a stage before it has no `for`, so that stage never ends");
    d.labels.push_back({final_stage.range, "this stage has no `for`: it stays open for good"});
    if (final_stage.kind == BoundStageKind::Agent && final_stage.expr && final_stage.expr->type.optional)
      d.notes.push_back("an `agent` stage is skipped when the item names no agent, but when it does name one the "
                        "stages after it never open");
    d.notes.push_back("give the earlier stage a duration with `for`, or make it the last stage");
    return;
  }
}

// ---- E0510 ----------------------------------------------------------------------------
// True when reported.
bool check_shares(const BoundTargets& t, DiagnosticBag& diags) {
  double total = 0;
  std::vector<std::string> parts;
  const BoundStage* crossing = nullptr;
  for (const auto& s : t.stages) {
    auto pct = constant_share(s.duration.get());
    if (!pct) continue;
    total += *pct;
    parts.push_back(share_text(*pct));
    if (!crossing && total > 100 + 1e-9) crossing = &s;
  }
  if (!crossing) return false;
  auto& d = diags.report("E0510", crossing->duration->range,
                         fmt::format("the `for` shares of {} add up to {} of the SLA ({}); the stages must fit within "
                                     "100%",
                                     plan_text(t), share_text(total), join_plus(parts)));
  d.notes.push_back("the stages open one after another, so a stage past 100% would open only after the item is "
                    "due; shorten the shares");
  return true;
}

// ---- W0514 ----------------------------------------------------------------------------
void check_past_sla(const BoundRuleset& rs, const BoundProcess& p, DiagnosticBag& diags) {
  const EffectiveClauses e = rs.effective(p);
  if (e.targets < 0) return;
  auto sla = constant_duration(e.sla);
  if (!sla || *sla <= 0) return;
  const BoundTargets& t = rs.targets[static_cast<std::size_t>(e.targets)];
  std::int64_t total = 0;
  std::vector<std::string> parts;
  for (const auto& s : t.stages) {
    if (!s.duration) return;  // never ends: the later stages are E0509
    if (auto ms = constant_duration(s.duration.get())) {
      total += *ms;
      parts.push_back(stdlib::format_duration(stdlib::Duration{*ms}));
    } else if (auto pct = constant_share(s.duration.get())) {
      const auto ms_share = static_cast<std::int64_t>(std::llround(static_cast<double>(*sla) * *pct / 100));
      total += ms_share;
      parts.push_back(fmt::format("{} of {}", share_text(*pct), stdlib::format_duration(stdlib::Duration{*sla})));
    } else {
      return;  // known only per item
    }
    if (total <= *sla) continue;
    auto& d = diags.report("W0514", s.duration->range,
                           fmt::format("for process `{}`, the {} up to this one last {} ({}), past its {} SLA", p.name,
                                       t.is_inline ? std::string("target stages") : "stages of " + plan_text(t),
                                       stdlib::format_duration(stdlib::Duration{total}), join_plus(parts), stdlib::format_duration(stdlib::Duration{*sla})));
    d.labels.push_back({p.range, fmt::format("process `{}` has an SLA of {}", p.name, stdlib::format_duration(stdlib::Duration{*sla}))});
    if (e.sla_calendar >= 0)
      d.notes.push_back(fmt::format("the SLA counts open time in calendar `{}`; the stage durations are compared with "
                                    "it as written",
                                    rs.calendars[static_cast<std::size_t>(e.sla_calendar)].name));
    d.notes.push_back("from this stage on, the stages end only after the item is due; shorten them or give the "
                      "process a longer SLA");
    return;
  }
}

}  // namespace

void check_targets(const BoundRuleset& rs, DiagnosticBag& diags) {
  std::vector<bool> shares_reported(rs.targets.size());
  for (std::size_t i = 0; i < rs.targets.size(); ++i) {
    check_final_stage(rs.targets[i], diags);
    shares_reported[i] = check_shares(rs.targets[i], diags);
  }
  for (const auto& p : rs.processes) {
    const std::int32_t t = rs.effective(p).targets;
    if (t >= 0 && !shares_reported[static_cast<std::size_t>(t)]) check_past_sla(rs, p, diags);
  }
}

}  // namespace iwd::compiler::checks
