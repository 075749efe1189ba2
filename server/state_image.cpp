#include "server/state_image.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <chrono>
#include <cstring>
#include <unordered_map>

#include "runtime/item_json.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using runtime::ItemState;

int phase(ItemState s) {
  switch (s) {
    case ItemState::Assigned:
    case ItemState::Parked:
    case ItemState::DonePending:
    case ItemState::Held: return 0;
    case ItemState::Offered: return 1;
    default: return 2;
  }
}

void problem(RestoreReport* r, std::string text) {
  if (r->problems.size() < RestoreReport::kMaxProblems) r->problems.push_back(std::move(text));
  else ++r->more_problems;
}

std::optional<ItemState> item_state_named(const std::string& name) {
  for (int s = static_cast<int>(ItemState::Deferred); s <= static_cast<int>(ItemState::Held); ++s)
    if (runtime::item_state_name(static_cast<ItemState>(s)) == name) return static_cast<ItemState>(s);
  return std::nullopt;
}

std::optional<runtime::AgentState> agent_state_named(const std::string& name) {
  for (auto s : {runtime::AgentState::LoggedOut, runtime::AgentState::Ready, runtime::AgentState::NotReady})
    if (runtime::agent_state_name(s) == name) return s;
  return std::nullopt;
}

}  // namespace

StateImage image_of(const runtime::Runtime& rt) {
  StateImage image;
  const runtime::StringPool& pool = rt.pool();
  for (const runtime::Agent& a : rt.agents()) {
    AgentImage ai;
    ai.id = pool.view(a.id);
    for (std::size_t s = 0; s < a.skills.size() && s < static_cast<std::size_t>(rt.rules().skill_count); ++s)
      if (a.skills[s] >= 0) ai.skills.emplace_back(rt.rules().skill_names[s], a.skills[s]);
    for (std::uint32_t g : a.groups) ai.groups.emplace_back(pool.view(g));
    for (std::size_t k = 0; k < a.attribute_names.size(); ++k)
      ai.attributes.emplace_back(pool.view(a.attribute_names[k]), pool.view(a.attribute_values[k]));
    for (std::uint32_t m = 0; m < a.limits.size(); ++m) ai.media_limits.emplace_back(pool.view(rt.media_id(m)), a.limits[m]);
    ai.other_media = a.other_media;
    ai.total = a.total;
    ai.state = a.state;
    if (a.reason != runtime::kNoId) ai.reason = std::string(pool.view(a.reason));
    image.agents.push_back(std::move(ai));
  }
  std::vector<const runtime::WorkItem*> open;
  for (const runtime::WorkItem& item : rt.items())
    if (runtime::is_open(item.state)) open.push_back(&item);
  std::stable_sort(open.begin(), open.end(), [](const runtime::WorkItem* a, const runtime::WorkItem* b) {
    if (phase(a->state) != phase(b->state)) return phase(a->state) < phase(b->state);
    const std::uint64_t pa = a->place ? a->place : a->serial, pb = b->place ? b->place : b->serial;
    return pa < pb;
  });
  for (const runtime::WorkItem* item : open) {
    ItemImage ii;
    ii.attributes = runtime::encode_item(rt.schema(), pool, item->record);
    ii.state = item->state;
    if (item->agent != runtime::kNoIndex) ii.agent = std::string(pool.view(rt.agents()[item->agent].id));
    ii.state_deadline = rt.state_deadline(*item);
    if (const runtime::PriorityOverride* o = rt.priority_override(*item)) ii.priority_override = *o;
    image.items.push_back(std::move(ii));
  }
  return image;
}

