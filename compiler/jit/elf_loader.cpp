// iwd's ELF loader of a bundle's native code (elf_loader.h). No LLVM here.
#include "compiler/jit/elf_loader.h"

#include <elf.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

// libgcc's unwinder: a .eh_frame (ended by a zero word) registered and deregistered.
extern "C" void __register_frame(void* begin);
extern "C" void __deregister_frame(void* begin);

namespace iwd::compiler {
namespace {

constexpr std::size_t kMaxImage = std::size_t{1} << 30;  // a bundle's code is far less
constexpr std::size_t kMaxAlign = 4096;

// Where a section goes: code, read-only data, writable data.
enum Part { kCode = 0, kReadOnly = 1, kWritable = 2, kParts = 3 };

const char* relocation_name(std::uint32_t type) {
  switch (type) {
    case R_X86_64_NONE: return "R_X86_64_NONE";
    case R_X86_64_64: return "R_X86_64_64";
    case R_X86_64_PC32: return "R_X86_64_PC32";
    case R_X86_64_GOT32: return "R_X86_64_GOT32";
    case R_X86_64_PLT32: return "R_X86_64_PLT32";
    case R_X86_64_GOTPCREL: return "R_X86_64_GOTPCREL";
    case R_X86_64_32: return "R_X86_64_32";
    case R_X86_64_32S: return "R_X86_64_32S";
    case R_X86_64_TPOFF32: return "R_X86_64_TPOFF32";
    case R_X86_64_PC64: return "R_X86_64_PC64";
    case R_X86_64_GOTOFF64: return "R_X86_64_GOTOFF64";
    case R_X86_64_GOTPC32: return "R_X86_64_GOTPC32";
    case R_X86_64_GOTPC64: return "R_X86_64_GOTPC64";
    case R_X86_64_GOTPCRELX: return "R_X86_64_GOTPCRELX";
    case R_X86_64_REX_GOTPCRELX: return "R_X86_64_REX_GOTPCRELX";
  }
  return "unnamed";
}

// One object's view: its bytes and section headers, every access checked.
struct Object {
  std::size_t index = 0;
  std::string_view bytes;
  std::vector<Elf64_Shdr> headers;  // copied out of the bytes (which need not be aligned)
  std::vector<char*> address;  // per section: where it is loaded, null when not allocated
  std::size_t symtab = 0;      // index of .symtab, 0 when none
  std::vector<Elf64_Sym> symbols;
  std::string_view strings;  // the symbol names' table

