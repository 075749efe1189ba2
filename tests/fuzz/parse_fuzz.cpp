// libFuzzer target: any bytes through the whole front end (parse, names, dumps, renderers)
// must give diagnostics, never a crash, a hang or a sanitizer report.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "compiler/diag/render.h"
#include "compiler/lower/lower.h"
#include "compiler/sema/binder.h"
#include "compiler/sema/bound_dump.h"
#include "compiler/syntax/parse.h"

using namespace iwd::compiler;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SourceManager sm;
  DiagnosticBag diags;
  FileId id = sm.add("fuzz.iwd", std::string(reinterpret_cast<const char*>(data), size));
  auto file = parse_file(sm, id, diags);
  std::ostringstream sink;
  if (!diags.has_errors()) {
    // Imports are not followed: the fuzzer must not read the disk.
    auto bound = bind_ruleset(sm, {file.get()}, diags);
    dump_bound(sink, *bound);
    if (!diags.has_errors()) dump_program(sink, *lower_program(*bound));
  }
  dump_ast(sink, sm, *file);
  diags.sort();
  render_text(sink, sm, diags.all());
  render_json(sink, sm, diags.all());
  render_sarif(sink, sm, diags.all(), "fuzz");
  return 0;
}
