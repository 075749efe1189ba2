// Source files and locations. Every diagnostic and every syntax node points into a
// SourceManager through a SourceRange.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::compiler {

using FileId = std::uint32_t;
inline constexpr FileId kNoFile = 0xffffffffu;

// A position in a file. `line` and `col` are 1-based; `col` counts Unicode code points.
// `offset` is the 0-based code-point index into the file.
struct SourceLoc {
  std::uint32_t offset = 0;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
  bool valid() const { return line != 0; }
  friend bool operator==(const SourceLoc&, const SourceLoc&) = default;
};

// A half-open range [begin, end) in one file.
struct SourceRange {
  FileId file = kNoFile;
  SourceLoc begin;
  SourceLoc end;
  bool valid() const { return file != kNoFile && begin.valid(); }
  friend bool operator==(const SourceRange&, const SourceRange&) = default;
};

// The smallest range that covers both (same file assumed).
SourceRange join(const SourceRange& a, const SourceRange& b);

struct SourceFile {
  FileId id = kNoFile;
  std::string path;      // as the user named it (or as resolved for imports)
  std::string text;      // UTF-8 contents
  std::vector<std::uint32_t> line_starts;  // byte offset where each line starts

  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts.size()); }
  // The text of a 1-based line, without its line terminator.
  std::string_view line_text(std::uint32_t line) const;
};

// Owns the text of every file read during one compilation.
class SourceManager {
 public:
  // Adds a file with the given contents; returns its id.
  FileId add(std::string path, std::string text);
  // Reads a file from disk. Returns kNoFile and sets `error` when it cannot be read.
  FileId load(const std::string& path, std::string* error);

  const SourceFile& file(FileId id) const { return *files_.at(id); }
  std::size_t size() const { return files_.size(); }
  // The id of an already added file with this path, or kNoFile.
  FileId find(const std::string& path) const;

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

// Number of Unicode code points in a UTF-8 string (invalid bytes count as one each).
std::uint32_t utf8_length(std::string_view s);
// Byte offset of the code point with index `cp` (clamped to the end).
std::size_t utf8_byte_offset(std::string_view s, std::uint32_t cp);
// Appends the UTF-8 encoding of the code point `cp` (at most U+10FFFF) to `out`.
void append_utf8(std::string& out, std::uint32_t cp);

}  // namespace iwd::compiler
