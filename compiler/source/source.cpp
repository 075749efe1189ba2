// Source files, line tables and UTF-8 helpers.
#include "compiler/source/source.h"

#include <tuple>

#include "compiler/source/files.h"

namespace iwd::compiler {
namespace {

bool is_continuation(unsigned char c) { return (c & 0xC0u) == 0x80u; }

// Byte length of the code point that starts at `i`; an invalid or truncated sequence
// counts as a single byte.
std::size_t char_size(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3;
  else if (c >= 0xF0 && c <= 0xF4) n = 4;
  if (n == 1 || i + n > s.size()) return 1;
  for (std::size_t k = 1; k < n; ++k)
    if (!is_continuation(static_cast<unsigned char>(s[i + k]))) return 1;
  return n;
}

bool before(const SourceLoc& a, const SourceLoc& b) {
  return std::tie(a.line, a.col) < std::tie(b.line, b.col);
}

}  // namespace

SourceRange join(const SourceRange& a, const SourceRange& b) {
  if (!a.valid()) return b;
  if (!b.valid()) return a;
  SourceRange r = a;
  if (before(b.begin, r.begin)) r.begin = b.begin;
  if (before(r.end, b.end)) r.end = b.end;
  return r;
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  if (line == 0 || line > line_count()) return {};
  const std::size_t begin = line_starts[line - 1];
  std::size_t end = line < line_count() ? line_starts[line] : text.size();
  if (end > begin && text[end - 1] == '\n') --end;
  if (end > begin && text[end - 1] == '\r') --end;
  return std::string_view(text).substr(begin, end - begin);
}

FileId SourceManager::add(std::string path, std::string text) {
  auto f = std::make_unique<SourceFile>();
  f->id = static_cast<FileId>(files_.size());
  f->path = std::move(path);
  f->text = std::move(text);
  f->line_starts.push_back(0);
  for (std::size_t i = 0; i < f->text.size(); ++i)
    if (f->text[i] == '\n') f->line_starts.push_back(static_cast<std::uint32_t>(i + 1));
  files_.push_back(std::move(f));
  return files_.back()->id;
}

FileId SourceManager::load(const std::string& path, std::string* error) {
  std::string text;
  if (!disk_files().read(path, &text, error)) return kNoFile;
  return add(path, std::move(text));
}

FileId SourceManager::find(const std::string& path) const {
  for (const auto& f : files_)
    if (f->path == path) return f->id;
  return kNoFile;
}

std::uint32_t utf8_length(std::string_view s) {
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < s.size(); i += char_size(s, i)) ++n;
  return n;
}

std::size_t utf8_byte_offset(std::string_view s, std::uint32_t cp) {
  std::size_t i = 0;
  for (; cp > 0 && i < s.size(); --cp) i += char_size(s, i);
  return i;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace iwd::compiler
