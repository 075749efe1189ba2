#include "tools/iwd/eval_input.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
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

namespace {

// Whether two short strings (names, a file's values) are equal, compared inline 8 bytes at a
// time (issue 19: memcmp called for each key and value was a tenth of decoding).
// The tail shorter than a word is compared as one word (or two halves) overlapping what was
// compared before it, not a byte at a time (the byte loop was an eighth of decoding's samples).
inline bool same(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const auto word = [](const char* p) {
    std::uint64_t x;
    std::memcpy(&x, p, 8);
    return x;
  };
  const auto half = [](const char* p) {
    std::uint32_t x;
    std::memcpy(&x, p, 4);
    return x;
  };
  if (n >= 8) {
    for (std::size_t k = 0; k + 8 < n; k += 8)
      if (word(a.data() + k) != word(b.data() + k)) return false;
    return word(a.data() + n - 8) == word(b.data() + n - 8);
  }
  if (n >= 4) return half(a.data()) == half(b.data()) && half(a.data() + n - 4) == half(b.data() + n - 4);
  for (std::size_t k = 0; k < n; ++k)
    if (a[k] != b[k]) return false;
  return true;
}

// One pass over a flat JSON object straight into the record, for the items that are plain
// (what `--items` files hold): keys and string values without escapes, control or non-ASCII
// bytes, numbers, true and false. False at anything else (an error, null, a list, a float for
// an integer, a key twice, an unknown name, a value the slot refuses), and the caller then
// decodes the line with the runtime's decoder, which gives the same record or its message.
// The caller's `names` says which slot the line's k-th key names (`slot(k, key)`, -1 for none),
// what the k-th key most likely is (`predicted(k, &slot)`: a plain name and its closing quote,
// or empty) and what number a string value has (`intern(slot, text)`).
template <typename Names>
class FlatReader {
 public:
  FlatReader(const runtime::Schema& schema, Names& names, std::string_view text)
      : schema_(schema), names_(names), p_(text.data()), end_(text.data() + text.size()) {}

  bool read(runtime::ItemRecord& rec, std::vector<bool>& given) {
    if (!eat('{')) return false;
    if (eat('}')) return at_end();
    std::size_t k = 0;
    do {
      if (!eat('"')) return false;
      // The key the k-th key of the line before was, with its closing quote (names_.predicted):
      // when the line has it here, the key is that name (a plain name holds no quote, escape,
      // control or non-ASCII byte, so the scan would end at that quote) and its slot is known.
      int slot = -1;
      const std::string_view guess = names_.predicted(k, &slot);
      if (!guess.empty() && static_cast<std::size_t>(end_ - p_) >= guess.size() &&
          same(guess, std::string_view(p_, guess.size()))) {
        p_ += guess.size();
        ++k;
      } else {
        std::string_view key;
        if (!string_body(&key)) return false;
        slot = names_.slot(k++, key);
      }
      if (!eat(':')) return false;
      if (slot < 0 || given[static_cast<std::size_t>(slot)]) return false;
      if (!value(static_cast<std::uint32_t>(slot), rec)) return false;
      given[static_cast<std::size_t>(slot)] = true;
    } while (eat(','));
    return eat('}') && at_end();
  }

