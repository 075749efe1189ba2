// The formatter (see format.h and docs/fmt.md). The AST gives the structure (which
// constructs are blocks, which are one-line clauses, where each one starts and ends); the
// re-lexed tokens give the text of each line, printed with canonical spacing (so the user's
// parentheses and literal spellings are kept as written) and the comments.
#include "compiler/format/format.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <map>
#include <optional>
#include <sstream>

#include "compiler/syntax/lex_comments.h"
#include "compiler/syntax/parse.h"

namespace iwd::compiler {
namespace {

constexpr std::size_t kMaxWidth = 100;

struct Item {
  enum Kind { Leaf, ListLeaf, Block, Table } kind = Leaf;
  std::uint32_t b = 0, e = 0;  // code-point offsets [b, e)
  bool commas = false;         // on one line, children are separated by `, ` (attributes)
  std::vector<Item> children;
};

std::size_t cp_len(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

std::string fmt_hex(std::uint32_t cp) {
  static const char* digits = "0123456789ABCDEF";
  std::string h;
  do {
    h.insert(h.begin(), digits[cp % 16]);
    cp /= 16;
  } while (cp != 0);
  return "\\u{" + h + "}";
}

// A string literal re-escaped the canonical way: `\"` `\\` `\n` `\t` escaped, other control
// characters as `\u{HEX}`, everything else as itself. Returns the spelling unchanged if it
// is not a well-formed string (the parser would have reported it).
std::string canonical_string(const std::string& spelling) {
  if (spelling.size() < 2 || spelling.front() != '"' || spelling.back() != '"') return spelling;
  std::string out = "\"";
  for (std::size_t i = 1; i + 1 < spelling.size(); ++i) {
    const char c = spelling[i];
    std::uint32_t cp = static_cast<unsigned char>(c);
    if (c == '\\') {
      if (i + 2 >= spelling.size()) return spelling;
      const char e = spelling[++i];
      if (e == '"' || e == '\\') cp = static_cast<unsigned char>(e);
      else if (e == 'n') cp = '\n';
      else if (e == 't') cp = '\t';
      else if (e == 'u' && i + 1 < spelling.size() && spelling[i + 1] == '{') {
        const std::size_t close = spelling.find('}', i + 2);
        if (close == std::string::npos || close == i + 2 || close - (i + 2) > 6) return spelling;
        cp = 0;
        for (std::size_t k = i + 2; k < close; ++k) {
          if (!std::isxdigit(static_cast<unsigned char>(spelling[k]))) return spelling;
          cp = cp * 16 + static_cast<std::uint32_t>(std::stoi(std::string(1, spelling[k]), nullptr, 16));
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return spelling;
        i = close;
      } else {
        return spelling;
      }
    } else if (cp >= 0x80) {
      out += c;  // a UTF-8 byte: copied as is
      continue;
    }
    if (cp == '"') out += "\\\"";
    else if (cp == '\\') out += "\\\\";
    else if (cp == '\n') out += "\\n";
    else if (cp == '\t') out += "\\t";
    else if (cp < 0x20 || cp == 0x7F) out += fmt_hex(cp);
    else append_utf8(out, cp);
  }
  return out + "\"";
}

// ---- what the AST tells about spacing ------------------------------------------------
struct Style {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> tight;  // ranges printed without spaces
  std::vector<std::uint32_t> unary_minus;                      // offsets at/after which a `-` is a negation
  std::vector<std::uint32_t> callees;                          // offsets of called names
};

void walk_expr(Style& st, const SyntaxExpr* e) {
  if (e == nullptr) return;
  switch (e->kind) {
    case SyntaxExprKind::Member: walk_expr(st, as<SyntaxMember>(*e).base.get()); break;
    case SyntaxExprKind::Call: {
      const auto& c = as<SyntaxCall>(*e);
      st.callees.push_back(c.callee.range.begin.offset);
      for (const auto& a : c.args) walk_expr(st, a.get());
      break;
    }
    case SyntaxExprKind::Unary: {
      const auto& u = as<SyntaxUnary>(*e);
      if (u.op == SyntaxUnaryOp::Negate) st.unary_minus.push_back(e->range.begin.offset);
      walk_expr(st, u.operand.get());
      break;
    }
    case SyntaxExprKind::Binary: {
      const auto& b = as<SyntaxBinary>(*e);
      walk_expr(st, b.lhs.get());
      walk_expr(st, b.rhs.get());
      break;
    }
    case SyntaxExprKind::In: {
      const auto& i = as<SyntaxIn>(*e);
      walk_expr(st, i.value.get());
      walk_expr(st, i.target.get());
      walk_expr(st, i.lo.get());
      walk_expr(st, i.hi.get());
      break;
    }
    case SyntaxExprKind::List:
      for (const auto& x : as<SyntaxList>(*e).items) walk_expr(st, x.get());
      break;
    case SyntaxExprKind::If: {
      const auto& i = as<SyntaxIf>(*e);
      walk_expr(st, i.cond.get());
      walk_expr(st, i.then_expr.get());
      walk_expr(st, i.else_expr.get());
      break;
    }
    default: break;
  }
}

void add_tight(Style& st, const SourceRange& r) {
  if (r.valid()) st.tight.emplace_back(r.begin.offset, r.end.offset);
}

void walk_priority(Style& st, const SyntaxPriorityBody& body) {
  for (const auto& c : body.clauses) {
    walk_expr(st, c.value.get());
    walk_expr(st, c.period.get());
    walk_expr(st, c.from.get());
    walk_expr(st, c.until.get());
    walk_expr(st, c.condition.get());
    for (const auto& p : c.points) {
      walk_expr(st, p.at.get());
      walk_expr(st, p.value.get());
    }
  }
}

void walk_targets(Style& st, const SyntaxTargetsBody& body) {
  for (const auto& s : body.stages) {
    walk_expr(st, s.expr.get());
    walk_expr(st, s.duration.get());
  }
}

void walk_process_clauses(Style& st, const std::vector<SyntaxProcessClause>& clauses) {
  for (const auto& c : clauses) {
    walk_expr(st, c.value.get());
    walk_expr(st, c.min.get());
    walk_expr(st, c.max.get());
    if (c.priority) walk_priority(st, *c.priority);
    if (c.targets) walk_targets(st, *c.targets);
  }
}

void walk_decl(Style& st, const SyntaxDecl& d) {
  switch (d.kind) {
    case SyntaxDeclKind::Attributes:
      for (const auto& a : as<SyntaxAttributes>(d).attributes) {
        add_tight(st, a.type.range);
        walk_expr(st, a.default_value.get());
      }
      break;
    case SyntaxDeclKind::Define: walk_expr(st, as<SyntaxDefine>(d).value.get()); break;
    case SyntaxDeclKind::Calendar:
      for (const auto& c : as<SyntaxCalendar>(d).clauses) {
        for (const auto& x : c.days) add_tight(st, x.range);
        for (const auto& x : c.hours) add_tight(st, x.range);
        for (const auto& x : c.closed) add_tight(st, x.range);
      }
      break;
    case SyntaxDeclKind::Priority: walk_priority(st, as<SyntaxPriority>(d).body); break;
    case SyntaxDeclKind::Targets: walk_targets(st, as<SyntaxTargets>(d).body); break;
    case SyntaxDeclKind::Process:
    case SyntaxDeclKind::DefaultProcess: {
      const auto& p = as<SyntaxProcess>(d);
      walk_expr(st, p.when.get());
      walk_process_clauses(st, p.clauses);
      break;
    }
    case SyntaxDeclKind::Department: {
      const auto& dep = as<SyntaxDepartment>(d);
      walk_expr(st, dep.when.get());
      walk_process_clauses(st, dep.clauses);
      for (const auto& m : dep.members) walk_decl(st, *m);
      break;
    }
    case SyntaxDeclKind::Test:
      for (const auto& c : as<SyntaxTest>(d).clauses) {
        for (const auto& f : c.fields) walk_expr(st, f.value.get());
        walk_expr(st, c.value.get());
        walk_expr(st, c.age.get());
      }
      break;
    default: break;
  }
}

// ---- the layout tree ---------------------------------------------------------------
Item leaf(const SourceRange& r, Item::Kind k = Item::Leaf) {
  Item it;
  it.kind = k;
  it.b = r.begin.offset;
  it.e = r.end.offset;
  return it;
}

Item block(const SourceRange& r) { return leaf(r, Item::Block); }

Item priority_item(const SourceRange& r, const SyntaxPriorityBody& body) {
  Item it = block(r);
  for (const auto& c : body.clauses) it.children.push_back(leaf(c.range));
  return it;
}

Item targets_item(const SourceRange& r, const SyntaxTargetsBody& body) {
  Item it = block(r);
  for (const auto& s : body.stages) it.children.push_back(leaf(s.range));
  return it;
}

Item clause_item(const SyntaxProcessClause& c) {
  if (c.priority) return priority_item(c.range, *c.priority);
  if (c.targets) return targets_item(c.range, *c.targets);
  return leaf(c.range);
}

void sort_items(std::vector<Item>& v) {
  std::stable_sort(v.begin(), v.end(), [](const Item& a, const Item& b) { return a.b < b.b; });
}

class Layout {
 public:
  explicit Layout(const LexedSource& lx) : lx_(lx) {}

  bool has_brace(const SourceRange& r) const {
    auto it = std::lower_bound(lx_.tokens.begin(), lx_.tokens.end(), r.begin.offset,
                               [](const LexedToken& t, std::uint32_t o) { return t.begin < o; });
    for (; it != lx_.tokens.end() && it->begin < r.end.offset; ++it)
      if (it->text == "{") return true;
    return false;
  }

  Item process_item(const SyntaxProcess& p) const {
    if (!has_brace(p.range)) return leaf(p.range);
    Item it = block(p.range);
    for (const auto& c : p.clauses) it.children.push_back(clause_item(c));
    return it;
  }

  Item decl_item(const SyntaxDecl& d) const {
    switch (d.kind) {
      case SyntaxDeclKind::Enum:
      case SyntaxDeclKind::Skills:
      case SyntaxDeclKind::Outcomes:
      case SyntaxDeclKind::Capacity: return leaf(d.range, Item::ListLeaf);
      case SyntaxDeclKind::Attributes: {
        Item it = block(d.range);
        it.commas = true;
        for (const auto& a : as<SyntaxAttributes>(d).attributes) it.children.push_back(leaf(a.range));
        return it;
      }
      case SyntaxDeclKind::Calendar: {
        Item it = block(d.range);
        for (const auto& c : as<SyntaxCalendar>(d).clauses) it.children.push_back(leaf(c.range));
        return it;
      }
      case SyntaxDeclKind::Priority: return priority_item(d.range, as<SyntaxPriority>(d).body);
      case SyntaxDeclKind::Targets: return targets_item(d.range, as<SyntaxTargets>(d).body);
      case SyntaxDeclKind::Process:
      case SyntaxDeclKind::DefaultProcess: return process_item(as<SyntaxProcess>(d));
      case SyntaxDeclKind::Table: {
        const auto& t = as<SyntaxTable>(d);
        Item it = leaf(d.range, Item::Table);
        if (!t.columns.empty()) {
          SourceRange hr = t.columns.front().range;
          hr.end = t.columns.back().range.end;
          it.children.push_back(leaf(hr));
        }
        for (const auto& r : t.rows) it.children.push_back(leaf(r.range));
        return it;
      }
      case SyntaxDeclKind::Department: {
        const auto& dep = as<SyntaxDepartment>(d);
        if (!has_brace(SourceRange{d.range.file, dep.when ? dep.when->range.end : d.range.begin, d.range.end}))
          return leaf(d.range);
        Item it = block(d.range);
        for (const auto& c : dep.clauses) it.children.push_back(clause_item(c));
        for (const auto& m : dep.members) it.children.push_back(decl_item(*m));
        sort_items(it.children);
        return it;
      }
      case SyntaxDeclKind::Test: {
        Item it = block(d.range);
        for (const auto& c : as<SyntaxTest>(d).clauses) it.children.push_back(leaf(c.range));
        return it;
      }
      default: return leaf(d.range);
    }
  }

 private:
  const LexedSource& lx_;
};

// ---- printing ----------------------------------------------------------------------
class Printer {
 public:
  Printer(const LexedSource& lx, const std::string& src, Style st) : lx_(lx), src_(src) {
    // code point -> byte offset
    for (std::size_t i = 0; i < src.size(); ++i)
      if ((static_cast<unsigned char>(src[i]) & 0xC0) != 0x80) byte_of_cp_.push_back(static_cast<std::uint32_t>(i));
    byte_of_cp_.push_back(static_cast<std::uint32_t>(src.size()));
    const auto& toks = lx_.tokens;
    tight_.assign(toks.size(), -1);
    unary_.assign(toks.size(), false);
    callee_.assign(toks.size(), false);
    for (std::size_t r = 0; r < st.tight.size(); ++r)
      for (std::size_t k = first_at(st.tight[r].first); k < toks.size() && toks[k].begin < st.tight[r].second; ++k)
        tight_[k] = static_cast<int>(r);
    auto mark = [&](std::uint32_t off, std::vector<bool>& v) {
      std::size_t k = first_at(off);
      while (k < toks.size() && toks[k].text == "(") ++k;
      if (k < toks.size()) v[k] = true;
    };
    for (auto off : st.unary_minus) mark(off, unary_);
    for (auto off : st.callees) mark(off, callee_);
  }

  void top(const std::vector<Item>& items) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0 && (multi_line(items[i]) || multi_line(items[i - 1]))) want_blank_ = true;
      item(items[i], 0);
    }
    want_blank_ = false;
    flush_leading(UINT32_MAX, 0);
    align_trailing_comments();
  }