  std::string section_name(std::size_t s, std::string_view shstrtab) const {
    const std::size_t at = headers[s].sh_name;
    if (at >= shstrtab.size()) return fmt::format("section {}", s);
    const std::string_view rest = shstrtab.substr(at);
    const std::size_t end = rest.find('\0');
    return end == std::string_view::npos ? fmt::format("section {}", s) : std::string(rest.substr(0, end));
  }
};

template <typename T>
bool read_at(std::string_view bytes, std::uint64_t at, T* out) {
  if (at > bytes.size() || sizeof(T) > bytes.size() - at) return false;
  std::memcpy(out, bytes.data() + at, sizeof(T));
  return true;
}

// A name in a string table: false when it does not lie in the table or is not ended there.
bool name_at(std::string_view table, std::uint64_t at, std::string_view* out) {
  if (at >= table.size()) return false;
  const std::string_view rest = table.substr(at);
  const std::size_t end = rest.find('\0');
  if (end == std::string_view::npos) return false;
  *out = rest.substr(0, end);
  return true;
}

bool allocated(const Elf64_Shdr& s) {
  return (s.sh_flags & SHF_ALLOC) != 0 &&
         (s.sh_type == SHT_PROGBITS || s.sh_type == SHT_NOBITS || s.sh_type == SHT_X86_64_UNWIND ||
          s.sh_type == SHT_INIT_ARRAY || s.sh_type == SHT_FINI_ARRAY);
}

Part part_of(const Elf64_Shdr& s) {
  if (s.sh_flags & SHF_EXECINSTR) return kCode;
  if (s.sh_flags & SHF_WRITE) return kWritable;
  return kReadOnly;
}

bool is_eh_frame(const Elf64_Shdr& s, std::string_view name) {
  return s.sh_type == SHT_X86_64_UNWIND || name == ".eh_frame";
}

std::size_t round_up(std::size_t v, std::size_t a) { return (v + a - 1) / a * a; }

}  // namespace

NativeImage::~NativeImage() {
  for (auto it = eh_frames_.rbegin(); it != eh_frames_.rend(); ++it) __deregister_frame(*it);
  if (base_) munmap(base_, size_);
}

void* NativeImage::symbol(std::string_view name) const {
  auto it = symbols_.find(std::string(name));
  return it == symbols_.end() ? nullptr : it->second;
}

std::unique_ptr<NativeImage> NativeImage::load(const std::vector<std::string>& objects,
                                               std::span<const NativeSymbol> externals, std::string* error) {
  std::unique_ptr<NativeImage> image(new NativeImage());
  std::vector<Object> objs(objects.size());
  std::vector<std::string_view> shstrtabs(objects.size());
  // Each allocated section's place: (object, section, part, offset in the part).
  struct Placed {
    std::size_t object, section;
    Part part;
    std::size_t offset, size;
    bool eh_frame;
  };
  std::vector<Placed> placed;
  std::size_t part_size[kParts] = {};
  auto fail = [&](std::size_t k, const std::string& what) {
    *error = fmt::format("object {}: {}", k, what);
    return nullptr;
  };

  // 1. Headers, sections and symbols of each object, checked; the sections' places.
  for (std::size_t k = 0; k < objects.size(); ++k) {
    Object& o = objs[k];
    o.index = k;
    o.bytes = objects[k];
    Elf64_Ehdr eh;
    if (!read_at(o.bytes, 0, &eh)) return fail(k, fmt::format("truncated ({} bytes, less than an ELF header)", o.bytes.size()));
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return fail(k, "not an ELF object");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
      return fail(k, "not a 64-bit little-endian ELF object");
    if (eh.e_type != ET_REL) return fail(k, fmt::format("not a relocatable object (ELF type {})", eh.e_type));
    if (eh.e_machine != EM_X86_64) return fail(k, fmt::format("not x86-64 code (ELF machine {})", eh.e_machine));
    if (eh.e_shentsize != sizeof(Elf64_Shdr)) return fail(k, fmt::format("section headers of {} bytes", eh.e_shentsize));
    if (eh.e_shnum == 0 || eh.e_shoff > o.bytes.size() ||
        std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr) > o.bytes.size() - eh.e_shoff)
      return fail(k, "truncated: its section headers lie outside it");
    o.headers.resize(eh.e_shnum);
    std::memcpy(o.headers.data(), o.bytes.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
    o.address.assign(eh.e_shnum, nullptr);
    if (eh.e_shstrndx >= eh.e_shnum) return fail(k, fmt::format("bad section index {} for the section names", eh.e_shstrndx));
    for (std::size_t s = 0; s < o.headers.size(); ++s) {
      const Elf64_Shdr& h = o.headers[s];
      if (h.sh_type != SHT_NOBITS && h.sh_type != SHT_NULL &&
          (h.sh_offset > o.bytes.size() || h.sh_size > o.bytes.size() - h.sh_offset))
        return fail(k, fmt::format("truncated: section {} lies outside it", s));
    }
    {
      // The section names' table is a string table, whose bytes the loop above found inside the
      // object (a NULL or NOBITS header's offset is not checked there, and is not read here).
      const Elf64_Shdr& names = o.headers[eh.e_shstrndx];
      if (names.sh_type != SHT_STRTAB)
        return fail(k, fmt::format("section {}, named as the section names' table, is not a string table (type {})",
                                   eh.e_shstrndx, names.sh_type));
      shstrtabs[k] = o.bytes.substr(names.sh_offset, names.sh_size);
    }
    for (std::size_t s = 1; s < o.headers.size(); ++s) {
      const Elf64_Shdr& h = o.headers[s];
      const std::string name = o.section_name(s, shstrtabs[k]);
      if (h.sh_flags & SHF_TLS) return fail(k, fmt::format("section {} is thread-local storage, which bundles do not use", name));
      if (h.sh_type == SHT_REL) return fail(k, fmt::format("section {} holds relocations without addends (SHT_REL)", name));
      // Constructors and destructors would never run: the loader calls no code at load.
      if (h.sh_type == SHT_INIT_ARRAY || h.sh_type == SHT_FINI_ARRAY || h.sh_type == SHT_PREINIT_ARRAY)
        return fail(k, fmt::format("section {} holds constructors or destructors, which bundles do not use", name));
      if (h.sh_type == SHT_SYMTAB) {
        if (o.symtab) return fail(k, "two symbol tables");
        o.symtab = s;
      }
      if (!allocated(h) || h.sh_size == 0) continue;
      const std::size_t align = h.sh_addralign == 0 ? 1 : h.sh_addralign;
      if ((align & (align - 1)) != 0 || align > kMaxAlign)
        return fail(k, fmt::format("section {} has alignment {}", name, h.sh_addralign));
      if (h.sh_size > kMaxImage) return fail(k, fmt::format("section {} is too large ({} bytes)", name, h.sh_size));
      const bool eh = is_eh_frame(h, name);
      const Part p = part_of(h);
      const std::size_t at = round_up(part_size[p], align);
      // .eh_frame: four zero bytes after it end the unwinder's walk of its entries.
      const std::size_t size = h.sh_size + (eh ? 4 : 0);
      if (at + size > kMaxImage) return fail(k, "the native code is too large");
      part_size[p] = at + size;
      placed.push_back({k, s, p, at, static_cast<std::size_t>(h.sh_size), eh});
    }
    if (o.symtab) {
      const Elf64_Shdr& st = o.headers[o.symtab];
      if (st.sh_entsize != sizeof(Elf64_Sym)) return fail(k, fmt::format("symbols of {} bytes", st.sh_entsize));
      if (st.sh_link == 0 || st.sh_link >= o.headers.size() || o.headers[st.sh_link].sh_type != SHT_STRTAB)
        return fail(k, fmt::format("bad section index {} for the symbol names", st.sh_link));
      const Elf64_Shdr& names = o.headers[st.sh_link];
      o.strings = o.bytes.substr(names.sh_offset, names.sh_size);
      o.symbols.resize(st.sh_size / sizeof(Elf64_Sym));
      if (!o.symbols.empty()) std::memcpy(o.symbols.data(), o.bytes.data() + st.sh_offset, o.symbols.size() * sizeof(Elf64_Sym));
    }
  }

  // 2. One mapping: code, read-only data, writable data, each part page-aligned.
  const std::size_t page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  std::size_t part_at[kParts];
  std::size_t total = 0;
  for (int p = 0; p < kParts; ++p) {
    part_at[p] = total;
    total += round_up(part_size[p], page);
  }
  if (total == 0) total = page;
  void* base = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) {
    *error = fmt::format("cannot map {} bytes for the native code", total);
    return nullptr;
  }
  image->base_ = base;
  image->size_ = total;
  char* const b = static_cast<char*>(base);
  for (const Placed& pl : placed) {
    Object& o = objs[pl.object];
    const Elf64_Shdr& h = o.headers[pl.section];
    char* at = b + part_at[pl.part] + pl.offset;
    o.address[pl.section] = at;
    if (h.sh_type != SHT_NOBITS) std::memcpy(at, o.bytes.data() + h.sh_offset, pl.size);  // NOBITS: the mapping's zeros
  }