 private:
  void space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool eat(char c) {
    space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool at_end() {
    space();
    return p_ == end_;
  }
  bool string(std::string_view* out) { return eat('"') && string_body(out); }
  // A string's text after its opening quote, up to the closing one (then passed): false at an
  // escape, a control or non-ASCII byte, or the end of the line. Eight bytes at a time (issue
  // 19: the byte loop was a third of decoding): each term below flags the bytes of a word that
  // are a quote, a backslash, under 0x20 or over 0x7f, exactly up to its first true flag (a
  // borrow can only flag bytes above it), so the lowest flag of all is the first such byte.
  bool string_body(std::string_view* out) {
    const char* start = p_;
    constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
    while (end_ - p_ >= 8) {
      std::uint64_t x;
      std::memcpy(&x, p_, 8);
      const std::uint64_t quote = x ^ (ones * '"'), slash = x ^ (ones * '\\');
      const std::uint64_t flags = (((x - ones * 0x20) & ~x) | x | ((quote - ones) & ~quote) | ((slash - ones) & ~slash)) & highs;
      if (flags != 0) {
        p_ += std::countr_zero(flags) / 8;
        break;
      }
      p_ += 8;
    }
    for (; p_ < end_ && *p_ != '"'; ++p_)
      if (*p_ == '\\' || static_cast<unsigned char>(*p_) < 0x20 || static_cast<unsigned char>(*p_) >= 0x80) return false;
    if (p_ == end_) return false;
    *out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }
  // A JSON number's text (RFC 8259's grammar); `integral`: without fraction or exponent.
  bool number(std::string_view* out, bool* integral) {
    const char* start = p_;
    auto digits = [this] {
      const char* d = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ > d;
    };
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ < end_ && *p_ == '0') ++p_;
    else if (!digits()) return false;
    *integral = true;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) return false;
      *integral = false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digits()) return false;
      *integral = false;
    }
    *out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    return true;
  }
  bool word(std::string_view w) {
    if (static_cast<std::size_t>(end_ - p_) < w.size() || std::string_view(p_, w.size()) != w) return false;
    p_ += w.size();
    return true;
  }
  bool value(std::uint32_t i, runtime::ItemRecord& rec) {
    using runtime::SlotType;
    const runtime::AttributeSpec& a = schema_.attributes[i];
    space();
    if (p_ == end_) return false;
    if (a.type == SlotType::Bool) {
      if (word("true")) rec.set_int(i, 1);
      else if (word("false")) rec.set_int(i, 0);
      else return false;
      return true;
    }
    if (a.type == SlotType::Int || a.type == SlotType::Number) {
      // An integer of 1 to 18 digits without a leading zero (what files hold), read as it is
      // scanned (issue 19: number() then from_chars read each twice); anything else, an int64's
      // larger values among them, below.
      const bool negative = *p_ == '-';
      const char* q = p_ + (negative ? 1 : 0);
      const char* const digits = q;
      std::uint64_t u = 0;
      while (q < end_ && q - digits < 19 && static_cast<unsigned>(*q - '0') < 10) u = u * 10 + static_cast<unsigned>(*q++ - '0');
      const auto n = q - digits;
      if (n >= 1 && n <= 18 && (n == 1 || *digits != '0') &&
          (q == end_ || (*q != '.' && *q != 'e' && *q != 'E' && static_cast<unsigned>(*q - '0') >= 10))) {
        p_ = q;
        const std::int64_t v = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
        if (a.type == SlotType::Int) rec.set_int(i, v);
        else rec.set_number(i, static_cast<double>(v));
        return true;
      }
      std::string_view text;
      bool integral = false;
      if (!number(&text, &integral)) return false;
      const char* last = text.data() + text.size();
      if (integral) {  // as the JSON parser holds it: an int64, then converted for a number
        std::int64_t v = 0;
        if (std::from_chars(text.data(), last, v).ec != std::errc{}) return false;
        if (a.type == SlotType::Int) rec.set_int(i, v);
        else rec.set_number(i, static_cast<double>(v));
        return true;
      }
      double d = 0;  // correctly rounded, as the JSON parser's strtod
      if (a.type == SlotType::Int || std::from_chars(text.data(), last, d).ec != std::errc{}) return false;
      rec.set_number(i, d);
      return true;
    }
    std::string_view text;
    if (!string(&text)) return false;
    switch (a.type) {
      case SlotType::String: rec.set_string(i, names_.intern(i, text)); return true;
      case SlotType::Time: {
        std::int64_t ms = 0;
        if (!names_.instant(text, &ms)) return false;
        rec.set_int(i, ms);
        return true;
      }
      case SlotType::Duration: {
        auto r = stdlib::parse_duration(text);
        if (!r) return false;
        rec.set_int(i, r.value.ms);
        return true;
      }
      case SlotType::Enum: {
        const runtime::EnumSpec& e = schema_.enums[static_cast<std::size_t>(a.enum_index)];
        if (text.size() > e.name.size() + 1 && text.substr(0, e.name.size()) == e.name && text[e.name.size()] == '.')
          text.remove_prefix(e.name.size() + 1);
        for (std::size_t k = 0; k < e.values.size(); ++k)
          if (same(e.values[k], text)) {
            rec.set_int(i, static_cast<std::int64_t>(k));
            return true;
          }
        return false;
      }
      default: return false;
    }
  }

  const runtime::Schema& schema_;
  Names& names_;
  const char* p_;
  const char* end_;
};

