// An item's audit trail from the event history (docs/api.md, "GET /v1/items/{id}/history"):
// its records oldest first, a page at a time, and the final state of an item that ended (the
// runtime forgets an ended item; the history keeps it). Read through history::Store's item
// index, from a reader of its own on journal.db (SQLite's WAL lets it read beside the writer).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "history/record.h"
#include "history/store.h"
#include "server/reply.h"

namespace iwd::server {

// One record as the API shows it.
nlohmann::ordered_json record_view(const history::Record& r);

struct ItemHistoryPage {
  nlohmann::ordered_json records = nlohmann::ordered_json::array();
  std::optional<std::int64_t> next_cursor;  // the seq to pass as `cursor` for the next page
  std::string source;                       // the capture record's actor: the item's source ("" unknown)
  bool seen = false;                        // the history holds any record of the item
};

// The records with seq > `after` (0: from the first), at most `limit`. False and *error when
// the store cannot be read.
bool read_item_page(history::Store& store, const std::string& id, std::int64_t after, std::size_t limit,
                    ItemHistoryPage* page, std::string* error);

// What the history says of an item that is no longer open: id, state, process, agent, outcome
// and ended_at, plus its source; nullopt when the history holds none of it or its last state is
// an open one.
struct EndedItem {
  nlohmann::ordered_json view;
  std::string source;
};
std::optional<EndedItem> ended_item(history::Store& store, const std::string& id, std::string* error);

}  // namespace iwd::server
