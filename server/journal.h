// The durable store of a service (DIR/journal.db, SQLite, WAL, synchronous=FULL):
// - `journal`: every accepted change as one line of the replay script format (docs/replay.md)
//   with its absolute instant, plus `{"at": ..., "rules": KEY}` lines where a ruleset came into
//   force (the first line of every journal, and each hot reload);
// - `rulesets`: each ruleset that was ever in force, as a bundle (compiler/load/bundle.h), by key.
// Appends go in batches, one transaction each (group commit: server/group_commit.h); a batch
// is durable when append() returns true. Not thread-safe: one thread at a time (the group
// committer while the service runs; recovery before).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace iwd::server {

class Journal {
 public:
  // Opens or creates DIR/journal.db. Null and *error set on failure.
  static std::unique_ptr<Journal> open(const std::string& dir, std::string* error);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Stores the rulesets (key, bundle; a key already stored is kept) and the lines in one
  // transaction; false (and *error) when it could not: then none is.
  bool append(const std::vector<std::pair<std::string, std::string>>& rulesets, const std::vector<std::string>& lines,
              std::string* error);
  // Every stored line, in order.
  bool read(const std::function<void(const std::string&)>& line, std::string* error);
  // A stored ruleset's bundle, or nullopt.
  std::optional<std::string> ruleset(const std::string& key, std::string* error);
  std::int64_t size() const { return count_; }
  // Copies the write-ahead log into the database (a passive checkpoint) through a connection
  // of its own, so it may run on another thread while append() commits: commits never wait
  // for a checkpoint (automatic checkpoints are off).
  bool checkpoint(std::string* error);

 private:
  explicit Journal(sqlite3* db) : db_(db) {}
  bool exec(const char* sql, std::string* error);
  sqlite3* db_;
  sqlite3* checkpoint_db_ = nullptr;
  sqlite3_stmt* insert_line_ = nullptr;
  sqlite3_stmt* insert_ruleset_ = nullptr;
  std::int64_t count_ = 0;
};

}  // namespace iwd::server