// What the item does not give, as decode_item_object with the options of `at`.
void fill_absent(const runtime::Schema& schema, runtime::StringPool& pool, std::int64_t at, const std::vector<bool>& given,
                 runtime::ItemRecord& rec) {
  const runtime::DecodeOptions options = eval_decode_options(at);
  for (std::uint32_t i = 0; i < schema.attributes.size(); ++i) {
    if (given[i]) continue;
    const runtime::AttributeSpec& a = schema.attributes[i];
    if (i == runtime::kSlotCapturedAt) rec.set_int(i, options.captured_at.ms_since_epoch);
    else if (i == runtime::kSlotId) rec.set_string(i, pool.intern(*options.default_id));
    else if (a.default_value) runtime::apply_default(pool, a, i, rec);
  }
}

// The record decode_item gives for a plain line, or false (see FlatReader).
bool decode_flat(const runtime::Schema& schema, runtime::StringPool& pool, std::string_view text, std::int64_t at,
                 runtime::ItemRecord* out) {
  runtime::ItemRecord rec(schema);
  std::vector<bool> given(schema.attributes.size(), false);
  struct {
    const runtime::Schema& schema;
    runtime::StringPool& pool;
    std::string_view predicted(std::size_t, int*) const { return {}; }
    int slot(std::size_t, std::string_view key) const { return schema.find(key); }
    std::uint32_t intern(std::uint32_t, std::string_view text) const { return pool.intern(text); }
    bool instant(std::string_view text, std::int64_t* ms) const {
      auto r = stdlib::parse_instant(text);
      if (r) *ms = r.value.instant.ms_since_epoch;
      return r.ok();
    }
  } names{schema, pool};
  if (!FlatReader(schema, names, text).read(rec, given)) return false;
  fill_absent(schema, pool, at, given, rec);
  *out = std::move(rec);
  return true;
}

// The runtime's decoder, for what is not a plain line.
DecodedItem::Status decode_by_runtime(const runtime::Schema& schema, runtime::StringPool& pool, std::string_view text,
                                      std::int64_t at, runtime::ItemRecord* out, std::string* error) {
  auto rec = runtime::decode_item(schema, pool, text, eval_decode_options(at));
  if (rec.ok()) {
    *out = std::move(rec.value);
    return DecodedItem::Ok;
  }
  *error = rec.error;
  // The decoder's messages for what is not an object of attributes (runtime/item_json.h).
  const bool not_an_object = rec.error.starts_with("malformed JSON") || rec.error.starts_with("expected a JSON object");
  return not_an_object ? DecodedItem::BadInput : DecodedItem::Refused;
}

}  // namespace

DecodedItem decode_eval_item(const runtime::Schema& schema, runtime::StringPool& pool, std::string_view text,
                             std::int64_t at) {
  DecodedItem out;
  if (decode_flat(schema, pool, text, at, &out.record)) return out;
  out.status = decode_by_runtime(schema, pool, text, at, &out.record, &out.error);
  return out;
}

