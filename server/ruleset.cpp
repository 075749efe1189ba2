#include "server/ruleset.h"

#include <fmt/format.h>

#include <fstream>

#include "compiler/inspect/item_explain.h"
#include "compiler/load/bundle.h"
#include "compiler/source/files.h"

namespace iwd::server {

using ojson = nlohmann::ordered_json;

std::string Ruleset::label() const {
  if (!loaded || loaded->manifest().ruleset.empty()) return key;
  const auto& m = loaded->manifest();
  return m.ruleset_version.empty() ? m.ruleset : m.ruleset + " " + m.ruleset_version;
}

std::string Ruleset::timezone() const { return loaded ? loaded->timezone() : "UTC"; }

namespace {

compiler::LoadOptions keeping_objects() {
  compiler::LoadOptions o;
  o.keep_object = true;
  o.keep_sources = true;  // into the bundle stored: explanations after a restart
  return o;
}

RulesetStatus finish(compiler::LoadResult loaded, std::string bundle, Ruleset* out, std::string* error,
                     compiler::Diagnostics* diagnostics, std::shared_ptr<compiler::RulesSource> source = nullptr) {
  if (diagnostics) *diagnostics = std::move(loaded.diagnostics);
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
  if (!source && !loaded.rules->sources().empty())  // a bundle that kept its sources: made when asked
    source = std::make_shared<compiler::RulesSource>(loaded.rules->sources());
  out->loaded = std::move(loaded.rules);
  out->source = std::move(source);
  return RulesetStatus::Ok;
}

RulesetStatus bad_upload(std::string* error, std::string why) {
  *error = std::move(why);
  return RulesetStatus::BadUpload;
}

// `{"files": {NAME: TEXT...}, "root": NAME}` into a file set.
RulesetStatus read_file_set(std::string_view body, compiler::MemoryFiles* files, std::string* root, std::string* error) {
  const ojson j = ojson::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return bad_upload(error, "the upload starts with `{` but is not JSON: send {\"files\": {\"NAME.iwd\": \"TEXT\", ...}, "
                             "\"root\": \"NAME.iwd\"}, or the text of one .iwd file");
  if (!j.is_object()) return bad_upload(error, "the upload is not a JSON object");
  for (const auto& [key, value] : j.items())
    if (key != "files" && key != "root")
      return bad_upload(error, fmt::format("unknown field `{}` in the upload (files, root)", key));
  auto f = j.find("files");
  if (f == j.end() || !f->is_object() || f->empty())
    return bad_upload(error, "the upload's `files` must be an object naming at least one file: {\"NAME.iwd\": \"TEXT\"}");
  if (f->size() > kMaxUploadFiles)
    return bad_upload(error, fmt::format("the upload holds {} files; at most {} are taken", f->size(), kMaxUploadFiles));
  for (const auto& [name, text] : f->items()) {
    if (!text.is_string()) return bad_upload(error, fmt::format("the file `{}` of the upload is not a string", name));
    std::string why;
    if (!files->add(name, text.get<std::string>(), &why)) return bad_upload(error, why);
  }
  auto r = j.find("root");
  if (r == j.end()) {
    if (f->size() != 1)
      return bad_upload(error, "the upload holds several files: name the one the ruleset starts from in `root`");
    *root = f->begin().key();
  } else if (!r->is_string()) {
    return bad_upload(error, "the upload's `root` must be a string naming one of its files");
  } else {
    *root = r->get<std::string>();
    if (!files->contains(*root))
      return bad_upload(error, fmt::format("the upload's root `{}` is not one of its files", *root));
  }
  return RulesetStatus::Ok;
}

ojson place(const compiler::SourceManager& sm, const compiler::SourceRange& r, ojson j) {
  const bool known = r.valid() && r.file < sm.size();
  j["file"] = known ? ojson(sm.file(r.file).path) : ojson(nullptr);
  j["line"] = known ? ojson(r.begin.line) : ojson(nullptr);
  j["column"] = known ? ojson(r.begin.col) : ojson(nullptr);
  j["end_line"] = known ? ojson(r.end.line) : ojson(nullptr);
  j["end_column"] = known ? ojson(r.end.col) : ojson(nullptr);
  return j;
}

}  // namespace

RulesetStatus load_ruleset_path(const std::string& path, runtime::StringPool& pool, Ruleset* out, std::string* error,
                                compiler::Diagnostics* diagnostics) {
  char head[8] = {};
  std::ifstream probe(path, std::ios::binary);
  if (probe && probe.read(head, sizeof head) && compiler::looks_like_bundle(std::string_view(head, sizeof head)))
    return finish(compiler::load_rules(path, pool, keeping_objects()), {}, out, error, diagnostics);
  // Source files: their front end is kept for explanations.
  auto source = std::make_shared<compiler::RulesSource>();
  return finish(compiler::load_rules(path, pool, keeping_objects(), source->source()), {}, out, error, diagnostics, source);
}

RulesetStatus load_ruleset_bundle(std::string_view bundle, runtime::StringPool& pool, Ruleset* out, std::string* error) {
  return finish(compiler::load_bundle(bundle, pool, keeping_objects()), std::string(bundle), out, error, nullptr);
}

RulesetStatus load_ruleset_upload(std::string_view body, runtime::StringPool& pool, Ruleset* out, std::string* error,
                                  compiler::Diagnostics* diagnostics) {
  if (compiler::looks_like_bundle(body)) return load_ruleset_bundle(body, pool, out, error);
  compiler::MemoryFiles files;
  std::string root = "upload.iwd";
  const std::size_t first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '{') {
    if (RulesetStatus s = read_file_set(body, &files, &root, error); s != RulesetStatus::Ok) return s;
  } else {
    files.add(root, std::string(body), nullptr);
  }
  auto source = std::make_shared<compiler::RulesSource>();
  return finish(compiler::load_rules(files, root, pool, keeping_objects(), source->source()), {}, out, error, diagnostics,
                source);
}

ojson diagnostics_json(const compiler::Diagnostics& diagnostics) {
  ojson list = ojson::array();
  if (!diagnostics.sources) return list;
  const compiler::SourceManager& sm = *diagnostics.sources;
  for (const auto& d : diagnostics.list) {
    ojson j{{"code", d.code}, {"severity", std::string(compiler::severity_name(d.severity))}, {"message", d.message}};
    j = place(sm, d.range, std::move(j));
    j["labels"] = ojson::array();
    for (const auto& l : d.labels) j["labels"].push_back(place(sm, l.range, ojson{{"message", l.message}}));
    j["notes"] = d.notes;
    j["fixits"] = ojson::array();
    for (const auto& f : d.fixits)
      j["fixits"].push_back(place(sm, f.range, ojson{{"replacement", f.replacement}, {"message", f.message}}));
    list.push_back(std::move(j));
  }
  return list;
}

}  // namespace iwd::server