  // Blocks, and lists too long for one line, are set apart by blank lines at the top level.
  bool multi_line(const Item& it) const {
    if (it.kind == Item::Block) return !one_line(it, 0);
    if (it.kind == Item::Table) return true;
    if (it.kind != Item::ListLeaf) return false;
    return cp_len(join(first_at(it.b), first_at(it.e))) > kMaxWidth;
  }

  std::string text() const {
    std::string all;
    for (const auto& l : lines_) all += l + "\n";
    // No trailing whitespace on any line; exactly one newline at the end.
    std::string out;
    std::istringstream in(all);
    std::string line;
    std::vector<std::string> kept;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' || line.back() == '\f'))
        line.pop_back();
      kept.push_back(line);
    }
    while (!kept.empty() && kept.back().empty()) kept.pop_back();
    for (const auto& l : kept) out += l + "\n";
    return out;
  }

 private:
  const LexedSource& lx_;
  const std::string& src_;
  std::vector<std::uint32_t> byte_of_cp_;
  std::vector<int> tight_;
  std::vector<bool> unary_, callee_;
  std::vector<std::string> lines_;
  std::size_t cur_ = 0;            // next comment to place
  std::uint32_t last_line_ = 0;    // source line of the last thing placed
  bool want_blank_ = false;
  bool block_start_ = true;
  struct Trail {
    std::size_t out_line;  // index in lines_
    std::size_t byte;      // where the ` // comment` starts in that line
    std::size_t code_col;  // columns of code before it (on the last line of a multi-line entry)
    std::uint32_t src_line, src_col;
  };
  std::vector<Trail> trails_;  // the first trailing comment of each line

