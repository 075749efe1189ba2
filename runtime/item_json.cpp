#include "runtime/item_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <vector>

#include <nlohmann/json.hpp>

#include "stdlib/spelling.h"

namespace iwd::runtime {

std::string json_nesting_error(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return "malformed JSON at offset " + std::to_string(i) + ": nesting deeper than " +
               std::to_string(max_depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return {};
}

std::string json_error_text(std::string_view what) {
  if (!what.empty() && what.front() == '[') {
    if (auto p = what.find("] "); p != std::string_view::npos) what.remove_prefix(p + 2);
  }
  if (auto c = what.find(", column "); c != std::string_view::npos) {
    if (auto p = what.find(": ", c); p != std::string_view::npos) what.remove_prefix(p + 2);
  }
  return std::string(what);
}

namespace {

using nlohmann::json;

std::string got(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "a bool";
    case json::value_t::string: return "a string";
    case json::value_t::array: return "a list";
    case json::value_t::object: return "an object";
    default: return "a number";
  }
}

std::string expected(const Schema& s, const AttributeSpec& a, bool element) {
  SlotType t = a.type;
  if (element) {
    t = t == SlotType::StringList ? SlotType::String
        : t == SlotType::IntList  ? SlotType::Int
                                  : SlotType::Enum;
  }
  switch (t) {
    case SlotType::Bool: return "a bool";
    case SlotType::Int: return "an integer";
    case SlotType::Number: return "a number";
    case SlotType::String: return "a string";
    case SlotType::Time: return "a time (an ISO 8601 string)";
    case SlotType::Duration: return "a duration (a string like \"72h\")";
    case SlotType::Enum: return "a value of " + s.enums[static_cast<std::size_t>(a.enum_index)].name;
    default: return "a list";
  }
}

// Converts one scalar to the int64 slot bits (or a pool id / enum index). "" on success.
std::string scalar(const Schema& s, StringPool& pool, const AttributeSpec& a, SlotType t,
                   const json& v, std::int64_t& out, double& number, bool element) {
  auto mismatch = [&] { return "expected " + expected(s, a, element) + ", got " + got(v); };
  switch (t) {
    case SlotType::Bool:
      if (!v.is_boolean()) return mismatch();
      out = v.get<bool>() ? 1 : 0;
      return {};
    case SlotType::Int:
      if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) return "integer " + v.dump() + " is out of range";
        out = static_cast<std::int64_t>(u);
        return {};
      }
      if (v.is_number_integer()) {
        out = v.get<std::int64_t>();
        return {};
      }
      if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || std::trunc(d) != d)
          return "expected an integer, got " + v.dump() + ", which is not integral";
        if (d < -9223372036854775808.0 || d >= 9223372036854775808.0)
          return "integer " + v.dump() + " is out of range";
        out = static_cast<std::int64_t>(d);
        return {};
      }
      return mismatch();
    case SlotType::Number:
      if (!v.is_number()) return mismatch();
      number = v.get<double>();
      return {};
    case SlotType::String:
      if (!v.is_string()) return mismatch();
      out = pool.intern(v.get_ref<const std::string&>());
      return {};
    case SlotType::Time: {
      if (!v.is_string()) return mismatch();
      auto r = stdlib::parse_instant(v.get_ref<const std::string&>());
      if (!r) return r.error;
      out = r.value.instant.ms_since_epoch;
      return {};
    }
    case SlotType::Duration: {
      if (!v.is_string()) return mismatch();
      auto r = stdlib::parse_duration(v.get_ref<const std::string&>());
      if (!r) return r.error;
      out = r.value.ms;
      return {};
    }
    case SlotType::Enum: {
      if (!v.is_string()) return mismatch();
      const EnumSpec& e = s.enums[static_cast<std::size_t>(a.enum_index)];
      std::string_view name = v.get_ref<const std::string&>();
      const std::string_view full = name;
      if (name.size() > e.name.size() + 1 && name.substr(0, e.name.size()) == e.name &&
          name[e.name.size()] == '.')
        name.remove_prefix(e.name.size() + 1);
      for (std::size_t i = 0; i < e.values.size(); ++i) {
        if (e.values[i] == name) {
          out = static_cast<std::int64_t>(i);
          return {};
        }
      }
      std::string msg = "`" + std::string(full) + "` is not a value of " + e.name + " (";
      for (std::size_t i = 0; i < e.values.size(); ++i) msg += (i ? ", " : "") + e.values[i];
      msg += e.values.empty() ? "it has no values)" : ")";
      if (std::string hint = stdlib::suggest_name(name, e.values); !hint.empty())
        msg += "; did you mean `" + hint + "`?";
      return msg;
    }
    default:
      return mismatch();
  }
}

