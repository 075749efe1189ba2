// Text rendering of diagnostics, clang/rustc style:
//
//   rules.iwd:12:5: error[E0302]: unknown attribute `segmnt`
//      12 |   process Gold when segmnt == Gold
//         |                     ^~~~~~
//         = help: did you mean `segment`?
//
// Columns count code points; tabs are expanded to tab stops of 4 in the source line and
// under it, and East Asian wide characters take two columns, so carets stay aligned.
// Bytes that are not UTF-8 and control characters are shown as U+FFFD.
#include <algorithm>
#include <ostream>
#include <string_view>

#include <fmt/format.h>

#include "compiler/diag/render.h"

namespace iwd::compiler {
namespace {

constexpr int kTabStop = 4;
constexpr int kMinGutter = 5;

struct Painter {
  bool on = false;
  std::string operator()(std::string_view sgr, std::string_view text) const {
    if (!on || text.empty()) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", sgr, text);
  }
};

constexpr std::string_view kBold = "1";
constexpr std::string_view kGreen = "1;32";

std::string_view severity_color(Severity s) {
  switch (s) {
    case Severity::Error: return "1;31";
    case Severity::Warning: return "1;35";
    case Severity::Note: return "1;36";
  }
  return kBold;
}

// Decodes the code point at byte `i` and advances `i` past it (invalid bytes: U+FFFD).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const std::size_t n = utf8_byte_offset(s.substr(i), 1);
  const auto b0 = static_cast<unsigned char>(s[i]);
  char32_t c = 0xFFFD;
  if (n == 1) {
    if (b0 < 0x80) c = b0;
  } else {
    c = b0 & (0x7Fu >> n);
    for (std::size_t k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
  }
  i += n;
  return c;
}

// Terminal width of a code point: 2 for East Asian wide and fullwidth forms, else 1.
int display_width(char32_t c) {
  const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
                    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
                    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD);
  return wide ? 2 : 1;
}

// A source line with tabs expanded, and the display column where each code point starts.
struct ExpandedLine {
  std::string text;
  std::vector<int> starts;  // one per code point, plus the width of the whole line

  // Display column of code point `k` (0-based); past the end, one column per code point.
  int column(std::size_t k) const {
    const std::size_t n = starts.size() - 1;
    return k <= n ? starts[k] : starts[n] + static_cast<int>(k - n);
  }
};

ExpandedLine expand(std::string_view line) {
  ExpandedLine out;
  int col = 0;
  for (std::size_t i = 0; i < line.size();) {
    out.starts.push_back(col);
    const std::size_t from = i;
    const char32_t c = next_code_point(line, i);
    if (c == U'\t') {
      const int w = kTabStop - col % kTabStop;
      out.text.append(static_cast<std::size_t>(w), ' ');
      col += w;
    } else if (c == 0xFFFD || c < 0x20 || c == 0x7F) {
      out.text += "\xEF\xBF\xBD";  // invalid bytes and control characters: shown as U+FFFD
      col += 1;
    } else {
      out.text.append(line.substr(from, i - from));
      col += display_width(c);
    }
  }
  out.starts.push_back(col);
  return out;
}

std::string location(const SourceManager& sm, const SourceRange& r) {
  return fmt::format("{}:{}:{}", sm.file(r.file).path, r.begin.line, r.begin.col);
}

bool has_file(const SourceManager& sm, const SourceRange& r) { return r.valid() && r.file < sm.size(); }

// The text of a `= help:` line for a fix-it; it always shows the replacement text.
std::string fixit_text(const FixIt& f) {
  const bool insert = f.range.begin == f.range.end;
  if (f.replacement.empty()) return f.message.empty() ? "remove this" : f.message;
  if (f.message.empty())
    return fmt::format("{} `{}`", insert ? "insert" : "replace with", f.replacement);
  if (f.message.find(fmt::format("`{}`", f.replacement)) != std::string::npos) return f.message;
  return fmt::format("{}: `{}`", f.message, f.replacement);
}

class TextRenderer {
 public:
  TextRenderer(std::ostream& out, const SourceManager& sm, const TextRenderOptions& opts)
      : out_(out), sm_(sm), opts_(opts), paint_{opts.color} {}

  void render(const Diagnostic& d) {
    gutter_ = gutter_width(d);
    const std::string label = paint_(severity_color(d.severity),
                                     fmt::format("{}[{}]", severity_name(d.severity), d.code));
    header(d.range, label, d.message);
    if (has_file(sm_, d.range)) snippet(d.range);
    for (const auto& n : d.notes) extra("note", n);
    for (const auto& f : d.fixits) extra("help", fixit_text(f));
    for (const auto& l : d.labels) {
      header(l.range, paint_(severity_color(Severity::Note), "note"), l.message);
      if (has_file(sm_, l.range)) snippet(l.range);
    }
  }

 private:
  int gutter_width(const Diagnostic& d) const {
    std::uint32_t max_line = d.range.begin.line;
    for (const auto& l : d.labels) max_line = std::max(max_line, l.range.begin.line);
    return std::max(kMinGutter, static_cast<int>(fmt::formatted_size("{}", max_line)));
  }

  void header(const SourceRange& r, const std::string& label, const std::string& message) {
    const std::string where = has_file(sm_, r) ? location(sm_, r) : "iwd";
    out_ << paint_(kBold, where + ":") << ' ' << label;
    if (!message.empty()) out_ << paint_(kBold, ": " + message);
    out_ << '\n';
  }

  void snippet(const SourceRange& r) {
    const SourceFile& file = sm_.file(r.file);
    if (!opts_.show_source || r.begin.line > file.line_count()) return;
    const ExpandedLine line = expand(file.line_text(r.begin.line));
    // Code point indexes, 0-based: [first, last) is underlined; one past the end of the
    // line at most, so a range from a bad column cannot make a huge caret line.
    const std::size_t n = line.starts.size() - 1;
    const std::size_t first = std::min<std::size_t>(r.begin.col > 0 ? r.begin.col - 1 : 0, n);
    std::size_t last = first + 1;
    if (r.end.line > r.begin.line) last = std::max(last, n);
    else if (r.end.line == r.begin.line && r.end.col > r.begin.col) last = r.end.col - 1;
    last = std::min(last, std::max(n, first + 1));
    const int from = line.column(first);
    const int width = std::max(1, line.column(last) - from);

    out_ << fmt::format("{:>{}} |", r.begin.line, gutter_);
    if (!line.text.empty()) out_ << ' ' << line.text;
    out_ << '\n';
    std::string carets(static_cast<std::size_t>(from), ' ');
    out_ << fmt::format("{:>{}} | {}", "", gutter_, carets)
         << paint_(kGreen, "^" + std::string(static_cast<std::size_t>(width - 1), '~')) << '\n';
  }

  void extra(std::string_view kind, const std::string& text) {
    out_ << fmt::format("{:>{}} = ", "", gutter_) << paint_(kBold, kind) << ": " << text << '\n';
  }

  std::ostream& out_;
  const SourceManager& sm_;
  const TextRenderOptions& opts_;
  Painter paint_;
  int gutter_ = kMinGutter;
};

}  // namespace

void render_text(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags,
                 const TextRenderOptions& opts) {
  TextRenderer r(out, sm, opts);
  for (const auto& d : diags) r.render(d);
}

void render_text(std::ostream& out, const Diagnostics& diags, const TextRenderOptions& opts) {
  if (diags.list.empty() || !diags.sources) return;
  render_text(out, *diags.sources, diags.list, opts);
}

}  // namespace iwd::compiler
