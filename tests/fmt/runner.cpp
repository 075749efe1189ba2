// The `iwd fmt` golden runner. Each case is a pair NAME.in.iwd / NAME.out.iwd: formatting
// the input must give the output exactly, and formatting the output must give it back
// unchanged (idempotence). `iwd_fmt_golden --update FILE.in.iwd...` (or
// IWD_GOLDEN_UPDATE=1) writes NAME.out.iwd from the actual output.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/format/format.h"

namespace fs = std::filesystem;
using namespace iwd::compiler;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool format(const fs::path& p, const std::string& text, std::string* out) {
  SourceManager sm;
  DiagnosticBag diags;
  const FileId id = sm.add(p.filename().string(), text);
  FormatResult r = format_source(sm, id, diags);
  if (!r.ok) {
    std::cerr << "FAIL " << p.string() << ": not formatted\n";
    if (!r.error.empty()) std::cerr << "  " << r.error << "\n";
    render_text(std::cerr, sm, diags.all());
    return false;
  }
  *out = r.text;
  return true;
}

bool run_one(const fs::path& in_path, bool update) {
  std::string name = in_path.filename().string();
  const std::string suffix = ".in.iwd";
  if (name.size() <= suffix.size() || name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    std::cerr << "FAIL " << in_path.string() << ": a case is named NAME.in.iwd\n";
    return false;
  }
  const fs::path out_path = in_path.parent_path() / (name.substr(0, name.size() - suffix.size()) + ".out.iwd");
  std::string actual;
  if (!format(in_path, read_file(in_path), &actual)) return false;
  if (update) {
    std::ofstream(out_path, std::ios::binary) << actual;
    return true;
  }
  bool ok = true;
  if (!fs::exists(out_path)) {
    std::cerr << "FAIL " << in_path.string() << ": " << out_path.string() << " is missing\n";
    ok = false;
  } else {
    const std::string expected = read_file(out_path);
    if (actual != expected) {
      std::cerr << "FAIL " << in_path.string() << ": format(in) != out\n--- expected\n"
                << expected << "--- actual\n" << actual;
      ok = false;
    }
    std::string again;
    if (!format(out_path, expected, &again)) return false;
    if (again != expected) {
      std::cerr << "FAIL " << out_path.string() << ": format(out) != out\n--- actual\n" << again;
      ok = false;
    }
  }
  if (!ok) std::cerr << "  (to accept the actual output: iwd_fmt_golden --update " << in_path.string() << ")\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  bool update = std::getenv("IWD_GOLDEN_UPDATE") != nullptr;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--update") update = true;
    else files.push_back(fs::absolute(a));
  }
  if (files.empty()) {
    std::cerr << "usage: iwd_fmt_golden [--update] NAME.in.iwd...\n";
    return 2;
  }
  int failed = 0;
  for (const auto& f : files)
    if (!run_one(f, update)) ++failed;
  if (files.size() > 1) std::cout << files.size() - failed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
