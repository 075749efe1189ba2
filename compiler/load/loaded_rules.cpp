#include "compiler/load/loaded_rules.h"

#include <fmt/format.h>

#include <fstream>
#include <system_error>
#include <thread>

#include "compiler/driver/compilation.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/program_io.h"
#include "compiler/lower/schema_of.h"
#include "compiler/load/sources.h"

namespace iwd::compiler {

const char* compiler_version() { return IWD_VERSION; }

const Program& LoadedRules::program() const { return *program_; }
const std::string& LoadedRules::timezone() const { return program_->timezone; }
const Interpreter& LoadedRules::interpreter() const { return *interp_; }


std::unique_ptr<LoadedRules> LoadedRules::make(std::unique_ptr<Program> program, runtime::Schema schema,
                                               BundleManifest manifest, runtime::StringPool& pool,
                                               const LoadOptions& options, const std::vector<std::string>& objects,
                                               std::string* error) {
  std::unique_ptr<LoadedRules> r(new LoadedRules(pool));
  r->program_ = std::move(program);
  r->schema_ = std::move(schema);
  r->schema_text_ = r->schema_.serialize();
  r->manifest_ = std::move(manifest);
  r->interp_ = std::make_unique<Interpreter>(*r->program_);
  for (const auto& s : r->program_->strings) r->string_ids_.push_back(pool.intern(s));
  if (options.jit) {
    if (objects.empty()) {
      r->jit_ = JitProgram::compile(*r->program_, error, options.keep_object ? &r->objects_ : nullptr);
    } else {
      r->jit_ = options.llvm_linker ? JitProgram::load(*r->program_, objects, error)
                                    : JitProgram::load_native(*r->program_, objects, error);
      if (options.keep_object) r->objects_ = objects;
    }
    if (!r->jit_) return nullptr;
    if (options.background_compile) r->jit_->start_background_compile();
    r->runner_ = std::make_unique<JitRunner>(*r->jit_, *r->interp_, r->string_ids_);
    r->interp_->set_native(r->runner_.get());
  }
  r->fill_table();
  return r;
}

std::string LoadedRules::bundle() const {
  Bundle b;
  b.manifest = manifest_;
  b.schema = schema_text_;
  b.program = serialize_program(*program_);
  b.objects = objects_;
  b.sources = sources_;
  return write_bundle(b);
}

namespace {

// The whole of a file open in `in`, in one read of its size (the copy through
// istreambuf_iterator, a byte at a time, was 4 % of a one-item `iwd eval` from a bundle).
bool read_all(std::ifstream& in, std::string* out) {
  in.clear();
  if (!in.seekg(0, std::ios::end)) return false;
  const std::streamoff size = in.tellg();
  if (size < 0 || !in.seekg(0)) return false;
  out->resize(static_cast<std::size_t>(size));
  return static_cast<bool>(in.read(out->data(), size));
}

}  // namespace

LoadResult load_bundle(std::string_view bytes, runtime::StringPool& pool, const LoadOptions& options) {
  LoadResult out;
  Bundle b;
  if (!read_bundle(bytes, &b, &out.error)) return out;
  if (b.manifest.jit_code_version != kJitCodeVersion) {
    // Native code of other conventions (an older build's INT64_MAX and -1 for "none"): compiled
    // again from the bundle's program, for this machine.
    b.objects.clear();
    b.manifest.target = JitProgram::host_target();
    b.manifest.jit_code_version = kJitCodeVersion;
  }
  const auto& m = b.manifest;
  if (m.compiler_version != compiler_version()) {
    out.error = fmt::format("the bundle was built by iwd {} and this is iwd {}: rebuild it with `iwd build`",
                            m.compiler_version, compiler_version());
    return out;
  }
  // The program decoded before the target is checked (which waits for the process's JIT, set
  // up meanwhile on another core: load_rules), its failure reported after the target's, as
  // before (issue 19).
  auto program = std::make_unique<Program>();
  std::string program_error;
  const bool decoded = deserialize_program(b.program, program.get(), &program_error);
  if (options.jit) {
    if (auto why = JitProgram::check_target(m.target); !why.empty()) {
      out.error = fmt::format("the bundle's native code cannot run here: {}; rebuild it on this machine with "
                              "`iwd build`, or evaluate it with --no-jit", why);
      return out;
    }
  }
  if (!decoded) {
    out.error = "the bundle is damaged: " + program_error;
    return out;
  }
  auto schema = runtime::Schema::parse(b.schema);
  if (!schema.ok()) {
    out.error = "the bundle is damaged: its schema: " + schema.error;
    return out;
  }
  if (schema.value.attributes.size() != program->attributes.size()) {
    out.error = "the bundle is damaged: its schema and its rule program disagree on the attributes";
    return out;
  }
  out.rules = LoadedRules::make(std::move(program), std::move(schema.value), m, pool, options, b.objects, &out.error);
  if (!out.rules) {
    out.error = "the bundle's native code does not load: " + out.error;
    return out;
  }
  out.rules->set_sources(std::move(b.sources));
  out.status = LoadStatus::Ok;
  return out;
}

LoadResult load_rules(const std::string& path, runtime::StringPool& pool, const LoadOptions& options,
                      SourceRules* source) {
  LoadResult out;
  {
    std::ifstream probe(path, std::ios::binary);
    char head[8] = {};
    if (probe && probe.read(head, sizeof head) && looks_like_bundle(std::string_view(head, sizeof head))) {
      if (source) {
        out.error = fmt::format("{} is a bundle: this needs the rules' source files", path);
        return out;
      }
      // With LLVM's linker, the process's JIT (LLVM's target and ORC's session: ~5 % of a
      // one-item `iwd eval`) made on another core while this thread reads the bundle, checks it
      // and decodes its program (issue 19); load_bundle's own call waits for it (ProcessJit::get's
      // lock); joined on every way out. iwd's own ELF loader needs no JIT.
      struct Joined {
        std::thread t;
        ~Joined() {
          if (t.joinable()) t.join();
        }
      } jit_setup;
      if (options.jit && options.llvm_linker) {
        try {
          jit_setup.t = std::thread([] { JitProgram::set_up(); });
        } catch (const std::system_error&) {
          // No thread to be had (a process's limit): load_bundle sets the JIT up on this one.
        }
      }
      std::string bytes;
      if (!read_all(probe, &bytes)) {
        out.error = fmt::format("cannot read '{}'", path);
        return out;
      }
      out = load_bundle(bytes, pool, options);
      if (!out.rules) out.error = fmt::format("{}: {}", path, out.error);
      return out;
    }
  }
  std::vector<std::string> roots;
  if (!collect_roots({path}, &roots, &out.error)) return out;
  if (roots.size() != 1) {
    out.error = fmt::format("{} holds {} rulesets (files no other file imports); name one file", path, roots.size());
    return out;
  }
  out = load_rules(disk_files(), roots[0], pool, options, source);
  if (out.status == LoadStatus::RuleErrors) out.error = fmt::format("{} has errors", path);
  return out;
}

LoadResult load_rules(const SourceFiles& files, const std::string& root, runtime::StringPool& pool,
                      const LoadOptions& options, SourceRules* source) {
  LoadResult out;
  SourceRules local;
  SourceRules& src = source ? *source : local;
  const RecordingFiles recording(files);
  src.comp = std::make_unique<Compilation>(*src.sm, src.diags, options.keep_sources ? recording : files);
  const SourceManager& sm = *src.sm;
  DiagnosticBag& diags = src.diags;
  Compilation& comp = *src.comp;
  if (!comp.load_root(root, &out.error)) return out;
  comp.check();
  diags.sort();
  if (!diags.all().empty()) out.diagnostics = Diagnostics{diags.all(), src.sm};
  if (diags.has_errors()) {
    out.status = LoadStatus::RuleErrors;
    out.error = fmt::format("{} has errors", root);
    return out;
  }
  BundleManifest m;
  m.compiler_version = compiler_version();
  m.ruleset = comp.bound()->name;
  m.ruleset_version = comp.bound()->version;
  std::uint64_t h = fnv1a64("iwd-sources");
  for (FileId id : comp.file_ids()) {
    const std::string& text = sm.file(id).text;
    h = fnv1a64(std::to_string(text.size()) + ":", h);
    h = fnv1a64(text, h);
  }
  m.source_hash = fmt::format("fnv1a64:{:016x}", h);
  m.target = JitProgram::host_target();
  out.rules = LoadedRules::make(lower_program(*comp.bound(), source ? &src.registers : nullptr), schema_of(*comp.bound()),
                                std::move(m), pool, options, {}, &out.error);
  if (!out.rules) {
    out.error = "the JIT failed: " + out.error;
    return out;
  }
  if (options.keep_sources) out.rules->set_sources(recording.sources(root, sm, comp.file_ids()));
  out.status = LoadStatus::Ok;
  return out;
}

}  // namespace iwd::compiler
