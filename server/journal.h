// The durable journal of a service: every accepted change as one line of the replay script
// format (docs/replay.md) with its absolute instant, in an SQLite database (WAL, synchronous
// FULL). Appends go in batches, one transaction each (group commit); a batch is durable when
// append() returns true. Replaying the lines in order through a replay::Session rebuilds the
// runtime exactly, deadlines included.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

struct sqlite3;

namespace iwd::server {

class Journal {
 public:
  // Opens or creates DIR/journal.db. Null and *error set on failure.
  static std::unique_ptr<Journal> open(const std::string& dir, std::string* error);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Stores the lines in one transaction; false (and *error) when it could not: then none is.
  bool append(const std::vector<std::string>& lines, std::string* error);
  // Every stored line, in order.
  bool read(const std::function<void(const std::string&)>& line, std::string* error);
  std::int64_t size() const { return count_; }

 private:
  explicit Journal(sqlite3* db) : db_(db) {}
  bool exec(const char* sql, std::string* error);
  sqlite3* db_;
  std::int64_t count_ = 0;
};

}  // namespace iwd::server
