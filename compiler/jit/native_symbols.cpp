// The table of functions native code calls by name (elf_loader.h: native_symbols()). No LLVM here.
#include <cmath>
#include <cstring>

#include "compiler/jit/elf_loader.h"
#include "compiler/jit/helpers.h"

namespace iwd::compiler {

std::span<const NativeSymbol> native_symbols() {
  using D = double (*)(double);
  static const NativeSymbol table[] = {
      // The interpreter's slow paths and calendar, agent and list helpers (jit.cpp).
      {"iwd_jit_slow", reinterpret_cast<const void*>(&iwd_jit_slow)},
      {"iwd_jit_business_time", reinterpret_cast<const void*>(&iwd_jit_business_time)},
      {"iwd_jit_share_age", reinterpret_cast<const void*>(&iwd_jit_share_age)},
      {"iwd_jit_add_business", reinterpret_cast<const void*>(&iwd_jit_add_business)},
      {"iwd_jit_share_age_of_clock", reinterpret_cast<const void*>(&iwd_jit_share_age_of_clock)},
      {"iwd_jit_calendar", reinterpret_cast<const void*>(&iwd_jit_calendar)},
      {"iwd_jit_open_time", reinterpret_cast<const void*>(&iwd_jit_open_time)},
      {"iwd_jit_open_add", reinterpret_cast<const void*>(&iwd_jit_open_add)},
      {"iwd_jit_skill", reinterpret_cast<const void*>(&iwd_jit_skill)},
      {"iwd_jit_agent_attribute", reinterpret_cast<const void*>(&iwd_jit_agent_attribute)},
      {"iwd_jit_list_contains", reinterpret_cast<const void*>(&iwd_jit_list_contains)},
      {"iwd_jit_clock", reinterpret_cast<const void*>(&iwd_jit_clock)},
      // What code generation may call for an intrinsic the target has no instruction for (a
      // CPU without SSE4.1 rounds through libm), and for block copies and fills.
      {"round", reinterpret_cast<const void*>(static_cast<D>(&::round))},
      {"floor", reinterpret_cast<const void*>(static_cast<D>(&::floor))},
      {"ceil", reinterpret_cast<const void*>(static_cast<D>(&::ceil))},
      {"trunc", reinterpret_cast<const void*>(static_cast<D>(&::trunc))},
      {"fmod", reinterpret_cast<const void*>(static_cast<double (*)(double, double)>(&::fmod))},
      {"memcpy", reinterpret_cast<const void*>(&::memcpy)},
      {"memmove", reinterpret_cast<const void*>(&::memmove)},
      {"memset", reinterpret_cast<const void*>(&::memset)},
  };
  return table;
}

}  // namespace iwd::compiler
