// How a frame's first mapping is populated (runtime/state_frame.cpp, FrameBuffer::reserve): a
// MiB a call with MADV_POPULATE_WRITE (Linux 5.14), else by writing one byte in each of the
// machine's pages. Apart from state_frame.h (which runtime.h includes) so that the tests can
// run the fallback on a kernel that has the advice.
#pragma once

#include <cstddef>

namespace iwd::runtime::frame_pages {

// The machine's page size (sysconf(_SC_PAGESIZE): 4 KiB on x86-64, 16 or 64 KiB on some
// arm64 and POWER kernels).
std::size_t page_bytes();
// Populates [p, p + n), p page-aligned, fresh anonymous memory: a MiB a call, or, where the
// kernel has no such advice, page by page.
void populate(char* p, std::size_t n);
// The fallback: one byte written in each page (fresh pages are zero already); the bytes
// written, one a page.
std::size_t touch(char* p, std::size_t n);

}  // namespace iwd::runtime::frame_pages
