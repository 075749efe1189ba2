#include "compiler/load/bundle.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstring>
#include <vector>

namespace iwd::compiler {
namespace {

enum SectionKind : std::uint32_t { kManifest = 1, kSchema = 2, kProgram = 3, kObject = 4, kSources = 5 };
constexpr std::size_t kHeaderBytes = 16, kEntryBytes = 32, kTrailerBytes = 8;

const char* section_name(std::uint32_t kind) {
  switch (kind) {
    case kManifest: return "manifest";
    case kSchema: return "schema";
    case kProgram: return "rule program";
    case kObject: return "native code";
    case kSources: return "sources";
  }
  return "unknown";
}

void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get(std::string_view b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}

std::string manifest_json(const BundleManifest& m) {
  nlohmann::ordered_json j = {{"format", "iwd-bundle"},
                              {"compiler_version", m.compiler_version},
                              {"ruleset", m.ruleset},
                              {"ruleset_version", m.ruleset_version},
                              {"source_hash", m.source_hash},
                              {"target", {{"triple", m.target.triple}, {"cpu", m.target.cpu}, {"features", m.target.features}}},
                              {"jit_code_version", m.jit_code_version}};
  return j.dump();
}

bool manifest_of(std::string_view text, BundleManifest* m, std::string* error) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  try {
    if (j.is_discarded() || !j.is_object() || j.value("format", "") != "iwd-bundle") throw std::runtime_error("not JSON");
    m->compiler_version = j.at("compiler_version").get<std::string>();
    m->ruleset = j.at("ruleset").get<std::string>();
    m->ruleset_version = j.at("ruleset_version").get<std::string>();
    m->source_hash = j.at("source_hash").get<std::string>();
    const auto& t = j.at("target");
    m->target = JitTarget{t.at("triple").get<std::string>(), t.at("cpu").get<std::string>(), t.at("features").get<std::string>()};
    m->jit_code_version = j.contains("jit_code_version") ? j.at("jit_code_version").get<int>() : 1;  // not recorded before 2
  } catch (const std::exception&) {
    *error = "the bundle's manifest is malformed";
    return false;
  }
  return true;
}

// FNV-1a of `bytes`, and of them continued from *whole: the two chains in one pass (each
// multiply waits for the one before it in its own chain only, so the two take the time of one).
std::uint64_t fnv1a64_both(std::string_view bytes, std::uint64_t* whole) {
  std::uint64_t h = 0xcbf29ce484222325ULL, w = *whole;
  for (unsigned char c : bytes) {
    h = (h ^ c) * 0x100000001b3ULL;
    w = (w ^ c) * 0x100000001b3ULL;
  }
  *whole = w;
  return h;
}

// When the sections follow the section table one after another to the trailer (as write_bundle
// lays them out), the whole file's checksum and each section's are computed in one pass over the
// bytes (they were two passes, 4 % of a one-item `iwd eval`): each section's FNV-1a into sums[i],
// and true if the whole file's matches its trailer. False when the layout is another (the caller
// then checks as before, each checksum on its own, and reports what is wrong in the same order)
// or the whole file's checksum does not match.
bool section_sums(std::string_view b, std::uint64_t count, std::uint64_t* sums) {
  const std::size_t body = b.size() - kTrailerBytes;
  std::size_t at = kHeaderBytes + kEntryBytes * count;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t e = kHeaderBytes + kEntryBytes * i;
    const auto offset = get(b, e + 8, 8), size = get(b, e + 16, 8);
    if (offset != at || size > body - at) return false;
    at += size;
  }
  if (at != body) return false;
  std::uint64_t whole = fnv1a64(b.substr(0, kHeaderBytes + kEntryBytes * count));
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t e = kHeaderBytes + kEntryBytes * i;
    sums[i] = fnv1a64_both(b.substr(get(b, e + 8, 8), get(b, e + 16, 8)), &whole);
  }
  return whole == get(b, body, 8);
}

}  // namespace

