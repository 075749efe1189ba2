// The chunked fast path of parse_file (parse_chunks.h). Why it gives the AST a parse of the
// whole file gives: with SLL prediction ANTLR decides each choice from the tokens ahead
// alone, never from the rules that called the current one, and this grammar's predicates
// read only tokens; so parsing a declaration from where it starts gives the same tree
// whether `file` called it or we did, provided the declaration then ends exactly where the
// next chunk starts (checked). A declaration that does not parse fails the whole file over
// to the usual path, which reports the errors.
#include "compiler/syntax/parse_chunks.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "compiler/syntax/bounded_parser.h"
#include "compiler/syntax/builder.h"
#include "compiler/syntax/token_kinds.h"
#include "compiler/syntax/token_view.h"

namespace iwd::compiler {
namespace {

// A prediction cache (ANTLR's DFA and its context cache) for one thread's parser. The
// generated parser's static one is shared by every parser, its DFA guarded by locks each
// lookup takes and its context cache by none; one per thread avoids both. Caches are kept
// for the next parse (warm ones are several times faster) and lent to one thread at a time.
struct PredictionCache {
  std::vector<antlr4::dfa::DFA> dfa;
  antlr4::atn::PredictionContextCache contexts;
  explicit PredictionCache(const antlr4::atn::ATN& atn) {
    for (std::size_t i = 0; i < atn.getNumberOfDecisions(); ++i) dfa.emplace_back(atn.getDecisionState(i), i);
  }
};

class CachePool {
 public:
  std::unique_ptr<PredictionCache> take(const antlr4::atn::ATN& atn) {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        return c;
      }
    }
    return std::make_unique<PredictionCache>(atn);
  }
  void give_back(std::unique_ptr<PredictionCache> c) {
    std::lock_guard lock(mutex_);
    if (free_.size() < kKept) free_.push_back(std::move(c));
  }

 private:
  static constexpr std::size_t kKept = 4;
  std::mutex mutex_;
  std::vector<std::unique_ptr<PredictionCache>> free_;
};

CachePool& cache_pool() {
  static CachePool pool;
  return pool;
}

struct Chunk {
  std::size_t begin = 0, end = 0;  // token indexes: its first declaration's first token, the next chunk's
  std::vector<SyntaxDeclPtr> decls;
  DiagnosticBag diags;  // the builder's
  bool parsed = false;
};

// One thread's parser: its own view of the tokens, its own prediction cache.
class ChunkParser {
 public:
  ChunkParser(const std::vector<antlr4::Token*>& tokens, antlr4::TokenSource* source)
      : view_(tokens, source), parser_(&view_), cache_(cache_pool().take(parser_.getATN())) {
    // setInterpreter deletes the interpreter it replaces.
    parser_.setInterpreter(new antlr4::atn::ParserATNSimulator(&parser_, parser_.getATN(), cache_->dfa, cache_->contexts));
    parser_.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
    parser_.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    parser_.removeErrorListeners();
    parser_.depth_above = 1;  // the `file` context a whole-file parse has above each declaration
  }
  ~ChunkParser() {
    // The interpreter refers to the cache, which the pool may free: it goes first.
    parser_.setInterpreter(nullptr);
    cache_pool().give_back(std::move(cache_));
  }
  ChunkParser(const ChunkParser&) = delete;
  ChunkParser& operator=(const ChunkParser&) = delete;

  // False when the chunk's declarations do not parse or do not end at its end; the parser
  // is then left mid-rule and must not be used again.
  bool parse(const SourceManager& sm, FileId file, Chunk& chunk) {
    SyntaxBuilder builder(sm, file, chunk.diags);
    parser_.reset();
    parser_.restart();
    view_.seek(chunk.begin);
    try {
      while (view_.index() < chunk.end) {
        auto* decl = parser_.topDecl();
        if (auto d = builder.top_decl(decl)) chunk.decls.push_back(std::move(d));
        parser_.getTreeTracker().reset();  // the tree is AST now
      }
    } catch (...) {
      // A syntax error or nesting too deep (ParseCancellationException), or whatever else
      // ANTLR throws: the whole-file parse meets it again and deals with it as it always has.
      return false;
    }
    return view_.index() == chunk.end;
  }

 private:
  TokenView view_;
  BoundedParser parser_;
  std::unique_ptr<PredictionCache> cache_;
};

}  // namespace

std::vector<std::size_t> chunk_starts(const std::vector<antlr4::Token*>& tokens, std::size_t chunk_tokens) {
  using P = iwd_grammar::IwdParser;
  std::vector<std::size_t> starts;
  int depth = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const antlr4::Token* t = tokens[i];
    if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL || t->getType() == antlr4::Token::EOF) continue;
    if (starts.empty()) {
      starts.push_back(i);
    } else if (depth == 0 && t->getCharPositionInLine() == 0 && starts_declaration(t->getType()) &&
               i - starts.back() >= chunk_tokens) {
      starts.push_back(i);
    }
    switch (t->getType()) {
      case P::LBRACE: case P::LPAREN: case P::LBRACK: ++depth; break;
      case P::RBRACE: case P::RPAREN: case P::RBRACK: depth = std::max(0, depth - 1); break;
      default: break;
    }
  }
  return starts;
}

std::optional<std::vector<SyntaxDeclPtr>> parse_in_chunks(const SourceManager& sm, FileId file,
                                                          const std::vector<antlr4::Token*>& tokens,
                                                          antlr4::TokenSource* source, DiagnosticBag& diags,
                                                          const ParseOptions& options, ParseStats* stats) {
  const std::vector<std::size_t> starts = chunk_starts(tokens, std::max<std::size_t>(options.chunk_tokens, 1));
  std::vector<Chunk> chunks(starts.size());
  for (std::size_t i = 0; i < starts.size(); ++i) {
    chunks[i].begin = starts[i];
    chunks[i].end = i + 1 < starts.size() ? starts[i + 1] : tokens.size() - 1;  // the last one ends at EOF
  }
  unsigned threads = options.threads != 0 ? options.threads : std::min(4u, std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, chunks.size()));

  // Each thread takes the next chunk not taken; all stop at the first failure.
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    ChunkParser parser(tokens, source);
    for (std::size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < chunks.size();) {
      if (!parser.parse(sm, file, chunks[i])) {
        failed = true;
        return;
      }
      chunks[i].parsed = true;
    }
  };
  std::vector<std::thread> helpers;
  try {
    for (unsigned t = 1; t < threads; ++t) helpers.emplace_back(work);
  } catch (const std::system_error&) {
    // No thread to be had: those started and this one parse every chunk.
  }
  threads = static_cast<unsigned>(helpers.size()) + 1;
  work();
  for (auto& h : helpers) h.join();
  if (failed) return std::nullopt;

  std::vector<SyntaxDeclPtr> decls;
  for (auto& c : chunks) {
    for (auto& d : c.decls) decls.push_back(std::move(d));
    for (auto& d : c.diags.all()) diags.add(std::move(d));
  }
  if (stats) {
    stats->chunks = chunks.size();
    stats->threads = threads;
  }
  return decls;
}

}  // namespace iwd::compiler