// Decodes v into slot i. "" on success, else the message without the attribute prefix.
std::string decode_value(const Schema& s, StringPool& pool, const AttributeSpec& a,
                         std::uint32_t i, const json& v, ItemRecord& rec) {
  if (v.is_null()) {
    if (!a.optional) return "null is not allowed, the attribute is not optional";
    rec.clear(i);
    return {};
  }
  if (i == kSlotId && a.type == SlotType::String && v.is_string()) {
    // An item's id: releasable once the item has ended (runtime/intern.h), unless it is also
    // a value somewhere (interned by intern(), which pins it).
    rec.set_string(i, pool.intern_item(v.get_ref<const std::string&>()));
    return {};
  }
  if (is_list(a.type)) {
    if (!v.is_array()) return "expected a list, got " + got(v);
    const SlotType et = a.type == SlotType::StringList ? SlotType::String
                        : a.type == SlotType::IntList  ? SlotType::Int
                                                       : SlotType::Enum;
    std::vector<std::int64_t> values;
    values.reserve(v.size());
    for (std::size_t k = 0; k < v.size(); ++k) {
      std::int64_t out = 0;
      double number = 0;
      if (std::string e = scalar(s, pool, a, et, v[k], out, number, true); !e.empty())
        return "element " + std::to_string(k) + ": " + e;
      values.push_back(out);
    }
    rec.set_list(i, std::move(values));
    return {};
  }
  std::int64_t out = 0;
  double number = 0;
  if (std::string e = scalar(s, pool, a, a.type, v, out, number, false); !e.empty()) return e;
  if (a.type == SlotType::Number) rec.set_number(i, number);
  else rec.set_int(i, out);
  return {};
}

}  // namespace

void apply_default(StringPool& pool, const AttributeSpec& a, std::uint32_t i, ItemRecord& rec) {
  const DefaultValue& d = *a.default_value;
  switch (a.type) {
    case SlotType::Number: rec.set_number(i, d.number); break;
    case SlotType::String: rec.set_string(i, pool.intern(d.text)); break;
    case SlotType::StringList: {
      std::vector<std::int64_t> ids;
      for (const auto& t : d.texts) ids.push_back(pool.intern(t));
      rec.set_list(i, std::move(ids));
      break;
    }
    case SlotType::IntList:
    case SlotType::EnumList: rec.set_list(i, d.integers); break;
    default: rec.set_int(i, d.integer); break;
  }
}

ParseResult<ItemRecord> decode_item(const Schema& schema, StringPool& pool, std::string_view text,
                                    const DecodeOptions& options) {
  using R = ParseResult<ItemRecord>;
  if (std::string e = json_nesting_error(text, options.max_depth); !e.empty())
    return R::failure(e);
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    return R::failure("malformed JSON at offset " + std::to_string(offset) + ": " +
                      json_error_text(e.what()));
  } catch (const json::exception& e) {
    return R::failure("malformed JSON: " + json_error_text(e.what()));
  }
  return decode_item_object(schema, pool, j, options);
}

ParseResult<ItemRecord> decode_item_object(const Schema& schema, StringPool& pool, const json& j,
                                           const DecodeOptions& options) {
  using R = ParseResult<ItemRecord>;
  if (!j.is_object()) return R::failure("expected a JSON object of attributes, got " + got(j));

  ItemRecord rec(schema);
  std::vector<bool> given(schema.attributes.size(), false);
  try {
    for (const auto& [key, value] : j.items()) {
      const int slot = schema.find(key);
      if (slot < 0) {
        std::vector<std::string_view> names;
        for (const auto& a : schema.attributes) names.push_back(a.name);
        std::string msg = "unknown attribute `" + key + "`";
        if (std::string hint = stdlib::suggest_name(key, std::span<const std::string_view>(names));
            !hint.empty())
          msg += " (did you mean `" + hint + "`?)";
        return R::failure(msg);
      }
      const auto i = static_cast<std::uint32_t>(slot);
      const AttributeSpec& a = schema.attributes[i];
      if (std::string e = decode_value(schema, pool, a, i, value, rec); !e.empty())
        return R::failure("attribute `" + a.name + "`: " + e);
      given[i] = true;
    }
  } catch (const json::exception& e) {
    return R::failure("malformed JSON: " + json_error_text(e.what()));
  }

  for (std::uint32_t i = 0; i < schema.attributes.size(); ++i) {
    if (given[i]) continue;
    const AttributeSpec& a = schema.attributes[i];
    if (i == kSlotCapturedAt) {
      rec.set_int(i, options.captured_at.ms_since_epoch);
    } else if (i == kSlotId && options.default_id) {
      rec.set_string(i, pool.intern_item(*options.default_id));
    } else if (a.default_value) {
      apply_default(pool, a, i, rec);
    } else if (a.required && !options.allow_missing_required) {
      return R::failure("missing required attribute `" + a.name + "`");
    }
  }
  return R::success(std::move(rec));
}

