// What a loaded ruleset (or a bundle) says about itself: which iwd built it, the ruleset's
// name and version, a hash of its sources and the machine its native code is for.
#pragma once

#include <string>

#include "compiler/jit/target.h"

namespace iwd::compiler {

struct BundleManifest {
  std::string compiler_version;  // the iwd that built it
  std::string ruleset, ruleset_version;
  std::string source_hash;       // "fnv1a64:<hex>" over every source file, in ruleset order
  JitTarget target;
  int jit_code_version = kJitCodeVersion;  // the native code's conventions (1 when not recorded)
};

}  // namespace iwd::compiler
