// libFuzzer target: a bundle's rule program, damaged. The input is a list of edits (4 bytes
// each: a little-endian 24-bit offset and a byte to XOR in, or a 3-byte offset with byte 0
// meaning "cut here") applied to the serialized program of examples/enterprise.iwd. Decoding
// and checking the result (deserialize_program, which validates) must give a program or one
// error message, never a crash or a sanitizer report; a program that passes the check must
// give an interpreter (calendars, zones and patterns build).
#include <cstddef>
#include <cstdint>
#include <string>

#include "compiler/driver/compilation.h"
#include "compiler/interp/interp.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/program_io.h"

using namespace iwd::compiler;

namespace {

std::string enterprise_program() {
  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  std::string error;
  if (!comp.load_root("examples/enterprise.iwd", &error)) std::abort();  // run from the repository
  comp.check();
  if (diags.has_errors()) std::abort();
  return serialize_program(*lower_program(*comp.bound()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string original = enterprise_program();
  std::string bytes = original;
  for (std::size_t k = 0; k + 4 <= size; k += 4) {
    const std::size_t at = (data[k] | (data[k + 1] << 8) | (data[k + 2] << 16)) % bytes.size();
    if (data[k + 3] == 0) bytes.resize(at);
    else bytes[at] = static_cast<char>(bytes[at] ^ data[k + 3]);
    if (bytes.empty()) break;
  }
  Program p;
  std::string error;
  if (deserialize_program(bytes, &p, &error)) {
    Interpreter interp(p);
    (void)interp.program();
  } else if (error.empty()) {
    std::abort();  // a refusal always says why
  }
  return 0;
}
