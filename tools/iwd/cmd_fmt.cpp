// `iwd fmt [--check] [--diff] PATH...`: rewrites .iwd files in the canonical layout
// (docs/fmt.md). `-` reads stdin and writes stdout.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string_view>

#include "compiler/diag/render.h"
#include "compiler/format/format.h"
#include "tools/iwd/commands.h"

namespace iwd::cli {
namespace {

namespace fs = std::filesystem;

struct FmtOptions {
  std::vector<std::string> paths;
  bool check = false;
  bool diff = false;
};

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t nl = s.find('\n', start);
    if (nl == std::string::npos) {
      out.push_back(s.substr(start));
      break;
    }
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// A unified diff (3 lines of context) from a longest-common-subsequence line match.
std::string unified_diff(const std::string& path, const std::string& before, const std::string& after) {
  const auto a = split_lines(before), b = split_lines(after);
  const std::size_t n = a.size(), m = b.size();
  // Common prefix and suffix first, to keep the table small.
  std::size_t pre = 0;
  while (pre < n && pre < m && a[pre] == b[pre]) ++pre;
  std::size_t suf = 0;
  while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf]) ++suf;
  const std::size_t an = n - pre - suf, bm = m - pre - suf;
  // Too large a table for memory: the changed middle as one deletion and one insertion
  // (still a correct diff, only not the smallest).
  const bool small = an * bm <= 20'000'000;
  std::vector<std::vector<std::uint32_t>> lcs(small ? an + 1 : 1, std::vector<std::uint32_t>(small ? bm + 1 : 1, 0));
  if (small)
  for (std::size_t i = an; i-- > 0;)
    for (std::size_t j = bm; j-- > 0;)
      lcs[i][j] = a[pre + i] == b[pre + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  // The edit script: ' ' keep, '-' delete, '+' insert, with indexes into a and b.
  struct Op {
    char kind;
    std::size_t ai, bi;
  };
  std::vector<Op> ops;
  for (std::size_t k = 0; k < pre; ++k) ops.push_back({' ', k, k});
  std::size_t i = 0, j = 0;
  if (!small) {
    for (; i < an; ++i) ops.push_back({'-', pre + i, pre});
    for (; j < bm; ++j) ops.push_back({'+', pre + an, pre + j});
  }
  while (i < an || j < bm) {
    if (i < an && j < bm && a[pre + i] == b[pre + j]) {
      ops.push_back({' ', pre + i, pre + j});
      ++i, ++j;
    } else if (i < an && (j == bm || lcs[i + 1][j] >= lcs[i][j + 1])) {
      ops.push_back({'-', pre + i, pre + j});
      ++i;
    } else {
      ops.push_back({'+', pre + i, pre + j});
      ++j;
    }
  }
  for (std::size_t k = 0; k < suf; ++k) ops.push_back({' ', n - suf + k, m - suf + k});

  std::string out = fmt::format("--- {}\n+++ {}\n", path, path);
  const std::size_t ctx = 3;
  std::size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].kind == ' ') {
      ++k;
      continue;
    }
    // A hunk: from ctx lines before this change to ctx lines after the last change that is
    // at most 2*ctx lines away from the next.
    std::size_t start = k >= ctx ? k - ctx : 0;
    std::size_t end = k;
    while (true) {
      std::size_t next = end;
      while (next < ops.size() && ops[next].kind != ' ') ++next;
      std::size_t same = next;
      while (same < ops.size() && ops[same].kind == ' ') ++same;
      if (same < ops.size() && same - next <= 2 * ctx) {
        end = same;
        continue;
      }
      end = std::min(ops.size(), next + ctx);
      break;
    }
    std::size_t a_start = ops[start].ai, b_start = ops[start].bi, a_len = 0, b_len = 0;
    std::string body;
    for (std::size_t x = start; x < end; ++x) {
      const auto& op = ops[x];
      if (op.kind == ' ') body += " " + a[op.ai] + "\n", ++a_len, ++b_len;
      else if (op.kind == '-') body += "-" + a[op.ai] + "\n", ++a_len;
      else body += "+" + b[op.bi] + "\n", ++b_len;
    }
    out += fmt::format("@@ -{},{} +{},{} @@\n", a_len ? a_start + 1 : a_start, a_len, b_len ? b_start + 1 : b_start,
                       b_len);
    out += body;
    k = end;
  }
  return out;
}

