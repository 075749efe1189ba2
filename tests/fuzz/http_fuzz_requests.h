// The HTTP fuzzer's requests (http_fuzz.cpp): how an input becomes one to three raw HTTP/1.1
// requests for `iwd serve`, and what each request's reply may be. The tokens and limits here
// are the ones the fuzzer's in-process service is configured with.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace iwd::fuzz {

struct TokenSpec {
  const char* token;
  const char* role;
  const char* agent;  // "" but for agent tokens
};
inline constexpr TokenSpec kTokens[] = {
    {"source-token-0123456789", "source", ""},      {"agent-token-ada-0123456", "agent", "ada"},
    {"agent-token-bob-0123456", "agent", "bob"},    {"supervisor-token-012345", "supervisor", ""},
    {"admin-token-0123456789a", "admin", ""},       {"viewer-token-0123456789", "viewer", ""},
};
inline constexpr std::size_t kViewerToken = 5;  // reads what a supervisor reads, changes nothing
inline constexpr std::size_t kMaxBody = 8192;  // max_body_bytes: bodies cross it within -max_len
inline constexpr std::size_t kMaxBatch = 8;    // max_batch

struct FuzzRequest {
  std::string text;          // the bytes sent
  bool strict = true;        // well-formed HTTP/1.1: the reply is the service's own (JSON, no 5xx)
  bool may_close = false;    // the server may close without a reply (a body over the limit, a bad framing)
  bool half_close = false;   // the write side is shut after sending (a body shorter than announced)
  bool close_after = false;  // the connection cannot carry another request (bytes left over, Connection: close)
  bool head = false;         // HEAD: the reply has no body
};

// An input starting with a capital letter is request text (requests separated by a line `%%`);
// any other is decoded field by field.
std::vector<FuzzRequest> decode_requests(const std::uint8_t* data, std::size_t size);

// A byte as `\xHH` (for printing requests).
std::string hex_byte(unsigned char c);

}  // namespace iwd::fuzz
