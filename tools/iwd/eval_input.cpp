#include "tools/iwd/eval_input.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "runtime/replay/agent_line.h"

namespace iwd::cli {

bool parse_at(const std::string& text, std::int64_t* at, std::string* error) {
  if (text.empty()) {
    *at = runtime::SystemClock().now().ms_since_epoch;
    return true;
  }
  auto r = stdlib::parse_instant(text);
  if (!r.ok()) {
    *error = r.error;
    return false;
  }
  *at = r.value.instant.ms_since_epoch;
  return true;
}

runtime::DecodeOptions eval_decode_options(std::int64_t at) {
  runtime::DecodeOptions decode;
  decode.captured_at = stdlib::Instant{at};
  decode.default_id = "eval";  // what-if evaluation: items need no source key
  decode.allow_missing_required = true;  // as the runtime's capture: the rules reject the item
  return decode;
}

DecodedItem decode_eval_item(const runtime::Schema& schema, runtime::StringPool& pool, std::string_view text,
                             std::int64_t at) {
  DecodedItem out;
  auto rec = runtime::decode_item(schema, pool, text, eval_decode_options(at));
  if (rec.ok()) {
    out.record = std::move(rec.value);
    return out;
  }
  out.error = rec.error;
  // The decoder's messages for what is not an object of attributes (runtime/item_json.h).
  const bool not_an_object = rec.error.starts_with("malformed JSON") || rec.error.starts_with("expected a JSON object");
  out.status = not_an_object ? DecodedItem::BadInput : DecodedItem::Refused;
  return out;
}

bool LineReader::fill() {
  if (eof_) return false;
  // Drop the lines already returned, then read after what remains of a partial line.
  buf_.erase(0, pos_);
  pos_ = 0;
  const std::size_t kept = buf_.size();
  buf_.resize(kept + 64 * 1024);
  ssize_t n;
  do n = ::read(fd_, buf_.data() + kept, buf_.size() - kept);
  while (n < 0 && errno == EINTR);
  buf_.resize(kept + static_cast<std::size_t>(n > 0 ? n : 0));
  if (n < 0) error_ = std::strerror(errno);
  if (n <= 0) eof_ = true;
  return n > 0;
}

bool LineReader::next(std::string_view* line) {
  for (;;) {
    if (const std::size_t nl = buf_.find('\n', pos_); nl != std::string::npos) {
      *line = std::string_view(buf_).substr(pos_, nl - pos_);
      pos_ = nl + 1;
      return true;
    }
    if (!fill()) break;
  }
  if (pos_ == buf_.size()) return false;
  *line = std::string_view(buf_).substr(pos_);  // the last line, without its '\n'
  pos_ = buf_.size();
  return true;
}

bool LineReader::ready() {
  if (eof_ || buf_.find('\n', pos_) != std::string::npos) return true;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;  // an error too: next() will not wait to report it
}

std::unique_ptr<EvalAgents> EvalAgents::create(const runtime::abi::RulesV1& rules, runtime::StringPool& pool,
                                               std::string* error) {
  std::unique_ptr<EvalAgents> a(new EvalAgents(rules, pool));
  a->runtime_ = runtime::Runtime::create(rules, pool, a->clock_, a->events_, runtime::RuntimeOptions{}, error);
  return a->runtime_ ? std::move(a) : nullptr;
}

std::string EvalAgents::add(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return "malformed JSON: an agent is a JSON object like {\"id\": \"a1\", \"skills\": {\"phone\": 5}}";
  // What-if evaluation: an agent needs no id (the runtime's decoder asks for one).
  const bool anonymous = j.is_object() && !j.contains("id");
  if (anonymous) j["id"] = "";
  runtime::AgentUpdate u;
  if (std::string e = runtime::replay::parse_agent(j, rules_, pool_, *runtime_, &u); !e.empty()) return e;
  // As the runtime registers a new agent (Runtime::agent): no skills unless given.
  runtime::Agent& agent = agents_.emplace_back();
  agent.id = anonymous ? runtime::kNoId : u.id;
  agent.skills = u.skills ? *u.skills : std::vector<std::int8_t>(static_cast<std::size_t>(rules_.skill_count), -1);
  if (u.groups) agent.groups = *u.groups;
  if (u.attributes)
    for (const auto& [name, value] : *u.attributes) {
      agent.attribute_names.push_back(name);
      agent.attribute_values.push_back(value);
    }
  return {};
}

std::vector<runtime::abi::Agent> EvalAgents::views() const {
  std::vector<runtime::abi::Agent> out;
  for (const auto& a : agents_) out.push_back(a.view());
  return out;
}

}  // namespace iwd::cli
