// What an id (of an item or an agent) may be, and the text rules of the request line
// (docs/api.md, "Ids"). An id is 1 to 256 bytes of valid UTF-8 with no control character
// (U+0000-U+001F, U+007F-U+009F) and no `/`: every id the server accepts can be named again in
// a path, percent-encoded where needed, and printed in JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace iwd::server {

inline constexpr std::size_t kMaxIdBytes = 256;

// Why `id` is not an id ("" when it is one); the text names the rule.
std::string id_problem(std::string_view id);
// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool valid_utf8(std::string_view s);
// `%XX` escapes decoded (nothing else changes); false on a `%` not followed by two hex digits.
bool percent_decode(std::string_view in, std::string* out);
// A source's own key in the service's id space when ids are scoped by source (`id_scope`:
// "source", docs/api.md): `SOURCE:KEY`. *problem set when that is no id (too long).
std::string scoped_id(std::string_view source, std::string_view key, std::string* problem);

}  // namespace iwd::server
