// A string as JSON text, written directly: the bytes nlohmann's dump() writes for it with
// ensure_ascii off (`"`, `\` and the short escapes \b \f \n \r \t, other control characters
// as \u00xx in lower-case hex, every other byte as it is). For text that is valid UTF-8:
// nlohmann replaces or refuses the rest, which callers must then leave to it.
#pragma once

#include <string>
#include <string_view>

namespace iwd::compiler {

void append_json_string(std::string& out, std::string_view text);

}  // namespace iwd::compiler
