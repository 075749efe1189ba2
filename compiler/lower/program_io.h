// A Program as bytes, for bundles: a compact, versioned binary form (CBOR), and the structural
// check a loaded program must pass before anything runs it. The check does not make a hostile
// bundle safe (a bundle carries native code, which is trusted like a shared library); it turns
// a damaged or mismatched one into a clear error instead of a crash.
#pragma once

#include <string>
#include <string_view>

#include "compiler/lower/program.h"

namespace iwd::compiler {

// 2: Input::Window, Op::ShareOfSla (LANGUAGE.md 1.1); 3: VTag::BusinessDays (`5bd`); 4: a process's
// `complete by source` (ProgramProcess::source_completes, so that an iwd that cannot honour it
// refuses the program rather than let agents mark its items done). Formats 1 to 3 are still read.
inline constexpr int kProgramFormatVersion = 4;

std::string serialize_program(const Program& p);
// False with *error naming the problem when `bytes` is not a valid program of this version.
bool deserialize_program(std::string_view bytes, Program* out, std::string* error);
// "" when every index in `p` is in range, every calendar, zone and pattern valid, every call's
// arity right; else the first problem found.
std::string validate_program(const Program& p);

}  // namespace iwd::compiler
