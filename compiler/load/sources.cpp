#include "compiler/load/sources.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace iwd::compiler {

SourceFiles::Resolved RecordingFiles::resolve(const std::string& from, const std::string& target) const {
  Resolved r = inner_.resolve(from, target);
  imports_.push_back({from, target, r});
  return r;
}

std::string RecordingFiles::sources(const std::string& root, const SourceManager& sm, const std::vector<FileId>& ids) const {
  // A compilation reads a file once per key, under the name of the first import that reached
  // it: that name stands for the key, so that two names of one file stay one file.
  std::map<std::string, std::string> name_of_key{{inner_.key(root), root}};
  for (const auto& i : imports_)
    if (i.to.error.empty()) name_of_key.emplace(i.to.key, i.to.name);
  nlohmann::json files = nlohmann::json::array(), imports = nlohmann::json::array();
  for (FileId id : ids) files.push_back({sm.file(id).path, sm.file(id).text});
  for (const auto& i : imports_)
    if (i.to.error.empty()) imports.push_back({i.from, i.target, name_of_key.at(i.to.key)});
  return nlohmann::json{{"root", root}, {"files", std::move(files)}, {"imports", std::move(imports)}}.dump();
}

bool StoredFiles::parse(const std::string& text, std::string* error) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  auto pairs_of = [&](const char* field, std::size_t n) {
    if (!j.contains(field) || !j[field].is_array()) return false;
    for (const auto& e : j[field])
      if (!e.is_array() || e.size() != n || !std::all_of(e.begin(), e.end(), [](const auto& s) { return s.is_string(); }))
        return false;
    return true;
  };
  if (!j.is_object() || !j.contains("root") || !j["root"].is_string() || !pairs_of("files", 2) || !pairs_of("imports", 3)) {
    *error = "the sources kept with the rules are malformed";
    return false;
  }
  root_ = j["root"].get<std::string>();
  for (const auto& f : j["files"]) files_[f[0].get<std::string>()] = f[1].get<std::string>();
  for (const auto& i : j["imports"]) imports_[{i[0].get<std::string>(), i[1].get<std::string>()}] = i[2].get<std::string>();
  return true;
}

SourceFiles::Resolved StoredFiles::resolve(const std::string& from, const std::string& target) const {
  auto it = imports_.find({from, target});
  if (it == imports_.end()) return Resolved{{}, {}, fmt::format("`{}` is not among the sources kept with the rules", target)};
  return Resolved{it->second, it->second, {}};
}

bool StoredFiles::read(const std::string& name, std::string* text, std::string* error) const {
  auto it = files_.find(name);
  if (it == files_.end()) {
    if (error) *error = fmt::format("`{}` is not among the sources kept with the rules", name);
    return false;
  }
  *text = it->second;
  return true;
}

}  // namespace iwd::compiler
