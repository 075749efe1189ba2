#include "history/agg_checkpoint.h"

#include <fmt/format.h>

#include "sqlstore/column_arrays.h"

namespace iwd::history {

const char* const kInsertItemRows =
    "INSERT INTO history_agg_items (row, item, process, department, dimension_set, captured_at, queued_at, offered, "
    "assigned_since, handle_ms, due, outcome)";

namespace {
void bind_optional(sqlstore::Statement& st, int column, const std::optional<std::int64_t>& v) {
  if (v) st.bind_int64(column, *v);
  else st.bind_null(column);
}
}  // namespace

void bind_item_row(sqlstore::Statement& st, const OpenItems::State& s, int first) {
  st.bind_int64(first, s.row);
  st.bind_text_static(first + 1, s.item);
  st.bind_text_static(first + 2, s.process);
  st.bind_text_static(first + 3, s.department);
  st.bind_int64(first + 4, s.dimension_set);
  bind_optional(st, first + 5, s.captured_at);
  bind_optional(st, first + 6, s.queued_at);
  st.bind_int64(first + 7, s.offered ? 1 : 0);
  bind_optional(st, first + 8, s.assigned_since);
  st.bind_int64(first + 9, s.handle_ms);
  bind_optional(st, first + 10, s.due);
  st.bind_text_static(first + 11, s.outcome);
}

CheckpointWriter::CheckpointWriter(sqlstore::Database& db, std::string where) : db_(db), where_(std::move(where)) {}

bool CheckpointWriter::run(std::unique_ptr<sqlstore::Statement>& st, const std::string& sql,
                           const std::function<void(sqlstore::Statement&)>& bind, std::string* error) {
  sqlstore::Status status;
  if (!st && !(st = db_.prepare(sql, &status))) {
    *error = fmt::format("{}, history aggregates' checkpoint: {}", where_, status.message);
    return false;
  }
  bind(*st);
  const bool ok = st->step(&status) == sqlstore::Step::Done;
  st->reset();
  if (!ok) *error = fmt::format("{}, history aggregates' checkpoint: {}", where_, status.message);
  return ok;
}

bool CheckpointWriter::write(const CheckpointImage& image, std::string* error) {
  // The rows replaced and those of ended items deleted, then every changed item's row inserted
  // (no upsert through a view), each in one statement, over arrays. PostgreSQL's only: SQLite,
  // one writer, keeps the checkpoint in the batch's transaction (Aggregates::write_items).
  if (db_.dialect() != sqlstore::Dialect::PostgreSQL) {
    *error = fmt::format("{}, history aggregates' checkpoint: written on a side connection only on PostgreSQL", where_);
    return false;
  }
  sqlstore::ColumnArrays rows(1);
  for (std::int64_t row : image.gone) rows.int64(row);
  for (std::size_t k = 0; k < image.rewritten; ++k) rows.int64(image.items[k].row);
  if (rows.rows() > 0 &&
      !run(delete_, "DELETE FROM history_agg_items WHERE row = ANY(?1::bigint[])",
           [&](sqlstore::Statement& st) { rows.bind(st); }, error))
    return false;
  // An array per column (array_in of bigint and text), not one of the row type: the image's
  // thousands of rows parsed without record_in's work per row. (Prepared per image: one
  // image every 16,384 item records.)
  sqlstore::ColumnArrays columns(kItemRowColumns);
  for (const OpenItems::State& s : image.items)
    columns.int64(s.row).text(s.item).text(s.process).text(s.department).int64(s.dimension_set)
        .optional(s.captured_at).optional(s.queued_at).int64(s.offered ? 1 : 0).optional(s.assigned_since)
        .int64(s.handle_ms).optional(s.due).text(s.outcome);
  std::unique_ptr<sqlstore::Statement> insert;
  if (columns.rows() > 0 &&
      !run(insert,
           std::string(kInsertItemRows) +
               " SELECT * FROM unnest(?1::bigint[], ?2::text[], ?3::text[], ?4::text[], ?5::bigint[], ?6::bigint[], "
               "?7::bigint[], ?8::bigint[], ?9::bigint[], ?10::bigint[], ?11::bigint[], ?12::text[])",
           [&](sqlstore::Statement& st) { columns.bind(st); }, error))
    return false;
  return run(seq_, db_.upsert("history_meta", "(name, value) VALUES ('agg_items_seq', ?1)", "name", "value = excluded.value"),
             [&](sqlstore::Statement& st) { st.bind_int64(1, image.last_seq); }, error);
}

}  // namespace iwd::history
