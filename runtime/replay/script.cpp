// Replay scripts: one JSON object a line, `"at"` and at most one operation.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>

#include "runtime/item_json.h"
#include "runtime/replay/replay.h"
#include "stdlib/spelling.h"

namespace iwd::runtime::replay {
namespace {

using json = nlohmann::json;

// In the order of Op after None.
constexpr std::array<std::string_view, 20> kOperations = {
    "capture", "update", "cancel", "hold", "resume", "restart", "reschedule", "complete", "agent",
    "accept", "reject", "done", "park", "pull", "return", "transfer", "assign", "requeue", "priority", "start"};
static_assert(kOperations.size() == static_cast<std::size_t>(Op::Start));

}  // namespace

std::string_view op_name(Op op) {
  const auto k = static_cast<std::size_t>(op);
  return k == 0 || k > kOperations.size() ? std::string_view{} : kOperations[k - 1];
}

Op op_named(std::string_view name) {
  for (std::size_t k = 0; k < kOperations.size(); ++k)
    if (kOperations[k] == name) return static_cast<Op>(k + 1);
  return Op::None;
}

std::string parse_line(std::string_view text, std::int64_t start, ScriptLine* out) {
  if (std::string e = json_nesting_error(text, 64); !e.empty()) return e;
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    return "malformed JSON: " + json_error_text(e.what());
  }
  if (!j.is_object()) return "a script line is a JSON object like {\"at\": \"90s\", \"capture\": {...}}";
  *out = ScriptLine{};
  bool has_at = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "at") {
      if (!it->is_string()) return "`at` is a duration from the start (\"90s\") or an instant (\"2026-11-23T09:00:00Z\")";
      const std::string at = it->get<std::string>();
      if (auto d = stdlib::parse_duration(at); d.ok()) {
        if (d.value.ms < 0) return fmt::format("`at` {} is before the start", at);
        out->at = start + d.value.ms;
      } else if (auto t = stdlib::parse_instant(at); t.ok()) {
        out->at = t.value.instant.ms_since_epoch;
      } else {
        return fmt::format("`at` \"{}\" is neither a duration (\"90s\") nor an instant (\"2026-11-23T09:00:00Z\")", at);
      }
      has_at = true;
      continue;
    }
    if (key == "by") {
      if (!it->is_string()) return "`by` names who made the change (a string)";
      out->by = it->get<std::string>();
      continue;
    }
    const Op op = op_named(key);
    if (op == Op::None) {
      std::string hint = stdlib::suggest_name(key, std::span<const std::string_view>(kOperations));
      return fmt::format("unknown operation `{}`{}", key, hint.empty() ? "" : fmt::format(" (did you mean `{}`?)", hint));
    }
    if (out->op != Op::None)
      return fmt::format("a line holds one operation; this one has `{}` and `{}`", op_name(out->op), key);
    out->op = op;
    out->value = std::move(*it);
  }
  if (out->op == Op::Start) {
    if (has_at) return "a `start` line has no `at`";
    return {};
  }
  if (!has_at) return "a script line needs `at`";
  return {};
}

}  // namespace iwd::runtime::replay
