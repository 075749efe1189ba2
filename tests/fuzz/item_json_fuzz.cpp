// libFuzzer target: any bytes through item JSON decoding (and schema parsing) must give a
// record or one error message, never a crash, a hang or a sanitizer report; a decoded item
// must encode to JSON that decodes back to the same record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/item_json.h"

using namespace iwd::runtime;

namespace {

Schema make_schema() {
  Schema s = Schema::core();
  s.enums.push_back({"Segment", {"Gold", "Silver", "Bronze"}});
  auto add = [&s](const char* name, SlotType t, bool opt, bool req, int en = -1) {
    s.attributes.push_back({name, t, opt, req, en, std::nullopt});
  };
  add("b", SlotType::Bool, true, false);
  add("i", SlotType::Int, true, false);
  add("n", SlotType::Number, true, false);
  add("s", SlotType::String, true, false);
  add("t", SlotType::Time, true, false);
  add("d", SlotType::Duration, true, false);
  add("e", SlotType::Enum, true, false, 0);
  add("sl", SlotType::StringList, true, false);
  add("il", SlotType::IntList, true, false);
  add("el", SlotType::EnumList, true, false, 0);
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Schema schema = make_schema();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)Schema::parse(text);
  StringPool pool;
  DecodeOptions options;
  options.default_id = "test";
  auto r = decode_item(schema, pool, text, options);
  if (!r) {
    if (r.error.empty()) std::abort();
    return 0;
  }
  const std::string out = encode_item(schema, pool, r.value);
  auto again = decode_item(schema, pool, out, options);
  if (!again) std::abort();
  // Numbers are compared by bits; NaN cannot come from JSON.
  if (!(again.value == r.value)) std::abort();
  return 0;
}
