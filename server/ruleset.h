// A ruleset the service runs: the loaded rules (compiler/load), and the bundle they are kept
// as in the store, named by its key ("fnv1a64:HEX" of the bundle's bytes). Every ruleset is
// loaded with its object code kept, so that its bundle can be stored and the journal replayed
// later without the front end.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "compiler/load/load.h"
#include "runtime/intern.h"
#include "server/bundle_key.h"  // a Ruleset's key

namespace iwd::compiler {
class RulesSource;  // compiler/inspect/item_explain.h
}

namespace iwd::server {

struct Ruleset {
  // Shared: an explanation computed off the engine thread keeps the rules it began with, even
  // when a hot reload replaces them meanwhile.
  std::shared_ptr<compiler::LoadedRules> loaded;
  // The rules' front end, for explanations (GET /v1/items/{id}/explain): rules loaded from
  // source keep their files in their bundle (compiler/load/sources.h), which the store keeps, so
  // that it is made again from the bundle after a restart; null for a bundle without them
  // (built by `iwd build` without --sources, or stored by an iwd older than them).
  std::shared_ptr<const compiler::RulesSource> source;
  std::string key;
  std::string bundle;
  std::string label() const;  // "NAME VERSION" from the manifest, or the key
  std::string timezone() const;  // the rules' `timezone` (IANA name; UTC without one)
};

// Failed: the rules cannot be used (an unreadable file, a bundle built elsewhere) or, for an
// upload, the upload itself is malformed (BadUpload: what the client sent is not a ruleset).
enum class RulesetStatus { Ok, RuleErrors, Failed, BadUpload };

// An .iwd file, a folder with one root file, or a bundle, from the disk. With RuleErrors the
// rules' diagnostics are in *diagnostics (data: render them at the edge).
RulesetStatus load_ruleset_path(const std::string& path, runtime::StringPool& pool, Ruleset* out, std::string* error,
                                compiler::Diagnostics* diagnostics = nullptr);

// A bundle already in memory (the store's).
RulesetStatus load_ruleset_bundle(std::string_view bundle, runtime::StringPool& pool, Ruleset* out, std::string* error);

// An upload, compiled in memory (nothing is written to or read from the disk):
//  - a bundle (by its signature);
//  - a JSON object (the body starts with `{`, which no .iwd file can) holding several files,
//    `{"files": {"NAME": "TEXT", ...}, "root": "NAME"}`: NAMEs are relative paths with `/`
//    (compiler/source/files.h), imports resolve among them only, `root` may be left out when
//    there is one file;
//  - else the text of one .iwd file, named `upload.iwd` (its imports name no file).
// Diagnostics name the files as uploaded.
RulesetStatus load_ruleset_upload(std::string_view body, runtime::StringPool& pool, Ruleset* out, std::string* error,
                                  compiler::Diagnostics* diagnostics = nullptr);

// At most this many files in one upload.
inline constexpr std::size_t kMaxUploadFiles = 1000;

// The diagnostics as the upload route answers them: one object each, {code, severity,
// message, file, line, column, end_line, end_column, labels, notes, fixits} (positions
// 1-based, columns in code points, the end exclusive; file and positions null for a
// diagnostic without a place).
nlohmann::ordered_json diagnostics_json(const compiler::Diagnostics& diagnostics);

}  // namespace iwd::server
