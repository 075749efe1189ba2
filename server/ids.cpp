#include "server/ids.h"

#include <fmt/format.h>

namespace iwd::server {

bool valid_utf8(std::string_view s) {
  std::size_t k = 0;
  while (k < s.size()) {
    const auto b = static_cast<unsigned char>(s[k]);
    if (b < 0x80) {
      ++k;
      continue;
    }
    std::size_t n = 0;
    char32_t cp = 0, min = 0;
    if ((b & 0xE0) == 0xC0) n = 1, cp = b & 0x1F, min = 0x80;
    else if ((b & 0xF0) == 0xE0) n = 2, cp = b & 0x0F, min = 0x800;
    else if ((b & 0xF8) == 0xF0) n = 3, cp = b & 0x07, min = 0x10000;
    else return false;
    for (std::size_t j = 1; j <= n; ++j) {
      if (k + j >= s.size()) return false;
      const auto c = static_cast<unsigned char>(s[k + j]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    k += n + 1;
  }
  return true;
}

namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool percent_decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t k = 0; k < in.size(); ++k) {
    if (in[k] != '%') {
      out->push_back(in[k]);
      continue;
    }
    if (k + 2 >= in.size()) return false;
    const int hi = hex(in[k + 1]), lo = hex(in[k + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    k += 2;
  }
  return true;
}

std::string scoped_id(std::string_view source, std::string_view key, std::string* problem) {
  std::string id = fmt::format("{}:{}", source, key);
  if (std::string p = id_problem(id); !p.empty()) *problem = fmt::format("`{}` in source `{}`'s id space: {}", key, source, p);
  return id;
}

std::string id_problem(std::string_view id) {
  constexpr const char* kRule = "an id is 1 to 256 bytes of UTF-8 without control characters or `/`";
  if (id.empty()) return fmt::format("the id is empty ({})", kRule);
  if (id.size() > kMaxIdBytes) return fmt::format("the id is {} bytes long ({})", id.size(), kRule);
  if (!valid_utf8(id)) return fmt::format("the id is not valid UTF-8 ({})", kRule);
  for (std::size_t k = 0; k < id.size(); ++k) {
    const auto b = static_cast<unsigned char>(id[k]);
    const bool c1 = b == 0xC2 && k + 1 < id.size() && static_cast<unsigned char>(id[k + 1]) >= 0x80 &&
                    static_cast<unsigned char>(id[k + 1]) <= 0x9F;
    if (b < 0x20 || b == 0x7F || c1) return fmt::format("the id has a control character at byte {} ({})", k, kRule);
    if (b == '/') return fmt::format("the id has a `/` at byte {} ({})", k, kRule);
  }
  return {};
}

}  // namespace iwd::server
