// Fault injection for the journal (tests only): its writes made to fail on purpose, so that
// tests can check that the service acknowledges nothing it did not store. Four kinds:
//   write   inserting a line (or ruleset, or snapshot) fails with "disk I/O error": the journal
//           returns the error itself before SQLite sees the row (a simulated failed insert);
//   commit  the commit's first write to the write-ahead log is short: half its bytes reach the
//           file, then SQLITE_IOERR_WRITE (a VFS shim under SQLite's own; real partial frames);
//   full    the disk is full, through SQLite's own limit: PRAGMA max_page_count set to the
//           database's page count, so the first transaction that needs one more page fails
//           with SQLITE_FULL "database or disk is full", the error a real ENOSPC gives (a tiny
//           tmpfs would need privileges that CI does not always have);
//   fsync   the commit's fsync of the write-ahead log fails (SQLITE_IOERR_FSYNC) after its
//           frames were written, as a failing disk reports it (the VFS shim).
// Each fires in every transaction after the first `after` that this Journal committed (the
// disk stays broken). `iwd serve` takes one from the environment, IWD_JOURNAL_FAULT=KIND or
// KIND:after=N, read only when set and announced on stderr (server/journal.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

struct sqlite3_vfs;

namespace iwd::server {

struct JournalFault {
  enum class Kind { None, Write, Commit, Full, Fsync };
  Kind kind = Kind::None;
  std::int64_t after = 0;  // transactions committed before the fault fires

  // "commit", "fsync:after=3"... nullopt and *error when it is not one.
  static std::optional<JournalFault> parse(const std::string& text, std::string* error);
  std::string describe() const;  // "commit after 3 transactions"
};

// A VFS under SQLite's default one (unix) that fails the write-ahead log's writes (commit) or
// syncs (fsync) while it is armed on the calling thread; every other call passes through. It
// is registered under a name of its own for its lifetime: open the database with name().
class FaultVfs {
 public:
  static std::unique_ptr<FaultVfs> create(JournalFault::Kind kind, std::string* error);
  ~FaultVfs();
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;

  const char* name() const { return name_.c_str(); }
  // While an Armed lives, this thread's writes (commit) or syncs (fsync) of the log fail.
  class Armed {
   public:
    explicit Armed(FaultVfs* vfs);
    ~Armed();
    Armed(const Armed&) = delete;
    Armed& operator=(const Armed&) = delete;
  };

  JournalFault::Kind kind() const { return kind_; }
  sqlite3_vfs* real() const { return real_; }

 private:
  FaultVfs() = default;
  JournalFault::Kind kind_ = JournalFault::Kind::None;
  std::string name_;
  sqlite3_vfs* real_ = nullptr;
  std::unique_ptr<sqlite3_vfs> vfs_;
};

}  // namespace iwd::server