  // 3. Symbols: each object's globals, then the addresses of every object's symbols.
  auto symbol_name = [](const Object& o, const Elf64_Sym& sym, std::string_view* name) {
    return name_at(o.strings, sym.st_name, name);
  };
  // A defined symbol's address; false with *why when it cannot be had.
  auto defined_address = [&](const Object& o, const Elf64_Sym& sym, std::uintptr_t* out, std::string* why) {
    if (ELF64_ST_TYPE(sym.st_info) == STT_TLS) {
      *why = "is thread-local, which bundles do not use";
      return false;
    }
    if (sym.st_shndx == SHN_ABS) {
      *out = sym.st_value;
      return true;
    }
    if (sym.st_shndx == SHN_COMMON || sym.st_shndx >= SHN_LORESERVE) {
      *why = fmt::format("has section index {:#x}, which this loader does not take", sym.st_shndx);
      return false;
    }
    if (sym.st_shndx >= o.headers.size()) {
      *why = fmt::format("has a bad section index {}", sym.st_shndx);
      return false;
    }
    const char* at = o.address[sym.st_shndx];
    if (!at) {
      *why = fmt::format("lies in section {}, which is not loaded", sym.st_shndx);
      return false;
    }
    if (sym.st_value > o.headers[sym.st_shndx].sh_size) {
      *why = fmt::format("lies outside its section (offset {})", sym.st_value);
      return false;
    }
    *out = reinterpret_cast<std::uintptr_t>(at) + sym.st_value;
    return true;
  };
  for (const Object& o : objs) {
    for (std::size_t i = 1; i < o.symbols.size(); ++i) {
      const Elf64_Sym& sym = o.symbols[i];
      const auto bind = ELF64_ST_BIND(sym.st_info);
      if (sym.st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK)) continue;
      std::string_view name;
      if (!symbol_name(o, sym, &name)) return fail(o.index, fmt::format("symbol {} has a bad name offset", i));
      std::uintptr_t address = 0;
      std::string why;
      if (!defined_address(o, sym, &address, &why)) return fail(o.index, fmt::format("symbol {} {}", name, why));
      auto [it, fresh] = image->symbols_.emplace(std::string(name), reinterpret_cast<void*>(address));
      if (!fresh && bind != STB_WEAK) return fail(o.index, fmt::format("symbol {} is defined twice", name));
    }
  }
  std::unordered_map<std::string_view, const void*> external;
  for (const NativeSymbol& s : externals) external.emplace(s.name, s.address);
  std::vector<std::vector<std::uintptr_t>> values(objs.size());
  for (Object& o : objs) {
    auto& v = values[o.index];
    v.assign(o.symbols.size(), 0);
    for (std::size_t i = 1; i < o.symbols.size(); ++i) {
      const Elf64_Sym& sym = o.symbols[i];
      const auto type = ELF64_ST_TYPE(sym.st_info);
      if (type == STT_FILE) continue;
      if (sym.st_shndx != SHN_UNDEF) {
        std::string why;
        // A local symbol in a section not loaded (none the relocations name) stays 0; a use of
        // it is refused below.
        if (!defined_address(o, sym, &v[i], &why)) {
          if (type == STT_TLS || sym.st_shndx == SHN_COMMON) return fail(o.index, fmt::format("symbol {} {}", i, why));
          v[i] = 0;
        }
        continue;
      }
      std::string_view name;
      if (!symbol_name(o, sym, &name)) return fail(o.index, fmt::format("symbol {} has a bad name offset", i));
      if (auto it = image->symbols_.find(std::string(name)); it != image->symbols_.end()) {
        v[i] = reinterpret_cast<std::uintptr_t>(it->second);
      } else if (auto e = external.find(name); e != external.end()) {
        v[i] = reinterpret_cast<std::uintptr_t>(e->second);
      } else {
        return fail(o.index, fmt::format("unknown symbol {} (neither the bundle's objects nor iwd define it)", name));
      }
    }
  }

  // 4. Relocations.
  for (Object& o : objs) {
    for (std::size_t s = 1; s < o.headers.size(); ++s) {
      const Elf64_Shdr& r = o.headers[s];
      if (r.sh_type != SHT_RELA) continue;
      const std::string rname = o.section_name(s, shstrtabs[o.index]);
      if (r.sh_info >= o.headers.size() || r.sh_info == 0)
        return fail(o.index, fmt::format("{} relocates a bad section index {}", rname, r.sh_info));
      char* target = o.address[r.sh_info];
      if (!target) continue;  // relocations of a section not loaded (debug information)
      if (r.sh_link != o.symtab || o.symtab == 0)
        return fail(o.index, fmt::format("{} names a bad symbol table index {}", rname, r.sh_link));
      if (r.sh_entsize != sizeof(Elf64_Rela)) return fail(o.index, fmt::format("{} has entries of {} bytes", rname, r.sh_entsize));
      const std::size_t target_size = o.headers[r.sh_info].sh_size;
      const std::size_t n = r.sh_size / sizeof(Elf64_Rela);
      const auto& v = values[o.index];
      for (std::size_t i = 0; i < n; ++i) {
        Elf64_Rela rel;
        std::memcpy(&rel, o.bytes.data() + r.sh_offset + i * sizeof(Elf64_Rela), sizeof rel);
        const auto type = static_cast<std::uint32_t>(ELF64_R_TYPE(rel.r_info));
        const auto sym = static_cast<std::size_t>(ELF64_R_SYM(rel.r_info));
        auto bad = [&](const std::string& what) { return fail(o.index, fmt::format("relocation {} of {}: {}", i, rname, what)); };
        if (type == R_X86_64_NONE) continue;
        if (type != R_X86_64_64 && type != R_X86_64_PC64)
          return bad(fmt::format("unknown relocation kind {} ({})", type, relocation_name(type)));
        if (rel.r_offset > target_size || 8 > target_size - rel.r_offset)
          return bad(fmt::format("offset {} lies outside its section ({} bytes)", rel.r_offset, target_size));
        if (sym == 0 || sym >= o.symbols.size()) return bad(fmt::format("bad symbol index {}", sym));
        if (v[sym] == 0 && o.symbols[sym].st_shndx != SHN_ABS && o.symbols[sym].st_shndx != SHN_UNDEF)
          return bad(fmt::format("symbol {} lies in a section that is not loaded", sym));
        char* place = target + rel.r_offset;
        std::uint64_t value = v[sym] + static_cast<std::uint64_t>(rel.r_addend);
        if (type == R_X86_64_PC64) value -= reinterpret_cast<std::uintptr_t>(place);
        std::memcpy(place, &value, sizeof value);
        ++image->relocations_;
      }
    }
  }

  // 5. Protections, and the unwinder's tables.
  const int prot[kParts] = {PROT_READ | PROT_EXEC, PROT_READ, PROT_READ | PROT_WRITE};
  for (int p = 0; p < kParts; ++p) {
    const std::size_t size = round_up(part_size[p], page);
    if (size && p != kWritable && mprotect(b + part_at[p], size, prot[p]) != 0) {
      *error = "cannot protect the native code's memory";
      return nullptr;
    }
  }
  for (const Placed& pl : placed)
    if (pl.eh_frame) {
      void* at = objs[pl.object].address[pl.section];
      __register_frame(at);
      image->eh_frames_.push_back(at);
    }
  return image;
}

}  // namespace iwd::compiler