  std::size_t first_at(std::uint32_t off) const {
    auto it = std::lower_bound(lx_.tokens.begin(), lx_.tokens.end(), off,
                               [](const LexedToken& t, std::uint32_t o) { return t.begin < o; });
    return static_cast<std::size_t>(it - lx_.tokens.begin());
  }
  const std::vector<LexedToken>& comments() const { return lx_.comments; }

  std::string verbatim(std::uint32_t b, std::uint32_t e) const {
    b = std::min<std::uint32_t>(b, static_cast<std::uint32_t>(byte_of_cp_.size() - 1));
    e = std::min<std::uint32_t>(e, static_cast<std::uint32_t>(byte_of_cp_.size() - 1));
    return src_.substr(byte_of_cp_[b], byte_of_cp_[e] - byte_of_cp_[b]);
  }

  static bool is(const LexedToken& t, const char* s) { return t.text == s; }

  bool need_space(std::size_t a, std::size_t b) const {
    const auto& A = lx_.tokens[a].text;
    const auto& B = lx_.tokens[b].text;
    if (tight_[a] >= 0 && tight_[a] == tight_[b]) return A == "every";
    if (B == ")" || B == "]" || B == "," || B == ":" || B == "." || B == "..") return false;
    if (A == "(" || A == "[" || A == "." || A == "..") return false;
    if (B == "(" && callee_[a]) return false;
    if (unary_[a]) return false;
    if (A == "{" && B == "}") return false;
    return true;
  }

