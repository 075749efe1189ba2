// Fault injection for the journal: the fault's text form and the VFS shim (journal_fault.h).
#include "server/journal_fault.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

namespace iwd::server {

std::optional<JournalFault> JournalFault::parse(const std::string& text, std::string* error) {
  JournalFault f;
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  if (kind == "write") f.kind = Kind::Write;
  else if (kind == "commit") f.kind = Kind::Commit;
  else if (kind == "full") f.kind = Kind::Full;
  else if (kind == "fsync") f.kind = Kind::Fsync;
  else {
    *error = fmt::format("unknown journal fault `{}`: write, commit, full or fsync, then optionally :after=N", kind);
    return std::nullopt;
  }
  if (colon != std::string::npos) {
    const std::string rest = text.substr(colon + 1);
    char* end = nullptr;
    const long long n = rest.rfind("after=", 0) == 0 ? std::strtoll(rest.c_str() + 6, &end, 10) : -1;
    if (n < 0 || end == rest.c_str() + 6 || *end != '\0') {
      *error = fmt::format("journal fault `{}`: after the kind comes `:after=N` (N transactions first), not `{}`", text, rest);
      return std::nullopt;
    }
    f.after = n;
  }
  return f;
}

std::string JournalFault::describe() const {
  static constexpr const char* kNames[] = {"none", "write", "commit", "full", "fsync"};
  return fmt::format("{} after {} transaction(s)", kNames[static_cast<int>(kind)], after);
}

namespace {

thread_local const FaultVfs* t_armed = nullptr;

// One open file: ours first, SQLite's own right after it (szOsFile covers both).
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
  const FaultVfs* vfs;
  bool wal;
  sqlite3_io_methods methods;
};

FaultFile* of(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return of(f)->real; }
bool armed(sqlite3_file* f, JournalFault::Kind kind) {
  const FaultFile* ff = of(f);
  return ff->wal && t_armed == ff->vfs && ff->vfs->kind() == kind;
}

int x_close(sqlite3_file* f) { return real(f)->pMethods->xClose(real(f)); }
int x_read(sqlite3_file* f, void* p, int n, sqlite3_int64 at) { return real(f)->pMethods->xRead(real(f), p, n, at); }
int x_write(sqlite3_file* f, const void* p, int n, sqlite3_int64 at) {
  if (armed(f, JournalFault::Kind::Commit)) {  // a short write: half of it, then the error
    real(f)->pMethods->xWrite(real(f), p, n / 2, at);
    return SQLITE_IOERR_WRITE;
  }
  return real(f)->pMethods->xWrite(real(f), p, n, at);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) { return real(f)->pMethods->xTruncate(real(f), size); }
int x_sync(sqlite3_file* f, int flags) {
  if (armed(f, JournalFault::Kind::Fsync)) return SQLITE_IOERR_FSYNC;  // written, not synced
  return real(f)->pMethods->xSync(real(f), flags);
}
int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return real(f)->pMethods->xFileSize(real(f), size); }
int x_lock(sqlite3_file* f, int level) { return real(f)->pMethods->xLock(real(f), level); }
int x_unlock(sqlite3_file* f, int level) { return real(f)->pMethods->xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return real(f)->pMethods->xCheckReservedLock(real(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return real(f)->pMethods->xFileControl(real(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int x_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real(f)->pMethods->xShmMap(real(f), page, size, extend, out);
}
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) { return real(f)->pMethods->xShmLock(real(f), offset, n, flags); }
void x_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int remove) { return real(f)->pMethods->xShmUnmap(real(f), remove); }
int x_fetch(sqlite3_file* f, sqlite3_int64 at, int n, void** out) { return real(f)->pMethods->xFetch(real(f), at, n, out); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 at, void* p) { return real(f)->pMethods->xUnfetch(real(f), at, p); }

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  const auto* self = static_cast<const FaultVfs*>(vfs->pAppData);
  FaultFile* f = of(file);
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  f->vfs = self;
  f->wal = (flags & SQLITE_OPEN_WAL) != 0;
  f->base.pMethods = nullptr;
  const int rc = self->real()->xOpen(self->real(), name, f->real, flags, out_flags);
  if (rc != SQLITE_OK || !f->real->pMethods) return rc;
  f->methods = sqlite3_io_methods{std::min(f->real->pMethods->iVersion, 3),
                                  x_close, x_read, x_write, x_truncate, x_sync, x_file_size, x_lock, x_unlock,
                                  x_check_reserved, x_file_control, x_sector_size, x_device, x_shm_map, x_shm_lock,
                                  x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch};
  f->base.pMethods = &f->methods;
  return rc;
}

std::atomic<int> next_vfs{0};

}  // namespace

std::unique_ptr<FaultVfs> FaultVfs::create(JournalFault::Kind kind, std::string* error) {
  std::unique_ptr<FaultVfs> v(new FaultVfs);
  v->kind_ = kind;
  v->real_ = sqlite3_vfs_find(nullptr);
  if (!v->real_) {
    *error = "SQLite has no default VFS to inject faults under";
    return nullptr;
  }
  v->name_ = fmt::format("iwd-fault-{}", next_vfs.fetch_add(1));
  v->vfs_ = std::make_unique<sqlite3_vfs>(*v->real_);  // every call but xOpen goes straight to it
  v->vfs_->szOsFile = static_cast<int>(sizeof(FaultFile)) + v->real_->szOsFile;
  v->vfs_->pNext = nullptr;
  v->vfs_->zName = v->name_.c_str();
  v->vfs_->pAppData = v.get();
  v->vfs_->xOpen = x_open;
  if (sqlite3_vfs_register(v->vfs_.get(), 0) != SQLITE_OK) {
    *error = "cannot register the fault-injection VFS";
    return nullptr;
  }
  return v;
}

FaultVfs::~FaultVfs() {
  if (vfs_) sqlite3_vfs_unregister(vfs_.get());
}

FaultVfs::Armed::Armed(FaultVfs* vfs) { t_armed = vfs; }
FaultVfs::Armed::~Armed() { t_armed = nullptr; }

}  // namespace iwd::server
