// A ruleset the service runs: the loaded rules (compiler/load), and the bundle they are kept
// as in the store, named by its key ("fnv1a64:HEX" of the bundle's bytes). Every ruleset is
// loaded with its object code kept, so that its bundle can be stored and the journal replayed
// later without the front end.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "compiler/load/loaded_rules.h"
#include "runtime/intern.h"

namespace iwd::server {

struct Ruleset {
  std::unique_ptr<compiler::LoadedRules> loaded;
  std::string key;
  std::string bundle;
  std::string label() const;  // "NAME VERSION" from the manifest, or the key
};

enum class RulesetStatus { Ok, RuleErrors, Failed };

// An .iwd file, a folder with one root file, or a bundle. Rule diagnostics go to `diagnostics`.
RulesetStatus load_ruleset_path(const std::string& path, runtime::StringPool& pool, std::ostream& diagnostics,
                                Ruleset* out, std::string* error);
// An upload: a bundle (by its signature) or the text of one .iwd file (no imports), compiled
// and checked; diagnostics name the file `upload.iwd`.
RulesetStatus load_ruleset_bytes(std::string_view bytes, runtime::StringPool& pool, std::ostream& diagnostics,
                                 Ruleset* out, std::string* error);

std::string bundle_key(std::string_view bundle);

}  // namespace iwd::server