RestoreReport restore(const StateImage& image, runtime::Runtime& to) {
  RestoreReport report;
  runtime::StringPool& pool = to.pool();
  const auto& rules = to.rules();
  for (const AgentImage& ai : image.agents) {
    runtime::AgentUpdate u;
    u.id = pool.intern(ai.id);
    std::vector<std::int8_t> skills(static_cast<std::size_t>(rules.skill_count), std::int8_t{-1});
    for (const auto& [name, level] : ai.skills)
      for (std::int32_t s = 0; s < rules.skill_count; ++s)
        if (name == rules.skill_names[s]) skills[static_cast<std::size_t>(s)] = static_cast<std::int8_t>(level);
    u.skills = std::move(skills);
    u.groups.emplace();
    for (const auto& g : ai.groups) u.groups->push_back(pool.intern(g));
    u.attributes.emplace();
    for (const auto& [name, value] : ai.attributes) u.attributes->emplace_back(pool.intern(name), pool.intern(value));
    runtime::CapacitySpec capacity;
    for (const auto& [media, limit] : ai.media_limits) capacity.media.emplace_back(pool.intern(media), limit);
    capacity.other_media = ai.other_media;
    capacity.total = ai.total;
    u.capacity = std::move(capacity);
    u.state = ai.state;
    if (ai.reason) u.reason = pool.intern(*ai.reason);
    if (runtime::Status s = to.agent(u); !s.ok()) problem(&report, fmt::format("agent `{}`: {}", ai.id, s.error));
    else ++report.agents;
  }
  const runtime::Schema& schema = to.schema();
  runtime::DecodeOptions options;
  options.allow_missing_required = true;
  for (const ItemImage& ii : image.items) {
    // Under the same schema (a snapshot, most reloads) the text decodes as it is; else the
    // attributes the new schema lacks are dropped first (reported), and decoded again.
    auto record = runtime::decode_item(schema, pool, ii.attributes, options);
    if (!record.ok()) {
      json attributes = json::parse(ii.attributes, nullptr, false);
      if (!attributes.is_object()) {
        problem(&report, "an item's attributes are not a JSON object");
        continue;
      }
      const std::string id =
          attributes.contains("id") && attributes["id"].is_string() ? attributes["id"].get<std::string>() : "?";
      for (auto it = attributes.begin(); it != attributes.end();) {
        const bool known = std::any_of(schema.attributes.begin(), schema.attributes.end(),
                                       [&](const auto& a) { return a.name == it.key(); });
        if (known) {
          ++it;
        } else {
          report.dropped_attributes.insert(it.key());
          it = attributes.erase(it);
        }
      }
      record = runtime::decode_item_object(schema, pool, attributes, options);
      if (!record.ok()) {
        problem(&report, fmt::format("item `{}`: {}", id, record.error));
        continue;
      }
    }
    const std::uint32_t agent = ii.agent ? pool.intern(*ii.agent) : runtime::kNoId;
    const runtime::PriorityOverride* override = ii.priority_override ? &*ii.priority_override : nullptr;
    if (runtime::Status s = to.adopt(std::move(record.value), ii.state, agent, ii.state_deadline, override); !s.ok())
      problem(&report, s.error);
    else
      ++report.items;
  }
  return report;
}

json image_json(const StateImage& image) {
  json agents = json::array();
  for (const AgentImage& a : image.agents) {
    json j{{"id", a.id}, {"state", runtime::agent_state_name(a.state)}, {"skills", json::array()}, {"groups", a.groups},
           {"attributes", json::array()}, {"media_limits", json::array()}, {"other_media", a.other_media}, {"total", a.total}};
    for (const auto& [n, v] : a.skills) j["skills"].push_back(json::array({n, v}));
    for (const auto& [n, v] : a.attributes) j["attributes"].push_back(json::array({n, v}));
    for (const auto& [n, v] : a.media_limits) j["media_limits"].push_back(json::array({n, v}));
    if (a.reason) j["reason"] = *a.reason;
    agents.push_back(std::move(j));
  }
  json items = json::array();
  for (const ItemImage& i : image.items) {
    json j{{"attributes", i.attributes}, {"state", runtime::item_state_name(i.state)}, {"deadline", i.state_deadline}};
    if (i.agent) j["agent"] = *i.agent;
    items.push_back(std::move(j));
  }
  return json{{"agents", std::move(agents)}, {"items", std::move(items)}};
}