ItemDecoder::ItemDecoder(const runtime::Schema& schema, runtime::StringPool& pool, std::int64_t at, bool ids_read)
    : schema_(schema), pool_(pool), at_(at), ids_read_(ids_read), template_(schema), given_(schema.attributes.size(), false) {
  fill_absent(schema, pool, at, given_, template_);
  // Each attribute's name and a closing quote, as a line holds its key; empty for a name the
  // one-pass reader would not read as it is (not plain ASCII, or with a quote or backslash).
  for (const runtime::AttributeSpec& a : schema.attributes) {
    const bool plain = !a.name.empty() && std::all_of(a.name.begin(), a.name.end(), [](char c) {
      return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x80;
    });
    quoted_.push_back(plain ? a.name + '"' : std::string());
  }
}

std::string_view ItemDecoder::predicted(std::size_t k, int* slot) const {
  if (k >= key_slots_.size() || key_slots_[k] < 0) return {};
  *slot = key_slots_[k];
  return quoted_[static_cast<std::size_t>(*slot)];
}

int ItemDecoder::slot(std::size_t k, std::string_view key) {
  // The lines of a file name their keys in the same order: the k-th key is most likely the
  // slot the k-th key of the line before named.
  if (k < key_slots_.size() && key_slots_[k] >= 0 && same(schema_.attributes[static_cast<std::size_t>(key_slots_[k])].name, key))
    return key_slots_[k];
  const int slot = schema_.find(key);
  if (k >= key_slots_.size()) key_slots_.resize(k + 1, -1);
  key_slots_[k] = slot;
  return slot;
}

std::uint32_t ItemDecoder::intern(std::uint32_t slot, std::string_view text) {
  if (slot == runtime::kSlotId && !ids_read_) return template_.get_string(runtime::kSlotId);
  // A file's values for a slot are mostly a few strings again and again (a department, a
  // region), kept by slot and compared without the pool's lock and hash; a column of many
  // values (a name) goes to the pool once its first few are kept.
  // Each kept value carries its length and first 8 bytes (zero after a shorter value's end) in
  // words: most values are told apart, and one of 8 bytes or fewer found, without reading its
  // text.
  constexpr std::size_t kKept = 16;
  if (slot >= values_.size()) values_.resize(slot + 1);
  auto& kept = values_[slot];
  std::uint64_t head = 0;
  if (text.size() >= 8) {
    std::memcpy(&head, text.data(), 8);
  } else if (text.size() >= 4) {  // two halves, overlapping on the same bytes
    std::uint32_t low, high;
    std::memcpy(&low, text.data(), 4);
    std::memcpy(&high, text.data() + text.size() - 4, 4);
    head = low | std::uint64_t{high} << (8 * (text.size() - 4));
  } else {
    for (std::size_t b = 0; b < text.size(); ++b) head |= std::uint64_t{static_cast<unsigned char>(text[b])} << (8 * b);
  }
  for (const KeptValue& v : kept)
    if (v.size == text.size() && v.head == head && (v.size <= 8 || same(std::string_view(v.text).substr(8), text.substr(8))))
      return v.id;
  const std::uint32_t id = pool_.intern(text);
  if (kept.size() < kKept) kept.push_back(KeptValue{head, text.size(), id, std::string(text)});
  return id;
}

