// FNV-1a, 64 bits: the one hash of stored bytes (bundle checksums and keys, journal line
// checksums, the server's capture body hashes). Its values are stored, so it never changes.
#pragma once

#include <cstdint>
#include <string_view>

namespace iwd::stdlib {

// `h` continues a hash begun over earlier bytes (the FNV offset basis by default).
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t h = 0xcbf29ce484222325ULL) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

static_assert(fnv1a64("") == 0xcbf29ce484222325ULL && fnv1a64("a") == 0xaf63dc4c8601ec8cULL);

}  // namespace iwd::stdlib