  // The tokens [i, j) on one line with canonical spacing; `;` and trailing commas dropped.
  std::string join(std::size_t i, std::size_t j) const {
    std::string out;
    std::size_t prev = SIZE_MAX;
    for (std::size_t k = i; k < j; ++k) {
      const auto& t = lx_.tokens[k].text;
      if (t == ";") continue;
      if (t == ",") {
        std::size_t n = k + 1;
        while (n < j && lx_.tokens[n].text == ";") ++n;
        if (n == j || lx_.tokens[n].text == "}" || lx_.tokens[n].text == "]") continue;
      }
      if (prev != SIZE_MAX && need_space(prev, k)) out += ' ';
      out += t.front() == '"' ? canonical_string(t) : t;
      prev = k;
    }
    return out;
  }

  // A table cell: a space after `,` and `not` and around `in` (`5bd in office`) only (a `-`
  // glued to a number stays glued).
  std::string join_cell(std::size_t i, std::size_t j) const {
    std::string out;
    for (std::size_t k = i; k < j; ++k) {
      if (k > i && (lx_.tokens[k - 1].text == "," || lx_.tokens[k - 1].text == "not" || lx_.tokens[k - 1].text == "in" ||
                    lx_.tokens[k].text == "in"))
        out += ' ';
      const auto& t = lx_.tokens[k].text;
      out += t.front() == '"' ? canonical_string(t) : t;
    }
    return out;
  }

