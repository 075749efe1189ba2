#include "runtime/schema.h"

#include <array>
#include <cmath>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "runtime/item_json.h"

namespace iwd::runtime {

namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 10> kTypeNames = {
    "bool", "int", "number", "string", "time", "duration", "enum",
    "list<string>", "list<int>", "list<enum>"};

AttributeSpec make(std::string name, SlotType type, bool optional, bool required) {
  AttributeSpec a;
  a.name = std::move(name);
  a.type = type;
  a.optional = optional;
  a.required = required;
  return a;
}

AttributeSpec with_text_default(AttributeSpec a, std::string text) {
  DefaultValue d;
  d.text = std::move(text);
  a.default_value = std::move(d);
  return a;
}

json default_to_json(SlotType t, const DefaultValue& d) {
  switch (t) {
    case SlotType::Number: return d.number;
    case SlotType::String: return d.text;
    case SlotType::StringList: return d.texts;
    case SlotType::IntList:
    case SlotType::EnumList: return d.integers;
    default: return d.integer;
  }
}

// Throws std::string on a mismatch.
DefaultValue default_from_json(SlotType t, const json& j) {
  DefaultValue d;
  auto need_int = [](const json& v) {
    if (!v.is_number_integer()) throw std::string("default is not an integer");
    return v.get<std::int64_t>();
  };
  switch (t) {
    case SlotType::Number:
      if (!j.is_number()) throw std::string("default is not a number");
      d.number = j.get<double>();
      break;
    case SlotType::String:
      if (!j.is_string()) throw std::string("default is not a string");
      d.text = j.get<std::string>();
      break;
    case SlotType::StringList:
      if (!j.is_array()) throw std::string("default is not a list");
      for (const auto& v : j) {
        if (!v.is_string()) throw std::string("default list holds a non-string");
        d.texts.push_back(v.get<std::string>());
      }
      break;
    case SlotType::IntList:
    case SlotType::EnumList:
      if (!j.is_array()) throw std::string("default is not a list");
      for (const auto& v : j) d.integers.push_back(need_int(v));
      break;
    default:
      d.integer = need_int(j);
      break;
  }
  return d;
}

}  // namespace

std::string_view slot_type_name(SlotType t) {
  auto i = static_cast<std::size_t>(t);
  return i < kTypeNames.size() ? kTypeNames[i] : std::string_view("?");
}

std::optional<SlotType> slot_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kTypeNames.size(); ++i)
    if (kTypeNames[i] == name) return static_cast<SlotType>(i);
  return std::nullopt;
}

bool is_list(SlotType t) {
  return t == SlotType::StringList || t == SlotType::IntList || t == SlotType::EnumList;
}

Schema Schema::core() {
  Schema s;
  s.attributes.push_back(make("id", SlotType::String, false, true));
  s.attributes.push_back(with_text_default(make("source", SlotType::String, false, false), "api"));
  s.attributes.push_back(
      with_text_default(make("media", SlotType::String, false, false), "workitem"));
  s.attributes.push_back(make("captured_at", SlotType::Time, false, false));
  s.attributes.push_back(make("due_at", SlotType::Time, true, false));
  s.attributes.push_back(make("activate_at", SlotType::Time, true, false));
  s.attributes.push_back(make("expire_at", SlotType::Time, true, false));
  s.attributes.push_back(make("preferred_agent", SlotType::String, true, false));
  s.attributes.push_back(make("last_agent", SlotType::String, true, false));
  return s;
}

int Schema::find(std::string_view name) const {
  for (std::size_t i = 0; i < attributes.size(); ++i)
    if (attributes[i].name == name) return static_cast<int>(i);
  return -1;
}

int Schema::find_enum(std::string_view name) const {
  for (std::size_t i = 0; i < enums.size(); ++i)
    if (enums[i].name == name) return static_cast<int>(i);
  return -1;
}

std::string Schema::validate() const {
  const Schema c = core();
  if (core_count != kCoreSlotCount && core_count != kLegacyCoreSlotCount)
    return "the schema's count of core attributes is neither 8 nor 9";
  const auto cores = static_cast<std::size_t>(core_count);
  if (attributes.size() < cores)
    return "the schema lacks the core attributes";
  for (std::size_t i = 0; i < cores; ++i)
    if (!(attributes[i] == c.attributes[i]))
      return "core attribute " + std::to_string(i) + " is not `" + c.attributes[i].name + "` as expected";
  std::set<std::string_view> names;
  for (const auto& e : enums) {
    if (e.name.empty()) return "an enum has an empty name";
    if (!names.insert(e.name).second) return "enum `" + e.name + "` is declared twice";
    // An enum with no values is valid (the language allows `enum E {}`; `iwd check` warns,
    // W0624): an attribute of its type never holds a value.
    std::set<std::string_view> vals;
    for (const auto& v : e.values)
      if (v.empty() || !vals.insert(v).second)
        return "enum `" + e.name + "` has an empty or repeated value";
  }
  names.clear();
  for (const auto& a : attributes) {
    if (a.name.empty()) return "an attribute has an empty name";
    if (!names.insert(a.name).second) return "attribute `" + a.name + "` is declared twice";
    if (static_cast<std::size_t>(a.type) >= kTypeNames.size())
      return "attribute `" + a.name + "` has an unknown type";
    const bool enumish = a.type == SlotType::Enum || a.type == SlotType::EnumList;
    if (enumish != (a.enum_index >= 0))
      return "attribute `" + a.name + "` has an enum index that does not fit its type";
    if (enumish && static_cast<std::size_t>(a.enum_index) >= enums.size())
      return "attribute `" + a.name + "` names enum " + std::to_string(a.enum_index) +
             ", out of range";
    if (a.required && (a.optional || a.default_value))
      return "attribute `" + a.name + "` is required yet optional or defaulted";
    if (a.default_value && enumish) {
      const auto n = static_cast<std::int64_t>(enums[static_cast<std::size_t>(a.enum_index)].values.size());
      auto bad = [n](std::int64_t v) { return v < 0 || v >= n; };
      if (a.type == SlotType::Enum && bad(a.default_value->integer))
        return "attribute `" + a.name + "` has a default out of its enum's range";
      for (auto v : a.default_value->integers)
        if (a.type == SlotType::EnumList && bad(v))
          return "attribute `" + a.name + "` has a default out of its enum's range";
    }
    if (a.default_value && a.type == SlotType::Bool && a.default_value->integer != 0 &&
        a.default_value->integer != 1)
      return "attribute `" + a.name + "` has a bool default other than 0 or 1";
  }
  return {};
}

