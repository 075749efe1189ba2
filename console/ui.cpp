#include "console/ui.h"

#include "console/assets.h"

namespace iwd::console {

namespace {

constexpr std::string_view kPrefix = "/ui/";
constexpr std::string_view kIndex = "index.html";

// The policy is the whole defence against injected markup: scripts, styles, images and
// requests come from this origin only, nothing inline, no plugins, no framing (clickjacking
// the supervisor actions), forms post nowhere else.
constexpr std::string_view kPolicy =
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

void security_headers(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
}

Response plain(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  security_headers(r);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

const Asset* find(std::string_view name) {
  for (const Asset& a : assets())
    if (a.name == name) return &a;
  return nullptr;
}

// If-None-Match: `*`, or a comma-separated list of entity tags (weak ones compared weakly,
// RFC 9110 13.1.2: a W/ prefix still matches the same opaque tag).
bool matches(std::string_view header, std::string_view etag) {
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(',', start);
    if (end == std::string_view::npos) end = header.size();
    std::string_view tag = header.substr(start, end - start);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

bool is_console_path(std::string_view raw_path) {
  return raw_path == "/ui" || raw_path.substr(0, kPrefix.size()) == kPrefix;
}

Response serve(std::string_view method, std::string_view raw_path, std::string_view if_none_match) {
  if (method != "GET" && method != "HEAD") {
    Response r = plain(405, "The console's pages are read with GET.\n");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  if (raw_path == "/ui") {
    Response r = plain(308, "The console is at /ui/.\n");
    r.headers.emplace_back("Location", std::string(kPrefix));
    return r;
  }
  if (!is_console_path(raw_path)) return plain(404, "No console page here: the console starts at /ui/.\n");
  std::string_view name = raw_path.substr(kPrefix.size());
  if (name.empty()) name = kIndex;
  const Asset* asset = find(name);
  if (!asset) return plain(404, "No console page here: the console starts at /ui/.\n");
  Response r;
  security_headers(r);
  // Revalidated on every use (the names carry no version): a 304 costs a round trip, and a
  // new build's files are never mixed with an old build's.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("ETag", std::string(asset->etag));
  r.content_type = std::string(asset->content_type);
  if (!if_none_match.empty() && matches(if_none_match, asset->etag)) {
    r.status = 304;
    return r;
  }
  r.body = std::string(asset->body);
  return r;
}

}  // namespace iwd::console