bool looks_like_bundle(std::string_view bytes) { return bytes.substr(0, kBundleMagic.size()) == kBundleMagic; }

std::string write_bundle(const Bundle& b) {
  const std::string manifest = manifest_json(b.manifest);
  std::vector<std::pair<std::uint32_t, const std::string*>> sections = {
      {kManifest, &manifest}, {kSchema, &b.schema}, {kProgram, &b.program}};
  for (const auto& o : b.objects) sections.emplace_back(kObject, &o);
  if (!b.sources.empty()) sections.emplace_back(kSources, &b.sources);
  std::string out(kBundleMagic);
  put32(out, kBundleFormatVersion);
  put32(out, static_cast<std::uint32_t>(sections.size()));
  std::uint64_t offset = kHeaderBytes + kEntryBytes * sections.size();
  for (const auto& [kind, bytes] : sections) {
    put32(out, kind);
    put32(out, 0);
    put64(out, offset);
    put64(out, bytes->size());
    put64(out, fnv1a64(*bytes));
    offset += bytes->size();
  }
  for (const auto& [kind, bytes] : sections) out += *bytes;
  put64(out, fnv1a64(out));
  return out;
}

bool read_bundle(std::string_view b, Bundle* out, std::string* error) {
  if (!looks_like_bundle(b)) {
    *error = "not an iwd bundle (it does not start with the bundle signature)";
    return false;
  }
  if (b.size() < kHeaderBytes + kTrailerBytes) {
    *error = fmt::format("the bundle is truncated ({} bytes)", b.size());
    return false;
  }
  const auto version = static_cast<std::uint32_t>(get(b, 8, 4));
  if (version != kBundleFormatVersion) {
    *error = fmt::format("the bundle has format version {}; this iwd reads version {}: rebuild it with `iwd build`", version,
                         kBundleFormatVersion);
    return false;
  }
  const auto count = get(b, 12, 4);
  if (count > 64 || kHeaderBytes + kEntryBytes * count + kTrailerBytes > b.size()) {
    *error = "the bundle is truncated or damaged (its section table does not fit)";
    return false;
  }
  const std::size_t body = b.size() - kTrailerBytes;
  std::uint64_t sums[64];
  const bool tiled = section_sums(b, count, sums);
  if (!tiled && fnv1a64(b.substr(0, body)) != get(b, body, 8)) {
    *error = "the bundle is damaged or truncated (its checksum does not match)";
    return false;
  }
  bool seen[kSources + 1] = {};
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t e = kHeaderBytes + kEntryBytes * i;
    const auto kind = static_cast<std::uint32_t>(get(b, e, 4));
    const auto offset = get(b, e + 8, 8), size = get(b, e + 16, 8), sum = get(b, e + 24, 8);
    if (offset > body || size > body - offset) {
      *error = fmt::format("the bundle is damaged: its {} section lies outside the file", section_name(kind));
      return false;
    }
    const std::string_view bytes = b.substr(offset, size);
    if ((tiled ? sums[i] : fnv1a64(bytes)) != sum) {
      *error = fmt::format("the bundle is damaged: its {} section's checksum does not match", section_name(kind));
      return false;
    }
    switch (kind) {
      case kManifest:
        if (!manifest_of(bytes, &out->manifest, error)) return false;
        break;
      case kSchema: out->schema.assign(bytes); break;
      case kProgram: out->program.assign(bytes); break;
      case kObject: out->objects.emplace_back(bytes); break;
      case kSources: out->sources.assign(bytes); break;
      default: continue;  // a section a later version added: ignored
    }
    seen[kind] = true;
  }
  for (std::uint32_t kind = kManifest; kind <= kObject; ++kind)
    if (!seen[kind]) {
      *error = fmt::format("the bundle has no {} section", section_name(kind));
      return false;
    }
  return true;
}

}  // namespace iwd::compiler
