// iwd's ELF loader (compiler/jit/elf_loader.h, issue 19) on objects written here byte by byte:
// every relocation kind it applies (R_X86_64_64 in code and data, R_X86_64_PC64, R_X86_64_NONE),
// symbols of another object and of the externals' table, the memory's protections, and bad
// objects (every truncation, bad section and symbol indices, a relocation out of its section, an
// unknown symbol, an unknown relocation kind, TLS), each an error naming it, never a crash.
#include <elf.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/jit/elf_loader.h"

namespace iwd::compiler {
namespace {

extern "C" std::int64_t iwd_test_external() { return 42; }

const NativeSymbol kExternals[] = {{"iwd_test_external", reinterpret_cast<const void*>(&iwd_test_external)}};

template <typename T>
void append(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

struct Section {
  std::string name;
  std::uint32_t type = SHT_PROGBITS;
  std::uint64_t flags = 0;
  std::string data;
  std::uint64_t align = 1;
  std::uint32_t link = 0, info = 0;
  std::uint64_t entsize = 0;
  std::uint64_t nobits = 0;  // SHT_NOBITS: its size
};

// An ELF relocatable object: the header, the section headers right after it (so that cutting
// the file anywhere cuts a section's bytes), then the sections; the names' table last.
struct Elf {
  std::vector<Section> sections;  // index k + 1 in the object
  std::uint16_t machine = EM_X86_64;
  std::uint16_t type = ET_REL;

  std::string bytes() const {
    std::vector<Section> all = sections;
    Section names{".shstrtab", SHT_STRTAB, 0, "", 1};
    std::vector<std::uint32_t> name_at;
    names.data.push_back('\0');
    for (const auto& s : all) {
      name_at.push_back(static_cast<std::uint32_t>(names.data.size()));
      names.data += s.name + '\0';
    }
    name_at.push_back(static_cast<std::uint32_t>(names.data.size()));
    names.data += std::string(".shstrtab") + '\0';
    all.push_back(names);
    const std::size_t count = all.size() + 1;
    std::uint64_t at = sizeof(Elf64_Ehdr) + count * sizeof(Elf64_Shdr);
    Elf64_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = type;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_shoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = static_cast<std::uint16_t>(count);
    eh.e_shstrndx = static_cast<std::uint16_t>(count - 1);
    std::string out;
    append(out, eh);
    append(out, Elf64_Shdr{});
    std::string body;
    for (std::size_t k = 0; k < all.size(); ++k) {
      const Section& s = all[k];
      while ((at + body.size()) % 8) body.push_back('\0');
      Elf64_Shdr h{};
      h.sh_name = name_at[k];
      h.sh_type = s.type;
      h.sh_flags = s.flags;
      h.sh_offset = at + body.size();
      h.sh_size = s.type == SHT_NOBITS ? s.nobits : s.data.size();
      h.sh_link = s.link;
      h.sh_info = s.info;
      h.sh_addralign = s.align;
      h.sh_entsize = s.entsize;
      append(out, h);
      body += s.data;
    }
    return out + body;
  }
};

std::string symbol(std::uint32_t name, unsigned char bind, unsigned char type, std::uint16_t shndx, std::uint64_t value) {
  Elf64_Sym s{};
  s.st_name = name;
  s.st_info = static_cast<unsigned char>(ELF64_ST_INFO(bind, type));
  s.st_shndx = shndx;
  s.st_value = value;
  std::string out;
  append(out, s);
  return out;
}

std::string rela(std::uint64_t offset, std::uint32_t sym, std::uint32_t type, std::int64_t addend) {
  Elf64_Rela r{};
  r.r_offset = offset;
  r.r_info = ELF64_R_INFO(sym, type);
  r.r_addend = addend;
  std::string out;
  append(out, r);
  return out;
}

std::string movabs_rax() { return std::string("\x48\xb8", 2) + std::string(8, '\0'); }

// Object A. Sections: 1 .text, 2 .rodata, 3 .data, 4 .bss, 5 .symtab, 6 .strtab, 7 .rela.text,
// 8 .rela.data. Symbols: 1 .rodata's section, 2 .text's, 3 `get`, 4 `call_external`, 5 `table`,
// 6 `zeros`, 7 iwd_test_external (undefined).
//   get:            movabs rax, .rodata+8 (R_X86_64_64); mov rax, [rax]; ret   -> 0x1234567890
//   call_external:  movabs rax, iwd_test_external (R_X86_64_64); jmp rax       -> 42
//   table:          [0] &get (R_X86_64_64), [8] .rodata+8 - &table[8] (R_X86_64_PC64),
//                   [16] 7 (R_X86_64_NONE leaves it)
//   zeros:          64 bytes of .bss
struct ObjectA {
  Elf elf;
  enum { kText = 0, kRodata, kData, kBss, kSymtab, kStrtab, kRelaText, kRelaData };
  ObjectA() {
    std::string text = movabs_rax() + std::string("\x48\x8b\x00\xc3", 4);
    text.resize(16, '\xcc');
    text += movabs_rax() + std::string("\xff\xe0", 2);
    std::string rodata;
    append(rodata, std::uint64_t{1111});
    append(rodata, std::uint64_t{0x1234567890});
    std::string data(24, '\0');
    data[16] = 7;
    const std::string strtab = std::string("\0get\0call_external\0table\0zeros\0iwd_test_external\0", 50);
    std::string symtab = symbol(0, 0, 0, 0, 0);
    symtab += symbol(0, STB_LOCAL, STT_SECTION, 2, 0);
    symtab += symbol(0, STB_LOCAL, STT_SECTION, 1, 0);
    symtab += symbol(1, STB_GLOBAL, STT_FUNC, 1, 0);
    symtab += symbol(5, STB_GLOBAL, STT_FUNC, 1, 16);
    symtab += symbol(19, STB_GLOBAL, STT_OBJECT, 3, 0);
    symtab += symbol(25, STB_GLOBAL, STT_OBJECT, 4, 0);
    symtab += symbol(31, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF, 0);
    elf.sections = {
        {".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text, 16},
        {".rodata", SHT_PROGBITS, SHF_ALLOC, rodata, 8},
        {".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, data, 8},
        {".bss", SHT_NOBITS, SHF_ALLOC | SHF_WRITE, "", 16, 0, 0, 0, 64},
        {".symtab", SHT_SYMTAB, 0, symtab, 8, 6, 3, sizeof(Elf64_Sym)},
        {".strtab", SHT_STRTAB, 0, strtab, 1},
        {".rela.text", SHT_RELA, SHF_INFO_LINK, rela(2, 1, R_X86_64_64, 8) + rela(18, 7, R_X86_64_64, 0), 8, 5, 1,
         sizeof(Elf64_Rela)},
        {".rela.data", SHT_RELA, SHF_INFO_LINK,
         rela(0, 3, R_X86_64_64, 0) + rela(8, 1, R_X86_64_PC64, 8) + rela(16, 0, R_X86_64_NONE, 0), 8, 5, 3,
         sizeof(Elf64_Rela)},
    };
  }
  Section& at(int k) { return elf.sections[static_cast<std::size_t>(k)]; }
  // Relocation `i` of a RELA section, to change.
  Elf64_Rela* relocation(int section, std::size_t i) {
    return reinterpret_cast<Elf64_Rela*>(at(section).data.data() + i * sizeof(Elf64_Rela));
  }
  Elf64_Sym* sym(std::size_t i) { return reinterpret_cast<Elf64_Sym*>(at(kSymtab).data.data() + i * sizeof(Elf64_Sym)); }
};

// Object B: `twice` jumps to A's `get` (movabs rax, get; jmp rax), a symbol of another object.
std::string object_b() {
  Elf elf;
  const std::string strtab = std::string("\0twice\0get\0", 11);
  std::string symtab = symbol(0, 0, 0, 0, 0) + symbol(1, STB_GLOBAL, STT_FUNC, 1, 0) + symbol(7, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF, 0);
  elf.sections = {
      {".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, movabs_rax() + std::string("\xff\xe0", 2), 16},
      {".symtab", SHT_SYMTAB, 0, symtab, 8, 3, 1, sizeof(Elf64_Sym)},
      {".strtab", SHT_STRTAB, 0, strtab, 1},
      {".rela.text", SHT_RELA, 0, rela(2, 2, R_X86_64_64, 0), 8, 2, 1, sizeof(Elf64_Rela)},
  };
  return elf.bytes();
}

// The protections /proc/self/maps gives the page holding `p` ("r-xp"), "" when none.
std::string protection_of(const void* p) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::string perms;
    in >> std::hex >> from >> dash >> to >> perms;
    if (at >= from && at < to) return perms;
  }
  return "";
}

std::string load_error(const std::vector<std::string>& objects) {
  std::string error;
  auto image = NativeImage::load(objects, kExternals, &error);
  EXPECT_EQ(image, nullptr);
  return image ? "(loaded)" : error;
}

TEST(ElfLoader, AppliesEveryRelocationKindAndProtectsTheMemory) {
  ObjectA a;
  std::string error;
  auto image = NativeImage::load({a.elf.bytes(), object_b()}, kExternals, &error);
  ASSERT_NE(image, nullptr) << error;
  EXPECT_EQ(image->relocations(), 5u);  // R_X86_64_NONE applies nothing
  using Fn = std::int64_t (*)();
  auto* get = reinterpret_cast<Fn>(image->symbol("get"));
  auto* call_external = reinterpret_cast<Fn>(image->symbol("call_external"));
  auto* twice = reinterpret_cast<Fn>(image->symbol("twice"));
  ASSERT_NE(get, nullptr);
  ASSERT_NE(call_external, nullptr);
  ASSERT_NE(twice, nullptr);
  EXPECT_EQ(image->symbol("iwd_test_external"), nullptr);  // not the objects' own
  EXPECT_EQ(image->symbol("nothing"), nullptr);
  EXPECT_EQ(get(), 0x1234567890);          // R_X86_64_64 to a section symbol with an addend
  EXPECT_EQ(call_external(), 42);          // R_X86_64_64 to the externals' table
  EXPECT_EQ(twice(), 0x1234567890);        // R_X86_64_64 to another object's global
  auto* table = static_cast<const std::uint64_t*>(image->symbol("table"));
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table[0], reinterpret_cast<std::uintptr_t>(get));
  std::uint64_t movabs = 0;  // get's immediate: .rodata + 8
  std::memcpy(&movabs, reinterpret_cast<const char*>(get) + 2, 8);
  EXPECT_EQ(*reinterpret_cast<const std::uint64_t*>(movabs), 0x1234567890u);
  EXPECT_EQ(table[1], movabs - reinterpret_cast<std::uintptr_t>(&table[1]));  // R_X86_64_PC64
  EXPECT_EQ(table[2], 7u);                                                      // R_X86_64_NONE
  auto* zeros = static_cast<std::uint64_t*>(image->symbol("zeros"));
  ASSERT_NE(zeros, nullptr);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(zeros[i], 0u);
  zeros[7] = 5;  // writable
  EXPECT_EQ(protection_of(reinterpret_cast<const void*>(get)), "r-xp");
  EXPECT_EQ(protection_of(reinterpret_cast<const void*>(movabs)), "r--p");
  EXPECT_EQ(protection_of(table), "rw-p");
  EXPECT_EQ(protection_of(zeros), "rw-p");
  const void* page = reinterpret_cast<const void*>(get);
  image.reset();
  EXPECT_EQ(protection_of(page), "");  // unmapped with the image
}

TEST(ElfLoader, EveryTruncationIsAnError) {
  const std::string whole = ObjectA().elf.bytes();
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const std::string error = load_error({whole.substr(0, n)});
    EXPECT_NE(error.find("truncated"), std::string::npos) << n << " bytes: " << error;
    if (HasFailure()) return;
  }
}

TEST(ElfLoader, BadSectionIndicesAreErrors) {
  {
    ObjectA a;
    a.at(ObjectA::kSymtab).link = 40;  // the names of the symbols
    EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: bad section index 40 for the symbol names");
  }
  {
    ObjectA a;
    a.sym(3)->st_shndx = 30;  // `get` in a section that is not there
    EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: symbol get has a bad section index 30");
  }
  {
    ObjectA a;
    a.at(ObjectA::kRelaData).info = 50;  // relocates a section that is not there
    EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: .rela.data relocates a bad section index 50");
  }
  {
    ObjectA a;
    a.relocation(ObjectA::kRelaText, 1)->r_info = ELF64_R_INFO(99, R_X86_64_64);
    EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: relocation 1 of .rela.text: bad symbol index 99");
  }
  {
    ObjectA a;
    a.sym(3)->st_name = 4000;  // a name outside the names' table
    EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: symbol 3 has a bad name offset");
  }
  {
    ObjectA a;
    a.sym(3)->st_value = 1000;  // past the end of .text
    EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: symbol get lies outside its section (offset 1000)");
  }
}

// The section names' table's header, made a NULL header whose offset is past the end (the review's
// fuzzing: a substr of it threw std::out_of_range out of the loader), or another kind of section.
TEST(ElfLoader, ASectionNamesTableThatIsNoStringTableIsAnError) {
  for (const std::uint32_t type : {std::uint32_t{SHT_NULL}, std::uint32_t{SHT_NOBITS}, std::uint32_t{SHT_PROGBITS}}) {
    std::string bytes = ObjectA().elf.bytes();
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    Elf64_Shdr names;
    const std::size_t at = eh.e_shoff + std::size_t{eh.e_shstrndx} * sizeof(Elf64_Shdr);
    std::memcpy(&names, bytes.data() + at, sizeof names);
    names.sh_type = type;
    if (type != SHT_PROGBITS) names.sh_offset = std::uint64_t{1} << 30;
    std::memcpy(bytes.data() + at, &names, sizeof names);
    EXPECT_EQ(load_error({bytes}), fmt::format("object 0: section {}, named as the section names' table, is not a string "
                                               "table (type {})", eh.e_shstrndx, type));
  }
}

TEST(ElfLoader, ARelocationOutsideItsSectionIsAnError) {
  ObjectA a;
  a.relocation(ObjectA::kRelaText, 1)->r_offset = 21;  // 8 bytes from 21 pass .text's 28
  EXPECT_EQ(load_error({a.elf.bytes()}), "object 0: relocation 1 of .rela.text: offset 21 lies outside its section (28 bytes)");
  ObjectA b;
  b.relocation(ObjectA::kRelaData, 0)->r_offset = ~std::uint64_t{0} - 2;  // no wrapping around
  EXPECT_NE(load_error({b.elf.bytes()}).find("relocation 0 of .rela.data: offset"), std::string::npos);
}

TEST(ElfLoader, AnUnknownSymbolIsAnError) {
  std::string error;
  EXPECT_EQ(NativeImage::load({ObjectA().elf.bytes()}, {}, &error), nullptr);
  EXPECT_EQ(error, "object 0: unknown symbol iwd_test_external (neither the bundle's objects nor iwd define it)");
  // B alone: `get` is A's.
  EXPECT_EQ(load_error({object_b()}), "object 0: unknown symbol get (neither the bundle's objects nor iwd define it)");
  // A global defined by two objects.
  EXPECT_EQ(load_error({ObjectA().elf.bytes(), ObjectA().elf.bytes()}), "object 1: symbol get is defined twice");
}

TEST(ElfLoader, AnUnknownRelocationKindIsAnErrorNamingIt) {
  const std::pair<unsigned, const char*> kinds[] = {
      {R_X86_64_PLT32, "4 (R_X86_64_PLT32)"}, {R_X86_64_GOTPCREL, "9 (R_X86_64_GOTPCREL)"}, {R_X86_64_32S, "11 (R_X86_64_32S)"}, {200, "200 (unnamed)"}};
  for (auto [type, name] : kinds) {
    ObjectA a;
    a.relocation(ObjectA::kRelaData, 1)->r_info = ELF64_R_INFO(1, type);
    EXPECT_EQ(load_error({a.elf.bytes()}), std::string("object 0: relocation 1 of .rela.data: unknown relocation kind ") + name);
  }
}

TEST(ElfLoader, ForeignAndThreadLocalObjectsAreRefused) {
  EXPECT_EQ(load_error({std::string(100, 'x')}), "object 0: not an ELF object");
  ObjectA arm;
  arm.elf.machine = EM_AARCH64;
  EXPECT_EQ(load_error({arm.elf.bytes()}), "object 0: not x86-64 code (ELF machine 183)");
  ObjectA shared;
  shared.elf.type = ET_DYN;
  EXPECT_EQ(load_error({shared.elf.bytes()}), "object 0: not a relocatable object (ELF type 3)");
  ObjectA tls;
  tls.at(ObjectA::kBss).flags |= SHF_TLS;
  EXPECT_EQ(load_error({tls.elf.bytes()}), "object 0: section .bss is thread-local storage, which bundles do not use");
  ObjectA tls_symbol;
  tls_symbol.sym(5)->st_info = static_cast<unsigned char>(ELF64_ST_INFO(STB_GLOBAL, STT_TLS));
  EXPECT_EQ(load_error({tls_symbol.elf.bytes()}), "object 0: symbol table is thread-local, which bundles do not use");
  ObjectA constructors;  // constructors the loader would never run
  constructors.elf.sections.push_back({".init_array", SHT_INIT_ARRAY, SHF_ALLOC | SHF_WRITE, std::string(8, '\0'), 8});
  EXPECT_EQ(load_error({constructors.elf.bytes()}),
            "object 0: section .init_array holds constructors or destructors, which bundles do not use");
  ObjectA aligned;
  aligned.at(ObjectA::kText).align = 3;
  EXPECT_EQ(load_error({aligned.elf.bytes()}), "object 0: section .text has alignment 3");
}

}  // namespace
}  // namespace iwd::compiler