// A path as one shell word: quoted when it holds anything but plain characters.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("/._-+:@%,=").find(c) != std::string_view::npos;
  });
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

bool read_all(std::istream& in, std::string* out) {
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return !in.bad();
}

// Every .iwd file below a folder (sorted), or the file itself.
bool expand(const std::string& path, std::vector<std::string>* files) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().extension() == ".iwd") found.push_back(it->path().string());
    if (ec) return false;
    std::sort(found.begin(), found.end());
    files->insert(files->end(), found.begin(), found.end());
    return true;
  }
  files->push_back(path);
  return true;
}

int run_fmt(const FmtOptions& opts) {
  int code = kExitOk;
  auto raise = [&code](int c) { code = std::max(code, c); };
  std::vector<std::string> files;
  for (const auto& p : opts.paths) {
    if (p == "-") {
      files.push_back(p);
    } else if (!expand(p, &files)) {
      std::cerr << fmt::format("iwd fmt: cannot read folder '{}'\n", p);
      raise(kExitUsage);
    }
  }
  std::vector<std::string> to_format;  // with --check: the files that would change
  for (const auto& path : files) {
    compiler::SourceManager sm;
    compiler::DiagnosticBag diags;
    compiler::FileId id = compiler::kNoFile;
    const bool from_stdin = path == "-";
    if (from_stdin) {
      std::string text;
      if (!read_all(std::cin, &text)) {
        std::cerr << "iwd fmt: cannot read standard input\n";
        raise(kExitUsage);
        continue;
      }
      id = sm.add("<stdin>", std::move(text));
    } else {
      std::string error;
      id = sm.load(path, &error);
      if (id == compiler::kNoFile) {
        std::cerr << "iwd fmt: " << error << "\n";
        raise(kExitUsage);
        continue;
      }
    }
    const std::string& before = sm.file(id).text;
    compiler::FormatResult r = compiler::format_source(sm, id, diags);
    if (!r.ok) {
      if (!r.error.empty()) {
        std::cerr << fmt::format("iwd fmt: {}: {}\n", sm.file(id).path, r.error);
      } else {
        compiler::TextRenderOptions text_opts;
        compiler::render_text(std::cerr, sm, diags.all(), text_opts);
        std::cerr << fmt::format("iwd fmt: {}: not formatted: it has syntax errors\n", sm.file(id).path);
      }
      raise(kExitFindings);
      continue;
    }
    const bool changed = r.text != before;
    if (opts.diff) {
      if (changed) std::cout << unified_diff(sm.file(id).path, before, r.text);
    }
    if (opts.check) {
      if (changed) {
        std::cerr << sm.file(id).path << "\n";
        to_format.push_back(sm.file(id).path);
        raise(kExitFindings);
      }
    }
    if (opts.check || opts.diff) continue;
    if (from_stdin) {
      std::cout << r.text;
      continue;
    }
    if (!changed) continue;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << r.text;
    out.close();
    if (!out) {
      std::cerr << fmt::format("iwd fmt: cannot write '{}'\n", path);
      raise(kExitUsage);
    }
  }
  if (!to_format.empty()) {
    // How to see the change and how to make it: the files, or the paths given when there
    // are many files (`<stdin>` is named `-`).
    std::string names;
    for (const auto& p : to_format.size() <= 5 ? to_format : opts.paths)
      names += " " + shell_word(p == "<stdin>" ? std::string("-") : p);
    std::cerr << fmt::format("iwd fmt: {} file{} not in the canonical layout; `iwd fmt --diff{}` shows the change, "
                             "`iwd fmt{}` makes it\n",
                             to_format.size(), to_format.size() == 1 ? " is" : "s are", names, names);
  }
  return code;
}

}  // namespace

void register_fmt(CLI::App& app) {
  auto opts = std::make_shared<FmtOptions>();
  auto* cmd = app.add_subcommand("fmt", "Rewrite rule files in the canonical layout");
  cmd->add_option("paths", opts->paths, "Files or folders (every .iwd file below a folder); - for stdin")->required();
  cmd->add_flag("--check", opts->check,
                "Change nothing; list the files that would change (and the command that shows how) and exit 1 if any");
  cmd->add_flag("--diff", opts->diff, "Change nothing; print a unified diff of what would change");
  cmd->callback([opts] { set_exit_code(run_fmt(*opts)); });
}

}  // namespace iwd::cli