std::string Schema::serialize() const {
  json j;
  j["format"] = "iwd-schema";
  j["version"] = core_count == kLegacyCoreSlotCount ? 1 : kFormatVersion;
  json es = json::array();
  for (const auto& e : enums) es.push_back(json{{"name", e.name}, {"values", e.values}});
  j["enums"] = std::move(es);
  json as = json::array();
  for (const auto& a : attributes) {
    json o{{"name", a.name},       {"type", slot_type_name(a.type)}, {"optional", a.optional},
           {"required", a.required}, {"enum", a.enum_index}};
    if (a.default_value) o["default"] = default_to_json(a.type, *a.default_value);
    as.push_back(std::move(o));
  }
  j["attributes"] = std::move(as);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

ParseResult<Schema> Schema::parse(std::string_view text) {
  using R = ParseResult<Schema>;
  if (std::string e = json_nesting_error(text, 16); !e.empty())
    return R::failure("corrupt schema: " + e);
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return R::failure("corrupt schema: " + json_error_text(e.what()));
  }
  try {
    if (!j.is_object() || !j.contains("format") || j["format"] != "iwd-schema")
      return R::failure("not a schema: the format tag `iwd-schema` is missing");
    if (!j.contains("version") || !j["version"].is_number_integer())
      return R::failure("corrupt schema: no version");
    const std::int64_t version = j["version"].get<std::int64_t>();
    if (version != 1 && version != kFormatVersion)
      return R::failure("schema format version " + j["version"].dump() +
                        " is not supported (this runtime reads versions 1 and " +
                        std::to_string(kFormatVersion) + ")");
    Schema s;
    s.core_count = version == 1 ? kLegacyCoreSlotCount : kCoreSlotCount;
    auto str = [](const json& o, const char* key) {
      if (!o.is_object() || !o.contains(key) || !o[key].is_string())
        throw std::string("field `") + key + "` is missing or not a string";
      return o[key].get<std::string>();
    };
    auto boolean = [](const json& o, const char* key) {
      if (!o.contains(key) || !o[key].is_boolean())
        throw std::string("field `") + key + "` is missing or not a bool";
      return o[key].get<bool>();
    };
    if (!j.contains("enums") || !j["enums"].is_array()) throw std::string("no enum list");
    for (const auto& e : j["enums"]) {
      EnumSpec spec;
      spec.name = str(e, "name");
      if (!e.contains("values") || !e["values"].is_array()) throw std::string("enum without values");
      for (const auto& v : e["values"]) {
        if (!v.is_string()) throw std::string("enum value is not a string");
        spec.values.push_back(v.get<std::string>());
      }
      s.enums.push_back(std::move(spec));
    }
    if (!j.contains("attributes") || !j["attributes"].is_array())
      throw std::string("no attribute list");
    for (const auto& a : j["attributes"]) {
      AttributeSpec spec;
      spec.name = str(a, "name");
      auto type = slot_type_from_name(str(a, "type"));
      if (!type) throw "attribute `" + spec.name + "` has an unknown type";
      spec.type = *type;
      spec.optional = boolean(a, "optional");
      spec.required = boolean(a, "required");
      if (!a.contains("enum") || !a["enum"].is_number_integer())
        throw std::string("field `enum` is missing or not an integer");
      const auto ei = a["enum"].get<std::int64_t>();
      if (ei < -1 || ei > INT32_MAX) throw "attribute `" + spec.name + "` has a bad enum index";
      spec.enum_index = static_cast<std::int32_t>(ei);
      if (a.contains("default")) {
        try {
          spec.default_value = default_from_json(spec.type, a["default"]);
        } catch (const std::string& m) {
          throw "attribute `" + spec.name + "`: " + m;
        }
      }
      s.attributes.push_back(std::move(spec));
    }
    if (std::string e = s.validate(); !e.empty()) return R::failure("corrupt schema: " + e);
    return R::success(std::move(s));
  } catch (const std::string& m) {
    return R::failure("corrupt schema: " + m);
  } catch (const json::exception& e) {
    return R::failure("corrupt schema: " + json_error_text(e.what()));
  }
}

}  // namespace iwd::runtime
