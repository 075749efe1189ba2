// The libraries `iwd` opens at their first call (issue 19; lazy_libraries.cpp). A long-running
// command opens them all at its start: a library missing or broken is then an error at start
// (exit 2, naming it), not the process's end in the middle of a request that first calls it
// (ICU's, say, at the first rule calling lower()).
#pragma once

namespace iwd::cli {

// Opens every lazily bound library now. False and a message naming the library when one cannot
// be opened. True at once where the libraries are linked as usual (IWD_LAZY_LIBRARIES OFF).
bool open_lazy_libraries(const char** error);

}  // namespace iwd::cli