namespace {

// Whether `text` is written `YYYY-MM-DDTHH:MM:SSZ` (digits where the digits are) with the hour,
// minute and second in range, and then its time of day in ms. The date is not checked here.
bool plain_instant(std::string_view t, std::int64_t* time_of_day) {
  if (t.size() != 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z')
    return false;
  for (const std::size_t k : {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18})
    if (t[k] < '0' || t[k] > '9') return false;
  const auto two = [&t](std::size_t k) { return (t[k] - '0') * 10 + (t[k + 1] - '0'); };
  const int hour = two(11), minute = two(14), second = two(17);
  if (hour > 23 || minute > 59 || second > 59) return false;
  *time_of_day = ((hour * 60 + minute) * 60 + second) * std::int64_t{1000};
  return true;
}

}  // namespace

bool ItemDecoder::instant(std::string_view text, std::int64_t* ms) {
  // Most instants of a file fall on a few days: the day of the instant before is kept, and an
  // instant of that day in the plain form is its midnight plus the time of day, as
  // parse_instant would have it. Anything else goes through parse_instant.
  std::int64_t time_of_day = 0;
  const bool plain = plain_instant(text, &time_of_day);
  if (plain && date_len_ != 0 && text.compare(0, 10, std::string_view(date_, date_len_)) == 0) {
    *ms = midnight_ + time_of_day;
    return true;
  }
  auto r = stdlib::parse_instant(text);
  if (!r) return false;
  *ms = r.value.instant.ms_since_epoch;
  if (plain) {
    std::copy_n(text.data(), 10, date_);
    date_len_ = 10;
    midnight_ = *ms - time_of_day;
  }
  return true;
}

DecodedItem::Status ItemDecoder::decode(std::string_view text, runtime::ItemRecord* rec, std::string* error) {
  *rec = template_;
  std::fill(given_.begin(), given_.end(), false);
  if (FlatReader(schema_, *this, text).read(*rec, given_)) return DecodedItem::Ok;
  return decode_by_runtime(schema_, pool_, text, at_, rec, error);
}

LineReader::LineReader(int fd) : fd_(fd) {
  // A regular file is read from the descriptor's offset on (standard input may be a file
  // another program read the start of); how much of it is left is kept, to tell a file that
  // shrank while it was read from one that ended.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  const off_t offset = ::lseek(fd, 0, SEEK_CUR);
  if (offset < 0) return;
  regular_ = true;
  left_ = st.st_size > offset ? static_cast<std::size_t>(st.st_size - offset) : 0;
}

bool LineReader::fill() {
  if (eof_) return false;
  // Drop the lines already returned, then read after what remains of a partial line, into the
  // same buffer every time (issue 19: a mapped file cost a page fault every 16 pages, and a
  // fault costs more than the copy on a virtual machine; these pages are touched once, and
  // not zeroed before the kernel writes them).
  if (pos_ != 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == cap_) {  // the first read, or a line longer than the buffer
    const std::size_t capacity = std::max(2 * cap_, kReadSize);
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (end_ != 0) std::memcpy(bigger.get(), buf_.get(), end_);
    buf_ = std::move(bigger);
    cap_ = capacity;
  }
  ssize_t n;
  do n = ::read(fd_, buf_.get() + end_, cap_ - end_);
  while (n < 0 && errno == EINTR);
  if (n > 0) end_ += static_cast<std::size_t>(n), read_ += static_cast<std::size_t>(n);
  if (n < 0) error_ = std::strerror(errno);
  if (n == 0 && regular_ && read_ < left_) {
    // Truncated or rewritten in place by another program: its end is not the items' end, and
    // the partial line held is not a line of the items.
    error_ = "the items file shrank while it was read (truncated or rewritten by another program); "
             "the answers printed are for the lines before that point";
    end_ = pos_;
  }
  if (n <= 0) eof_ = true;
  return n > 0;
}

bool LineReader::next(std::string_view* line) {
  for (;;) {
    const std::size_t nl = nl_ != std::string::npos ? nl_ : data().find('\n', pos_);
    nl_ = std::string::npos;
    if (nl != std::string::npos) {
      *line = data().substr(pos_, nl - pos_);
      pos_ = nl + 1;
      return true;
    }
    if (!fill()) break;
  }
  const std::string_view rest = data();
  if (pos_ >= rest.size()) return false;
  *line = rest.substr(pos_);  // the last line, without its '\n'
  pos_ = rest.size();
  return true;
}

bool LineReader::ready() {
  if (eof_ || regular_) return true;
  if (nl_ == std::string::npos) nl_ = data().find('\n', pos_);  // kept for next()
  if (nl_ != std::string::npos) return true;
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
