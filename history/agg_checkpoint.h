// The aggregates' checkpoint (history/aggregates.h) written on another connection than the
// records' (PostgreSQL: server/history_checkpoints.h). A checkpoint writes the open items
// changed since the last one: about 16,000 rows every 16,384 item records. In the transaction
// of the batch that reached it, every request of that batch and of the batches queued behind it
// waited for those rows (80-140 ms a checkpoint on two loaded cores: the p99 of durable creates
// with the history on; bench/RESULTS.md). Deferred, the batch's transaction takes a copy of the
// rows (an image) and writes none of them; once it committed, the image is written in a
// transaction of its own on another connection, beside the next batches.
//
// Why that keeps the checkpoint's promise (the rows are the state after the record
// agg_items_seq names, so that a restart counts the records after it again): the image is the
// state after the last record of a committed transaction; its transaction writes the rows and
// agg_items_seq together (a crash before it commits leaves the previous checkpoint, whose
// records are all still there); and an image is only taken when the one before it is written,
// so the rows it leaves out (unchanged since) are in the table. A writer that reads the rows
// back (its state forgotten after a rollback) waits for the image being written first, and
// forgets its state again when one could not be written (the next images would build on rows
// that are not there).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "history/multi_insert.h"
#include "history/open_items.h"
#include "sqlstore/database.h"

namespace iwd::history {

struct CheckpointImage {
  std::vector<std::int64_t> gone;        // rows of items ended since the last checkpoint
  std::vector<OpenItems::State> items;   // the items changed since, in row order
  std::size_t rewritten = 0;             // items[0, rewritten) have a row already (replaced)
  std::int64_t last_seq = 0;             // the record the state is after
};

// An item's row of history_agg_items bound from parameter `first` on (the state's bytes: they
// outlive the statement's run).
void bind_item_row(sqlstore::Statement& st, const OpenItems::State& s, int first);
extern const char* const kInsertItemRows;  // MultiInsert's head for those rows
constexpr int kItemRowColumns = 12;

// The owner of the other connection, as the aggregates see it.
class CheckpointDefer {
 public:
  virtual ~CheckpointDefer() = default;
  // An image was handed over and is not written yet.
  virtual bool writing() = 0;
  // Until no image is being written: false when one could not be written since the last call
  // (the rows are then the checkpoint before it: the writer's state must be read again).
  virtual bool wait() = 0;
};

// Writes images on one connection (its statements prepared there once), in the transaction the
// caller has open: the rows of the items ended and changed deleted, the changed ones inserted,
// then agg_items_seq.
class CheckpointWriter {
 public:
  CheckpointWriter(sqlstore::Database& db, std::string where);  // PostgreSQL's
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;
  bool write(const CheckpointImage& image, std::string* error);

 private:
  bool run(std::unique_ptr<sqlstore::Statement>& st, const std::string& sql,
           const std::function<void(sqlstore::Statement&)>& bind, std::string* error);
  sqlstore::Database& db_;
  std::string where_;
  std::unique_ptr<sqlstore::Statement> delete_, seq_;
};

}  // namespace iwd::history
