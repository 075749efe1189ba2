// The console's files, embedded into the binary at build time (console/embed.cmake writes
// the table from console/web/ and the chart library's dist files): nothing is read from the
// disk at run time, so no request can name a file outside the table.
#pragma once

#include <span>
#include <string_view>

namespace iwd::console {

struct Asset {
  std::string_view name;          // its path below /ui/: "index.html", "pages/queue.js", "vendor/uPlot.esm.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // a strong ETag, quoted: the SHA-256 of the bytes, shortened
  std::string_view body;
};

// Every file, by name (generated: console_assets.cpp in the build tree).
std::span<const Asset> assets();

}  // namespace iwd::console
