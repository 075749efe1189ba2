// Text built-ins (LANGUAGE.md section 4): case conversion of UTF-8 strings, as
// docs/language.md decides: `lower` and `upper` apply Unicode's default full case conversion
// (locale-independent: "straße" -> "STRASSE", a final sigma -> "ς"). `len` counts code points
// (compiler/source's utf8_length).
#pragma once

#include <string>
#include <string_view>

namespace iwd::stdlib {

// s in lower (upper) case. Strings are UTF-8 (the runtime's JSON decoder and the lexer check
// it); ill-formed bytes, which no rule can receive, are kept as they are.
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// A number as rules write it, for messages and explanations: an integral value without a
// fraction (`500`, `-5`), any other in its shortest round-trip form (`2.5`, `0.1`).
std::string format_number(double v);

// s with XML's special characters as entities (&, <, >, "): for attribute values and text in
// the XML iwd writes (JUnit reports, SVG charts).
std::string xml_escape(std::string_view s);

}  // namespace iwd::stdlib
