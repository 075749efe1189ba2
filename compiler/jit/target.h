// The machine a JIT's native code was built for (recorded in bundles, compiler/load/manifest.h).
// A plain struct, apart from jit.h, so that a bundle's manifest can be read without the JIT.
#pragma once

#include <string>

namespace iwd::compiler {

// The machine code is for: what a bundle records, and what a loading machine must offer.
struct JitTarget {
  std::string triple;    // "x86_64-pc-linux-gnu"
  std::string cpu;       // "skylake-avx512"
  std::string features;  // LLVM's "+sse2,+avx,-avx512f,..." of the compiling machine
};

// The conventions of the native code besides the program (what it reads from its inputs and
// writes for "none"). 2: an absent time is runtime::abi::kNone (no due instant, a stage that
// never opens). Bundles from before recorded none; they are read as 1 (INT64_MAX and -1), and
// their native code is compiled again from their program when loaded. 3: iwd_next<k> takes
// the SLA clock's open time and its calendar as third and fourth arguments (JitNext, issue 19);
// version 2's takes two, and is compiled again as well.
inline constexpr int kJitCodeVersion = 3;

}  // namespace iwd::compiler