  void emit(int indent, const std::string& text) {
    lines_.push_back(std::string(static_cast<std::size_t>(indent) * 2, ' ') + text);
    block_start_ = false;
  }

  // A line of code with the comments that follow it on source line `line` (after offset
  // `after`). `code` may hold several lines (a list or a construct kept as written).
  void emit_code(int indent, const std::string& code, std::uint32_t after, std::uint32_t line) {
    std::uint32_t src_col = 0;
    const std::string comments = trailing(after, line, &src_col);
    if (!comments.empty()) {
      const std::size_t nl = code.rfind('\n');
      const std::size_t pad = static_cast<std::size_t>(indent) * 2;
      trails_.push_back({lines_.size(), pad + code.size(),
                         nl == std::string::npos ? pad + cp_len(code) : cp_len(code.substr(nl + 1)), line, src_col});
    }
    emit(indent, code + comments);
  }

  // Aligned trailing comments stay aligned: a group of trailing comments on consecutive
  // lines (in the source and in the output) that shared one column in the source stays in
  // that column if every line's code ends before it, else moves to one space after the
  // longest line's code. Any other trailing comment stays one space after its code.
  void align_trailing_comments() {
    for (std::size_t g = 0; g < trails_.size();) {
      std::size_t end = g + 1;
      while (end < trails_.size() && trails_[end].out_line == trails_[end - 1].out_line + 1 &&
             trails_[end].src_line == trails_[end - 1].src_line + 1 && trails_[end].src_col == trails_[g].src_col)
        ++end;
      if (end - g > 1) {
        std::size_t widest = 0;
        for (std::size_t k = g; k < end; ++k) widest = std::max(widest, trails_[k].code_col);
        const std::size_t column = widest < trails_[g].src_col ? trails_[g].src_col : widest + 1;
        for (std::size_t k = g; k < end; ++k)
          lines_[trails_[k].out_line].insert(trails_[k].byte, column - 1 - trails_[k].code_col, ' ');
      }
      g = end;
    }
  }

  void separate(std::uint32_t src_line) {
    if (!block_start_ && (want_blank_ || (last_line_ != 0 && src_line > last_line_ + 1))) lines_.emplace_back();
    want_blank_ = false;
  }

  // Comments before `before`, each group (comments on one source line) on a line of its own.
  void flush_leading(std::uint32_t before, int indent) {
    const auto& cs = comments();
    while (cur_ < cs.size() && cs[cur_].begin < before) {
      std::string text = cs[cur_].text;
      const std::uint32_t line = cs[cur_].line;
      std::uint32_t end_line = cs[cur_].end_line;
      bool line_comment = cs[cur_].line_comment;
      ++cur_;
      while (!line_comment && cur_ < cs.size() && cs[cur_].begin < before && cs[cur_].line == end_line) {
        text += " " + cs[cur_].text;
        end_line = cs[cur_].end_line;
        line_comment = cs[cur_].line_comment;
        ++cur_;
      }
      separate(line);
      emit(indent, text);
      last_line_ = end_line;
    }
  }