std::optional<StateImage> image_from_json(const json& j, std::string* error) {
  StateImage image;
  try {
    for (const json& a : j.at("agents")) {
      AgentImage ai;
      ai.id = a.at("id").get<std::string>();
      auto state = agent_state_named(a.at("state").get<std::string>());
      if (!state) throw std::runtime_error("an agent's state");
      ai.state = *state;
      for (const json& s : a.at("skills")) ai.skills.emplace_back(s.at(0).get<std::string>(), s.at(1).get<std::int32_t>());
      ai.groups = a.at("groups").get<std::vector<std::string>>();
      for (const json& s : a.at("attributes")) ai.attributes.emplace_back(s.at(0).get<std::string>(), s.at(1).get<std::string>());
      for (const json& s : a.at("media_limits")) ai.media_limits.emplace_back(s.at(0).get<std::string>(), s.at(1).get<std::int32_t>());
      ai.other_media = a.at("other_media").get<std::int32_t>();
      ai.total = a.at("total").get<std::int32_t>();
      if (a.contains("reason")) ai.reason = a["reason"].get<std::string>();
      image.agents.push_back(std::move(ai));
    }
    for (const json& i : j.at("items")) {
      ItemImage ii;
      ii.attributes = i.at("attributes").get<std::string>();
      auto state = item_state_named(i.at("state").get<std::string>());
      if (!state) throw std::runtime_error("an item's state");
      ii.state = *state;
      ii.state_deadline = i.at("deadline").get<std::int64_t>();
      if (i.contains("agent")) ii.agent = i["agent"].get<std::string>();
      image.items.push_back(std::move(ii));
    }
  } catch (const std::exception& e) {
    *error = std::string("the snapshot is damaged: ") + e.what();
    return std::nullopt;
  }
  return image;
}

}  // namespace iwd::server

// --- Format 2.

