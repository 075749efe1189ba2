// Decoding work items from JSON into ItemRecords, and encoding them back.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "runtime/intern.h"
#include "runtime/item.h"
#include "runtime/schema.h"
#include "stdlib/time.h"

namespace iwd::runtime {

struct DecodeOptions {
  // The capture instant: `captured_at` when the item does not give one.
  stdlib::Instant captured_at{};
  // Used for `id` when the item has none (tests use "test"); when unset, `id` is required.
  std::optional<std::string> default_id;
  // Leave a missing required attribute absent instead of failing, so that classification
  // rejects the item, naming it (the runtime's capture does this).
  bool allow_missing_required = false;
  // Deeper JSON nesting is rejected before parsing.
  std::size_t max_depth = 64;
};

// A JSON object of attribute names to values: times as ISO 8601 strings, durations like
// "72h", enum values by name (`Gold` or `Segment.Gold`), lists as arrays; `null` means absent
// and is allowed only for optional attributes. Ints accept integral numbers only (2.0 is 2;
// 1.5 is an error). Missing attributes take their defaults. Errors are one sentence naming
// the attribute and the problem, e.g. "unknown attribute `colour` (did you mean `color`?)",
// "missing required attribute `department`", "malformed JSON at offset 17: ...".
// Strings (values and list elements) are interned into `pool`. `schema` must be valid
// (Schema::validate() gives ""), as Schema::parse and Schema::core() ensure.
ParseResult<ItemRecord> decode_item(const Schema& schema, StringPool& pool, std::string_view json,
                                    const DecodeOptions& options);
// The same from a value already parsed (a script line's, a request body's), so that an item
// is parsed once on its way to the runtime. Same results and messages; the nesting bound was
// the parser's caller's (options.max_depth is not used).
ParseResult<ItemRecord> decode_item_object(const Schema& schema, StringPool& pool, const nlohmann::json& item,
                                           const DecodeOptions& options);

// Slot i set to attribute a's declared default (a.default_value must be set), as decode_item
// sets an attribute the item does not give; for decoders of their own (iwd eval's).
void apply_default(StringPool& pool, const AttributeSpec& a, std::uint32_t i, ItemRecord& rec);

// A JSON object of every present attribute in schema order, in the form decode_item
// accepts (times in UTC ISO 8601, durations as format_duration, enums by bare name).
std::string encode_item(const Schema& schema, const StringPool& pool, const ItemRecord& item);
// The same text appended to *out.
void append_item(std::string* out, const Schema& schema, const StringPool& pool, const ItemRecord& item);
// The same as a JSON value (what parsing encode_item's text gives), to change and decode again.
nlohmann::json encode_item_object(const Schema& schema, const StringPool& pool, const ItemRecord& item);

// `s` as a JSON string (quotes included) appended to *out, as nlohmann::json(s).dump(-1, ' ',
// false, error_handler_t::replace) writes it: not-ASCII as it is, invalid UTF-8 as U+FFFD.
// Printable ASCII without `"` or `\` (ids, names, instants) is copied without a JSON value.
void append_json_string(std::string* out, std::string_view s);

// JSON text checked and its errors worded the same way wherever the runtime's formats (items,
// schemas, script lines) and the server's request bodies are read:
// "" when `text` has no JSON array/object nesting deeper than max_depth (strings skipped),
// else "malformed JSON at offset N: nesting deeper than MAX". Check before parsing: the
// parser recurses.
std::string json_nesting_error(std::string_view text, std::size_t max_depth);
// The message part of an nlohmann exception's what() (after the "[json.exception...] " tag
// and the line and column), for "malformed JSON: MESSAGE".
std::string json_error_text(std::string_view what);

}  // namespace iwd::runtime
