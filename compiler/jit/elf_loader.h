// iwd's own loader of a bundle's native code (issue 19): the x86-64 ELF relocatable objects that
// JitProgram::compile() makes for `iwd build`, mapped, relocated and made executable without
// LLVM (RuntimeDyld, what JitProgram::load uses, stays as the differential oracle in tests).
//
// What it takes, and rejects otherwise with a status naming what is wrong (a damaged or foreign
// object is an error, never a crash: every offset, size and index is checked against the
// object's bytes): ELF64, little-endian, ET_REL, EM_X86_64; allocated sections (PROGBITS,
// NOBITS, X86_64_UNWIND), no TLS; RELA relocations of the kinds the JIT's large code model emits,
// R_X86_64_64 (absolute: calls and constant-pool addresses) and R_X86_64_PC64 (.eh_frame), and
// R_X86_64_NONE; symbols defined in a loaded section, absolute, or undefined and resolved against
// the other objects' globals, then the table of functions the native code calls
// (native_symbols(), the one the JIT's symbol map defines too).
//
// Memory: one mapping, the sections laid out by their alignment in three page-aligned parts,
// code read + execute, read-only data (the constant pools, .eh_frame) read, writable data read +
// write. The .eh_frame is registered with the unwinder (as RuntimeDyld does), so that an
// exception thrown by a helper the code calls passes through the generated frames.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace iwd::compiler {

// A function native code may call by name, and its address.
struct NativeSymbol {
  std::string_view name;
  const void* address;
};

// Every function the native code calls (the interpreter's slow paths and helpers, and the C
// library's functions code generation may call): the JIT's symbol map (define_helpers) and the
// ELF loader resolve against this one table.
std::span<const NativeSymbol> native_symbols();

class NativeImage {
 public:
  // Loads `objects` together (they may name each other's globals); null with *error naming the
  // problem ("object 1: relocation 12 of .rela.text: unknown relocation kind 4 (R_X86_64_PLT32)").
  static std::unique_ptr<NativeImage> load(const std::vector<std::string>& objects,
                                           std::span<const NativeSymbol> externals, std::string* error);
  ~NativeImage();
  NativeImage(const NativeImage&) = delete;
  NativeImage& operator=(const NativeImage&) = delete;

  // The address of a global symbol an object defines; null when none does.
  void* symbol(std::string_view name) const;
  std::size_t relocations() const { return relocations_; }

 private:
  NativeImage() = default;
  void* base_ = nullptr;
  std::size_t size_ = 0;
  std::vector<void*> eh_frames_;  // registered with the unwinder
  std::unordered_map<std::string, void*> symbols_;
  std::size_t relocations_ = 0;
};

}  // namespace iwd::compiler
