// The libraries `iwd` opens at first use (issue 19): the binding code of the stubs that
// cmake/lazy_stubs.py writes for them (see there). A stub's slot is three words: the function
// (at first the stub's binding code), the library's number in iwd_lazy_libraries, the
// function's name.
#include "tools/iwd/lazy_libraries.h"

#if defined(IWD_LAZY_LIBRARIES)  // tools/iwd/CMakeLists.txt: the stubs are x86-64 only
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

extern "C" const char* const iwd_lazy_libraries[];

namespace {

constexpr std::size_t kMaxLibraries = 16;
std::atomic<void*> handles[kMaxLibraries];

[[noreturn]] void fail(const char* what, const char* name) {
  const char* why = dlerror();
  std::fprintf(stderr, "iwd: cannot %s %s: %s\n", what, name, why ? why : "unknown error");
  std::fflush(stderr);
  ::_exit(2);  // an environment problem, as any other (the library was found when iwd was built)
}

}  // namespace

// Opens the slot's library (once: dlopen returns the same handle to threads that race here),
// finds the function, and stores it in the slot, so that the stub jumps straight to it from then
// on. Returns the function.
extern "C" void* iwd_lazy_bind(void** slot) {
  const auto lib = reinterpret_cast<std::uintptr_t>(slot[1]);
  const char* name = static_cast<const char*>(slot[2]);
  if (lib >= kMaxLibraries) fail("bind", name);
  void* handle = handles[lib].load(std::memory_order_acquire);
  if (!handle) {
    handle = ::dlopen(iwd_lazy_libraries[lib], RTLD_LAZY | RTLD_LOCAL);
    if (!handle) fail("load", iwd_lazy_libraries[lib]);
    handles[lib].store(handle, std::memory_order_release);
  }
  void* f = ::dlsym(handle, name);
  if (!f) fail("find the function", name);
  __atomic_store_n(slot, f, __ATOMIC_RELEASE);
  return f;
}

bool iwd::cli::open_lazy_libraries(const char** error) {
  for (std::size_t lib = 0; iwd_lazy_libraries[lib] && lib < kMaxLibraries; ++lib) {
    if (handles[lib].load(std::memory_order_acquire)) continue;
    void* handle = ::dlopen(iwd_lazy_libraries[lib], RTLD_LAZY | RTLD_LOCAL);
    if (!handle) {
      *error = dlerror();
      return false;
    }
    handles[lib].store(handle, std::memory_order_release);
  }
  return true;
}

#else

bool iwd::cli::open_lazy_libraries(const char**) { return true; }

#endif  // IWD_LAZY_LIBRARIES
