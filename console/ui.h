// The /ui/ handler: the console's files (console/assets.h) over HTTP. GET and HEAD only;
// `/ui` redirects to `/ui/`, `/ui/` is index.html, `/ui/NAME` is the file NAME exactly as the
// table names it, and anything else is 404. The path is compared as sent, byte for byte and
// never decoded, against a fixed table: `..`, `%2e%2e`, `%00` or a long path name no file, so
// they are 404 without a special case. Every answer carries the console's security headers
// (a Content-Security-Policy of `default-src 'self'`, no sniffing, no framing, no referrer).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace iwd::console {

// The paths the console answers: `/ui` and everything below `/ui/`.
bool is_console_path(std::string_view raw_path);

struct Response {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

// `raw_path` as the request line has it (without the query); `if_none_match`: the request's
// If-None-Match header ("" without one). A file whose ETag it lists is 304 without a body.
Response serve(std::string_view method, std::string_view raw_path, std::string_view if_none_match);

}  // namespace iwd::console