namespace {

// Each present attribute in schema order, with its value as decode_item accepts it.
template <typename F>
void each_attribute(const Schema& schema, const StringPool& pool, const ItemRecord& item, F&& f) {
  const auto n = std::min<std::size_t>(schema.attributes.size(), item.slot_count());
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!item.present(i)) continue;
    const AttributeSpec& a = schema.attributes[i];
    const EnumSpec* e =
        a.enum_index >= 0 ? &schema.enums[static_cast<std::size_t>(a.enum_index)] : nullptr;
    auto enum_name = [e](std::int64_t v) -> json {
      if (v >= 0 && static_cast<std::size_t>(v) < e->values.size())
        return e->values[static_cast<std::size_t>(v)];
      return v;
    };
    auto str = [&pool](std::int64_t id) -> json {
      if (id >= 0 && id < pool.size()) return std::string(pool.view(static_cast<std::uint32_t>(id)));
      return nullptr;
    };
    json v;
    switch (a.type) {
      case SlotType::Bool: v = item.get_bool(i); break;
      case SlotType::Int: v = item.get_int(i); break;
      case SlotType::Number: v = item.get_number(i); break;
      case SlotType::String: v = str(item.get_int(i)); break;
      case SlotType::Time: v = stdlib::format_instant(stdlib::Instant{item.get_int(i)}); break;
      case SlotType::Duration: v = stdlib::format_duration(stdlib::Duration{item.get_int(i)}); break;
      case SlotType::Enum: v = enum_name(item.get_int(i)); break;
      case SlotType::StringList:
        v = json::array();
        for (auto x : item.list(i)) v.push_back(str(x));
        break;
      case SlotType::IntList:
        v = json::array();
        for (auto x : item.list(i)) v.push_back(x);
        break;
      case SlotType::EnumList:
        v = json::array();
        for (auto x : item.list(i)) v.push_back(enum_name(x));
        break;
    }
    f(a.name, std::move(v));
  }
}

}  // namespace

void append_json_string(std::string* out, std::string_view s) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
  if (!plain) {
    *out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out->reserve(out->size() + s.size() + 2);
  *out += '"';
  *out += s;
  *out += '"';
}

// The text of each_attribute's object written directly (a create's answer has one per
// attribute: no JSON value built for each), the same bytes as dumping those values.
std::string encode_item(const Schema& schema, const StringPool& pool, const ItemRecord& item) {
  std::string result;
  append_item(&result, schema, pool, item);
  return result;
}

void append_item(std::string* out, const Schema& schema, const StringPool& pool, const ItemRecord& item) {
  std::string& result = *out;
  const std::size_t start = result.size();
  result += '{';
  const auto integer = [&result](std::int64_t v) {
    char buf[24];
    const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    result.append(buf, end);
  };
  const auto str = [&](std::int64_t id) {
    if (id >= 0 && id < pool.size()) append_json_string(&result, pool.view(static_cast<std::uint32_t>(id)));
    else result += "null";
  };
  const auto n = std::min<std::size_t>(schema.attributes.size(), item.slot_count());
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!item.present(i)) continue;
    const AttributeSpec& a = schema.attributes[i];
    const EnumSpec* e = a.enum_index >= 0 ? &schema.enums[static_cast<std::size_t>(a.enum_index)] : nullptr;
    const auto enum_name = [&](std::int64_t v) {
      if (v >= 0 && static_cast<std::size_t>(v) < e->values.size()) append_json_string(&result, e->values[static_cast<std::size_t>(v)]);
      else integer(v);
    };
    if (result.size() > start + 1) result += ',';
    append_json_string(&result, a.name);
    result += ':';
    switch (a.type) {
      case SlotType::Bool: result += item.get_bool(i) ? "true" : "false"; break;
      case SlotType::Int: integer(item.get_int(i)); break;
      case SlotType::Number: result += json(item.get_number(i)).dump(); break;  // nlohmann's shortest form
      case SlotType::String: str(item.get_int(i)); break;
      case SlotType::Time: append_json_string(&result, stdlib::format_instant(stdlib::Instant{item.get_int(i)})); break;
      case SlotType::Duration:
        append_json_string(&result, stdlib::format_duration(stdlib::Duration{item.get_int(i)}));
        break;
      case SlotType::Enum: enum_name(item.get_int(i)); break;
      case SlotType::StringList:
      case SlotType::IntList:
      case SlotType::EnumList: {
        result += '[';
        bool first = true;
        for (auto x : item.list(i)) {
          if (!first) result += ',';
          first = false;
          if (a.type == SlotType::StringList) str(x);
          else if (a.type == SlotType::IntList) integer(x);
          else enum_name(x);
        }
        result += ']';
        break;
      }
    }
  }
  result += '}';
}

json encode_item_object(const Schema& schema, const StringPool& pool, const ItemRecord& item) {
  json result = json::object();
  each_attribute(schema, pool, item, [&result](const std::string& name, json v) { result[name] = std::move(v); });
  return result;
}

}  // namespace iwd::runtime