  // Comments after offset `after` on source line `line`, before the next code token
  // (ignoring `;`), appended to the current line, one space after the code; `*src_col` is
  // the source column (0-based) of the first one.
  std::string trailing(std::uint32_t after, std::uint32_t line, std::uint32_t* src_col = nullptr) {
    std::size_t next = first_at(after);
    while (next < lx_.tokens.size() && lx_.tokens[next].text == ";") ++next;
    const std::uint32_t next_begin = next < lx_.tokens.size() ? lx_.tokens[next].begin : UINT32_MAX;
    const auto& cs = comments();
    std::string out;
    while (cur_ < cs.size() && cs[cur_].begin >= after && cs[cur_].line == line && cs[cur_].begin < next_begin) {
      if (out.empty() && src_col != nullptr) *src_col = cs[cur_].col > 0 ? cs[cur_].col - 1 : 0;
      out += " " + cs[cur_].text;
      last_line_ = std::max(last_line_, cs[cur_].end_line);
      const bool lc = cs[cur_].line_comment;
      ++cur_;
      if (lc) break;
    }
    return out;
  }

  bool comment_before(std::uint32_t off) const { return cur_ < comments().size() && comments()[cur_].begin < off; }
  void skip_comments_before(std::uint32_t off) {
    while (comment_before(off)) ++cur_;
  }

  // A short block kept on one line (`targets { skill phone > 0 }`, `process Q { sla 2h }`,
  // `attributes { id: string, amount: int }`): when the source has its `{` and `}` on one
  // line, no comment inside, one clause (any number of attributes, `, ` between them), no
  // nested block, and the line fits in kMaxWidth columns. Returns the line, or nothing.
  std::optional<std::string> one_line(const Item& it, int indent) const {
    if (it.kind != Item::Block || it.children.empty() || (it.children.size() > 1 && !it.commas)) return std::nullopt;
    const std::size_t i = first_at(it.b), j = first_at(it.e);
    std::size_t lb = i;
    while (lb < j && !is(lx_.tokens[lb], "{")) ++lb;
    std::size_t rb = j;
    while (rb > lb && !is(lx_.tokens[rb - 1], "}")) --rb;
    if (lb >= j || rb <= lb + 1) return std::nullopt;
    --rb;
    if (lx_.tokens[lb].line != lx_.tokens[rb].end_line) return std::nullopt;
    const auto& cs = comments();
    auto c = std::lower_bound(cs.begin(), cs.end(), it.b,
                              [](const LexedToken& t, std::uint32_t o) { return t.begin < o; });
    if (c != cs.end() && c->begin < it.e) return std::nullopt;
    std::string line = join(i, lb) + " {";
    for (std::size_t k = 0; k < it.children.size(); ++k) {
      const Item& ch = it.children[k];
      if (ch.kind != Item::Leaf) return std::nullopt;
      std::string text = join(first_at(ch.b), first_at(ch.e));
      while (!text.empty() && text.back() == ',') text.pop_back();
      line += (k > 0 ? ", " : " ") + text;
    }
    line += " }";
    if (static_cast<std::size_t>(indent) * 2 + cp_len(line) > kMaxWidth) return std::nullopt;
    return line;
  }

  // The construct as written (it holds a comment this layout cannot place).
  void emit_verbatim(const Item& it, int indent, std::size_t i, std::size_t j) {
    separate(lx_.tokens[i].line);
    const std::size_t first_comment = cur_;
    skip_comments_before(it.e);
    std::string text = verbatim(it.b, it.e);
    last_line_ = lx_.tokens[j - 1].end_line;
    for (std::size_t c = first_comment; c < cur_; ++c)  // a comment may end the construct's last line
      last_line_ = std::max(last_line_, comments()[c].end_line);
    emit_code(indent, text, it.e, last_line_);
  }