namespace iwd::server {
namespace {

constexpr std::string_view kMagic = "IWDSNAP2";
// 2: the index without capture instants and answers; 3: without the marks' sources; 4: every
// string pinned (5 marks an item's id alone in its length's top bit: releasable after a
// restart too, runtime/intern.h); 5: each mark's answer in full (6: the distinct answers as
// the log keeps them, before the index, and each mark their number).
constexpr std::uint32_t kFormat = kImageFormat;
constexpr std::uint32_t kNoAnswer = 0xffffffffu;  // format 6: a mark without an answer kept
constexpr std::uint32_t kItemIdBit = 0x80000000u;

template <typename T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads the head's fields; throws runtime::FrameError past its end.
class HeadReader {
 public:
  explicit HeadReader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  T get() {
    T v;
    need(sizeof v);
    std::memcpy(&v, bytes_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string_view take(std::size_t n) {
    need(n);
    const std::string_view s = bytes_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::size_t left() const { return bytes_.size() - at_; }

 private:
  void need(std::size_t n) const {
    if (left() < n) throw runtime::FrameError("it ends early");
  }
  std::string_view bytes_;
  std::size_t at_ = 0;
};

}  // namespace

StateCapture capture_state(const runtime::Runtime& rt, const CaptureIndex& captured, AnswerLog::View answers,
                           runtime::FrameBuffer frame) {
  using Clock = std::chrono::steady_clock;
  const auto ms = [](Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration<double, std::milli>(to - from).count();
  };
  StateCapture c;
  // Before anything is copied: no number the capture names is reused until it is encoded.
  c.reader = std::make_unique<runtime::StringPool::Reader>(rt.pool().reader());
  c.answers = std::move(answers);
  c.pool_size = rt.pool().size();
  const auto began = Clock::now();
  runtime::FrameWriter out(c.pool_size);
  if (frame.size() == 0) out.bytes() = std::move(frame);  // save_state's reserve keeps it when it is large enough
  rt.save_state(out);
  c.frame = std::move(out.bytes());
  c.marks = std::move(out.marks());
  const auto framed = Clock::now();
  c.captured = captured;
  c.frame_ms = ms(began, framed);
  c.index_ms = ms(framed, Clock::now());
  c.agents = rt.agents().size();
  c.items = rt.open_items();
  return c;
}

std::string encode_image_head(StateCapture& c, const runtime::StringPool& pool, std::uint32_t format) {
  assert(format == 5 || format == kFormat);
  auto name = [&c](std::uint32_t id) {
    if (id / 64 < c.marks.size()) c.marks[id / 64] |= std::uint64_t{1} << (id % 64);
  };
  c.captured.each([&name](std::uint32_t id, const CaptureMark& m) {
    name(id);
    if (m.source < CaptureMark::kSourceNone) name(m.source);  // its source's name, as a string of the image
  });
  std::uint32_t strings = 0;
  std::size_t bytes = 0;
  for (std::uint32_t id = 0; id < c.pool_size; ++id)
    if ((c.marks[id / 64] >> (id % 64)) & 1) {
      ++strings;
      bytes += pool.view(id).size();
    }
  // The answers in the index's order (by id): each mark's, if kept (of two captures of the id
  // at the mark's instant, the later: this life's), its entry's number or none. Only the
  // answers of the index's captures (answer_of_marked_capture; CaptureWindow::answers gives them all).
  c.answers.retain([&c](const AnswerLog::Entry& e) { return answer_of_marked_capture(c.captured, e); });
  c.answers.sort_by_id();
  std::vector<std::size_t> answer_of;  // by mark, in the index's order
  answer_of.reserve(c.captured.size());
  std::size_t answer = 0;
  c.captured.each([&](std::uint32_t id, const CaptureMark&) {
    while (answer < c.answers.size() && (c.answers.entry(answer).id < id ||
                                         (answer + 1 < c.answers.size() && c.answers.entry(answer + 1).id == id)))
      ++answer;
    answer_of.push_back(answer < c.answers.size() && c.answers.entry(answer).id == id ? answer : SIZE_MAX);
  });
  // Format 6: the distinct kept answers (entries that share the log's bytes share one), numbered.
  std::vector<std::uint32_t> number_of;  // by mark
  std::vector<std::size_t> distinct;     // entries, one a number
  if (format >= 6) {
    std::unordered_map<const char*, std::uint32_t> numbers;
    number_of.reserve(answer_of.size());
    for (const std::size_t k : answer_of) {
      if (k == SIZE_MAX) {
        number_of.push_back(kNoAnswer);
        continue;
      }
      const auto [it, added] = numbers.try_emplace(c.answers.kept(k).data(), static_cast<std::uint32_t>(distinct.size()));
      if (added) {
        distinct.push_back(k);
        bytes += c.answers.entry(k).bytes();
      }
      number_of.push_back(it->second);
    }
  } else {
    for (std::size_t k = 0; k < c.answers.size(); ++k) bytes += c.answers.entry(k).bytes();
  }
  std::string out;
  out.reserve(64 + bytes + 8 * std::size_t{strings} + 8 * distinct.size() + 33 * c.captured.size());
  out.append(kMagic);
  put(out, format);
  put(out, c.pool_size);
  put(out, strings);
  for (std::uint32_t id = 0; id < c.pool_size; ++id)
    if ((c.marks[id / 64] >> (id % 64)) & 1) {
      const std::string_view s = pool.view(id);
      put(out, id);
      put(out, static_cast<std::uint32_t>(s.size()) | (pool.releasable(id) ? kItemIdBit : 0));
      out.append(s);
    }
  if (format >= 6) {
    put(out, static_cast<std::uint32_t>(distinct.size()));
    for (const std::size_t k : distinct) {
      put(out, c.answers.entry(k).length);  // its size, and kRaw
      out.append(c.answers.kept(k));
    }
  }
  put(out, static_cast<std::uint32_t>(c.captured.size()));
  std::size_t mark = 0;
  c.captured.each([&](std::uint32_t id, const CaptureMark& m) {
    put(out, id);
    put(out, m.body_hash);
    put(out, static_cast<std::uint8_t>(m.ended));
    put(out, m.at);
    put(out, m.source);  // by its id here, as the index's ids (or kSourceUnread, kSourceNone)
    if (format >= 6) {
      put(out, number_of[mark++]);
      return;
    }
    const std::size_t k = answer_of[mark++];
    const std::string body = k != SIZE_MAX ? c.answers.answer(k, pool.view(id)) : "";
    put(out, static_cast<std::uint32_t>(body.size()));
    out.append(body);
  });
  put(out, static_cast<std::uint64_t>(c.frame.size()));
  c.reader.reset();  // every string is read: their numbers may be reused
  return out;
}

bool is_binary_image(std::string_view image) { return image.substr(0, kMagic.size()) == kMagic; }

std::string load_image(std::string_view image, runtime::Runtime& into, CaptureIndex* captured,
                       std::vector<LoadedAnswer>* answers) {
  runtime::StringPool& pool = into.pool();
  std::vector<std::uint32_t> ids;
  std::string_view frame;
  try {
    HeadReader in(image);
    if (in.take(kMagic.size()) != kMagic) return "it is not a binary snapshot image";
    const auto format = in.get<std::uint32_t>();
    if (format < 2 || format > kFormat)
      return fmt::format("its format is {}; this server reads formats 1 to {}", format, kFormat);
    in.get<std::uint32_t>();  // the size of the pool it was taken from (ids are below it)
    // The strings, by their ids there; a table of those ids to the ones here (as far as the
    // largest: the pool may have held many more strings than the image names).
    std::vector<std::pair<std::uint32_t, std::string_view>> strings;
    std::uint32_t largest = 0;
    std::vector<bool> item_ids;  // format 5: which strings are an item's id alone
    for (std::uint32_t n = in.get<std::uint32_t>(); n > 0; --n) {
      const auto id = in.get<std::uint32_t>();
      auto length = in.get<std::uint32_t>();
      item_ids.push_back(format >= 5 && (length & kItemIdBit) != 0);
      if (format >= 5) length &= ~kItemIdBit;
      strings.emplace_back(id, in.take(length));
      largest = std::max(largest, id);
    }
    ids.assign(strings.empty() ? 0 : std::size_t{largest} + 1, runtime::kNoId);
    for (std::size_t k = 0; k < strings.size(); ++k) {
      const auto [id, text] = strings[k];
      if (ids[id] != runtime::kNoId) throw runtime::FrameError("a string is listed twice");
      ids[id] = item_ids[k] ? pool.intern_item(text) : pool.intern(text);
    }
    // Format 6: the distinct answers, as the log keeps them, by number.
    std::vector<std::pair<std::string_view, bool>> kept;  // bytes, raw
    if (format >= 6)
      for (std::uint32_t n = in.get<std::uint32_t>(); n > 0; --n) {
        const auto length = in.get<std::uint32_t>();
        kept.emplace_back(in.take(length & ~AnswerLog::Entry::kRaw), (length & AnswerLog::Entry::kRaw) != 0);
        if (kept.back().first.empty()) throw runtime::FrameError("an answer of its index is empty");
      }
    auto source_here = [&ids](std::uint32_t source) {
      if (source >= CaptureMark::kSourceNone) return source;
      if (source >= ids.size() || ids[source] == runtime::kNoId)
        throw runtime::FrameError("a source of its index is not among its strings");
      return ids[source];
    };
    for (std::uint32_t n = in.get<std::uint32_t>(); n > 0; --n) {
      const auto id = in.get<std::uint32_t>();
      const auto hash = in.get<std::uint64_t>();
      const auto ended = in.get<std::uint8_t>();
      if (id >= ids.size() || ids[id] == runtime::kNoId) throw runtime::FrameError("an id of its index is not among its strings");
      if (ended != 0 && (ended > static_cast<std::uint8_t>(ItemState::Rejected) || runtime::is_open(static_cast<ItemState>(ended))))
        throw runtime::FrameError("an id of its index ended in no known way");
      CaptureMark mark{hash, static_cast<ItemState>(ended)};
      if (format >= 3) {
        mark.at = in.get<std::int64_t>();
        // Format 3 did not say whose (kSourceUnread: the history's capture record is read).
        if (format >= 4) mark.source = source_here(in.get<std::uint32_t>());
        if (format >= 6) {
          const auto number = in.get<std::uint32_t>();
          if (number != kNoAnswer && number >= kept.size())
            throw runtime::FrameError("an answer of its index is not among its answers");
          if (number != kNoAnswer && answers)
            answers->push_back(LoadedAnswer{ids[id], kept[number].first, true, kept[number].second});
        } else {
          const std::string_view body = in.take(in.get<std::uint32_t>());
          if (!body.empty() && answers) answers->push_back(LoadedAnswer{ids[id], body, false, false});
        }
      }
      captured->set(ids[id], mark);
    }
    const auto size = in.get<std::uint64_t>();
    if (size != in.left()) throw runtime::FrameError("its runtime state is not the size it says");
    frame = in.take(size);
  } catch (const runtime::FrameError& e) {
    return std::string("the image is damaged: ") + e.what();
  }
  runtime::FrameReader reader(frame, ids);
  if (runtime::Status s = into.load_state(reader); !s.ok()) return s.error;
  return {};
}

}  // namespace iwd::server
