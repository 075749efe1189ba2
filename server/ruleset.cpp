#include "server/ruleset.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/load/bundle.h"

namespace iwd::server {

std::string Ruleset::label() const {
  if (!loaded || loaded->manifest().ruleset.empty()) return key;
  const auto& m = loaded->manifest();
  return m.ruleset_version.empty() ? m.ruleset : m.ruleset + " " + m.ruleset_version;
}

std::string bundle_key(std::string_view bundle) { return fmt::format("fnv1a64:{:016x}", compiler::fnv1a64(bundle)); }

namespace {

compiler::LoadOptions keeping_objects() {
  compiler::LoadOptions o;
  o.keep_object = true;
  return o;
}

RulesetStatus finish(compiler::LoadResult loaded, std::string bundle, Ruleset* out, std::string* error) {
  if (loaded.status == compiler::LoadStatus::RuleErrors) {
    *error = "the rules have errors";
    return RulesetStatus::RuleErrors;
  }
  if (!loaded.rules) {
    *error = loaded.error;
    return RulesetStatus::Failed;
  }
  out->bundle = bundle.empty() ? loaded.rules->bundle() : std::move(bundle);
  out->key = bundle_key(out->bundle);
  out->loaded = std::move(loaded.rules);
  return RulesetStatus::Ok;
}

}  // namespace

RulesetStatus load_ruleset_path(const std::string& path, runtime::StringPool& pool, std::ostream& diagnostics,
                                Ruleset* out, std::string* error) {
  return finish(compiler::load_rules(path, pool, keeping_objects(), diagnostics), {}, out, error);
}

RulesetStatus load_ruleset_bytes(std::string_view bytes, runtime::StringPool& pool, std::ostream& diagnostics,
                                 Ruleset* out, std::string* error) {
  if (compiler::looks_like_bundle(bytes))
    return finish(compiler::load_bundle(bytes, pool, keeping_objects()), std::string(bytes), out, error);
  // Source: one file in a folder of its own, so that diagnostics name it `upload.iwd`.
  std::string dir = (std::filesystem::temp_directory_path() / "iwd-upload-XXXXXX").string();
  if (!::mkdtemp(dir.data())) {
    *error = "cannot make a temporary folder for the upload";
    return RulesetStatus::Failed;
  }
  {
    std::ofstream f(dir + "/upload.iwd", std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) {
      std::filesystem::remove_all(dir);
      *error = "cannot write the upload to a temporary file";
      return RulesetStatus::Failed;
    }
  }
  const std::string cwd = std::filesystem::current_path().string();
  std::ostringstream diags;
  RulesetStatus s = finish(compiler::load_rules(dir + "/upload.iwd", pool, keeping_objects(), diags), {}, out, error);
  std::string text = diags.str();
  for (std::size_t at = text.find(dir + "/"); at != std::string::npos; at = text.find(dir + "/", at))
    text.erase(at, dir.size() + 1);
  diagnostics << text;
  std::filesystem::remove_all(dir);
  return s;
}

}  // namespace iwd::server
