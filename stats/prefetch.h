// A software prefetch that the compiler keeps: GCC 12 dropped __builtin_prefetch of a tracker
// entry once inlined into the engine's event sink (the benchmark's binary held no prefetch
// instruction at all), so on x86 it is an instruction of its own.
#pragma once

namespace iwd::stats {

inline void prefetch(const void* p) {
#if defined(__x86_64__) || defined(__i386__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace iwd::stats