  void item(const Item& it, int indent) {
    flush_leading(it.b, indent);
    const std::size_t i = first_at(it.b), j = first_at(it.e);
    if (i >= j) return;
    if (it.kind == Item::Leaf || it.kind == Item::ListLeaf) {
      if (comment_before(it.e)) return emit_verbatim(it, indent, i, j);
      separate(lx_.tokens[i].line);
      std::string text = join(i, j);
      if (it.kind == Item::ListLeaf && static_cast<std::size_t>(indent) * 2 + cp_len(text) > kMaxWidth)
        text = list_lines(i, j, indent);
      last_line_ = lx_.tokens[j - 1].end_line;
      emit_code(indent, text, it.e, last_line_);
      return;
    }
    if (auto line = one_line(it, indent)) {
      separate(lx_.tokens[i].line);
      last_line_ = lx_.tokens[j - 1].end_line;
      return emit_code(indent, *line, it.e, last_line_);
    }
    // A block: header `{`, children, `}`.
    std::size_t lb = i, rb = j;
    while (lb < j && !is(lx_.tokens[lb], "{")) ++lb;
    for (std::size_t k = j; k > lb; --k)
      if (is(lx_.tokens[k - 1], "}")) {
        rb = k - 1;
        break;
      }
    if (lb >= j || rb >= j) return emit_verbatim(it, indent, i, j);
    std::string header;
    if (comment_before(lx_.tokens[lb].begin)) {
      // A comment inside the header: the header as written (the body is still laid out),
      // unless a `//` comment would swallow the `{`.
      for (std::size_t c = cur_; c < comments().size() && comments()[c].begin < lx_.tokens[lb].begin; ++c)
        if (comments()[c].line_comment) return emit_verbatim(it, indent, i, j);
      header = verbatim(it.b, lx_.tokens[lb].begin);
      while (!header.empty() && std::isspace(static_cast<unsigned char>(header.back()))) header.pop_back();
      skip_comments_before(lx_.tokens[lb].begin);
    } else {
      header = join(i, lb);
    }
    separate(lx_.tokens[i].line);
    if (it.children.empty() && !comment_before(lx_.tokens[rb].begin)) {
      last_line_ = lx_.tokens[j - 1].end_line;
      emit_code(indent, header + " {}", it.e, last_line_);
      return;
    }
    last_line_ = lx_.tokens[lb].line;
    emit_code(indent, header + " {", lx_.tokens[lb].end, last_line_);
    block_start_ = true;
    if (it.kind == Item::Table) table_rows(it, indent + 1);
    else
      for (const auto& c : it.children) item(c, indent + 1);
    flush_leading(lx_.tokens[rb].begin, indent + 1);
    last_line_ = lx_.tokens[j - 1].end_line;
    emit_code(indent, "}", it.e, lx_.tokens[rb].line);
  }

  // enum/skills/capacity too long for one line: one item per line.
  std::string list_lines(std::size_t i, std::size_t j, int indent) const {
    std::size_t lb = i;
    while (lb < j && !is(lx_.tokens[lb], "{")) ++lb;
    std::size_t rb = j;
    while (rb > lb && !is(lx_.tokens[rb - 1], "}")) --rb;
    if (lb >= j || rb <= lb) return join(i, j);
    --rb;
    std::string out = join(i, lb) + " {";
    const std::string pad(static_cast<std::size_t>(indent + 1) * 2, ' ');
    std::vector<std::string> parts;
    std::size_t s = lb + 1;
    for (std::size_t k = lb + 1; k <= rb; ++k) {
      if (k == rb || is(lx_.tokens[k], ",")) {
        if (k > s) parts.push_back(join(s, k));
        s = k + 1;
      }
    }
    for (std::size_t p = 0; p < parts.size(); ++p) out += "\n" + pad + parts[p] + (p + 1 < parts.size() ? "," : "");
    out += "\n" + std::string(static_cast<std::size_t>(indent) * 2, ' ') + "}";
    return out;
  }

  // Decision table rows, cells aligned in columns.
  void table_rows(const Item& table, int indent) {
    struct Row {
      std::vector<std::string> cells;
      bool verbatim = false;
    };
    std::vector<Row> rows(table.children.size());
    std::vector<std::size_t> width;
    // Which rows hold a comment inside (those are kept as written).
    std::size_t c = cur_;
    for (std::size_t r = 0; r < table.children.size(); ++r) {
      const Item& it = table.children[r];
      while (c < comments().size() && comments()[c].begin < it.b) ++c;
      if (c < comments().size() && comments()[c].begin < it.e) {
        rows[r].verbatim = true;
        continue;
      }
      const std::size_t i = first_at(it.b), j = first_at(it.e);
      std::size_t s = i;
      for (std::size_t k = i; k <= j; ++k)
        if (k == j || is(lx_.tokens[k], "|")) {
          rows[r].cells.push_back(join_cell(s, k));
          s = k + 1;
        }
      for (std::size_t k = 0; k < rows[r].cells.size(); ++k) {
        if (width.size() <= k) width.push_back(0);
        width[k] = std::max(width[k], cp_len(rows[r].cells[k]));
      }
    }
    for (std::size_t r = 0; r < table.children.size(); ++r) {
      const Item& it = table.children[r];
      flush_leading(it.b, indent);
      const std::size_t i = first_at(it.b), j = first_at(it.e);
      if (i >= j) continue;
      if (rows[r].verbatim) {
        emit_verbatim(it, indent, i, j);
        continue;
      }
      separate(lx_.tokens[i].line);
      std::string text;
      for (std::size_t k = 0; k < rows[r].cells.size(); ++k) {
        if (k > 0) text += " | ";
        text += rows[r].cells[k];
        if (k + 1 < rows[r].cells.size()) text += std::string(width[k] - cp_len(rows[r].cells[k]), ' ');
      }
      last_line_ = lx_.tokens[j - 1].end_line;
      emit_code(indent, text, it.e, last_line_);
    }
  }
};

