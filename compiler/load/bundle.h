// Bundles: one file holding a checked ruleset ready to run without the front end (`iwd build
// RULES -o NAME.iwdb`). The layout, all integers little-endian:
//
//   byte 0   magic "IWDBNDL\x1a"
//   byte 8   uint32 format version (kBundleFormatVersion)
//   byte 12  uint32 section count N
//   byte 16  N section entries of 32 bytes: uint32 kind, uint32 0, uint64 offset, uint64 size,
//            uint64 FNV-1a 64 checksum of the section's bytes
//   then     the sections' bytes, at their offsets
//   last 8   uint64 FNV-1a 64 checksum of every byte before it
//
// Sections: the manifest (JSON: compiler version, ruleset name and version, source hash,
// target triple, CPU and features), the item schema (runtime::Schema text), the rule
// program (compiler/lower/program_io.h), the native object files (one section each) and,
// optionally, the source files (compiler/load/sources.h: `iwd build --sources`, and every
// ruleset `iwd serve` stores), for explanations; readers older than it skip that section, as
// any kind they do not know. A bundle is native code:
// load only bundles you trust, as you would a shared library.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/load/manifest.h"
#include "stdlib/hash.h"

namespace iwd::compiler {

inline constexpr std::uint32_t kBundleFormatVersion = 1;
inline constexpr std::string_view kBundleMagic{"IWDBNDL\x1a", 8};

struct Bundle {
  BundleManifest manifest;
  std::string schema;   // runtime::Schema::serialize()
  std::string program;  // serialize_program()
  std::vector<std::string> objects;  // the object files of JitProgram::compile(), in order
  std::string sources;  // compiler/load/sources.h; empty: not kept (no section)
};

std::string write_bundle(const Bundle& b);
// Reads the layout, checks every checksum and the format version. It does not compare the
// compiler version or the target (the loader does, with its own wording). False with *error
// naming what is wrong.
bool read_bundle(std::string_view bytes, Bundle* out, std::string* error);
// Whether `bytes` starts like a bundle (to tell a bundle from a source file).
bool looks_like_bundle(std::string_view bytes);

using stdlib::fnv1a64;  // stdlib/hash.h: the checksums' hash

}  // namespace iwd::compiler