std::string strip_trailing_ws_per_line(const std::string& s) {
  std::string out, line;
  std::istringstream in(s);
  bool first = true;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r' || line.back() == '\f'))
      line.pop_back();
    if (!first) out += '\n';
    out += line;
    first = false;
  }
  return out;
}

std::map<std::string, int> comment_texts(const std::vector<LexedToken>& cs) {
  std::map<std::string, int> m;
  for (const auto& c : cs) ++m[strip_trailing_ws_per_line(c.text)];
  return m;
}

std::string stripped_dump(const SourceManager& sm, const SyntaxFile& f) {
  std::ostringstream out;
  dump_ast(out, sm, f);
  return strip_ast_ranges(out.str());
}

}  // namespace

std::string strip_ast_ranges(const std::string& dump) {
  std::string out;
  out.reserve(dump.size());
  for (std::size_t i = 0; i < dump.size();) {
    if (dump[i] == ' ' && i + 1 < dump.size() && dump[i + 1] == '@') {
      std::size_t k = i + 2;
      if (k < dump.size() && dump[k] == '?') {
        i = k + 1;
        continue;
      }
      const std::size_t start = k;
      while (k < dump.size() && (std::isdigit(static_cast<unsigned char>(dump[k])) || dump[k] == ':' || dump[k] == '-'))
        ++k;
      if (k > start && (k == dump.size() || dump[k] == '\n')) {
        i = k;
        continue;
      }
    }
    out += dump[i++];
  }
  return out;
}

FormatResult format_source(const SourceManager& sm, FileId file, DiagnosticBag& diags) {
  FormatResult result;
  DiagnosticBag local;
  auto ast = parse_file(sm, file, local);
  const bool broken = local.has_errors();
  for (auto& d : local.all()) diags.add(std::move(d));
  if (broken) return result;

  const LexedSource lx = lex_source(sm, file);
  Style st;
  for (const auto& d : ast->decls) walk_decl(st, *d);
  Layout layout(lx);
  std::vector<Item> items;
  for (const auto& d : ast->decls) items.push_back(layout.decl_item(*d));
  Printer printer(lx, sm.file(file).text, std::move(st));
  printer.top(items);
  std::string text = printer.text();

  // Safety: the output must mean the same and keep every comment.
  SourceManager check_sm;
  const FileId out_id = check_sm.add(sm.file(file).path, text);
  DiagnosticBag check_diags;
  auto out_ast = parse_file(check_sm, out_id, check_diags);
  if (check_diags.has_errors()) {
    result.error = "the formatted text would not parse (formatter bug); the file is left as it is";
    return result;
  }
  if (stripped_dump(sm, *ast) != stripped_dump(check_sm, *out_ast)) {
    result.error = "the formatted text would not mean the same (formatter bug); the file is left as it is";
    return result;
  }
  if (comment_texts(lx.comments) != comment_texts(lex_comments(check_sm, out_id))) {
    result.error = "the formatted text would lose or repeat a comment (formatter bug); the file is left as it is";
    return result;
  }
  result.ok = true;
  result.text = std::move(text);
  return result;
}

FormatResult format_text(const std::string& path, const std::string& text, DiagnosticBag& diags) {
  SourceManager sm;
  const FileId id = sm.add(path, text);
  return format_source(sm, id, diags);
}

}  // namespace iwd::compiler
