// What `iwd eval`, `iwd explain` and `iwd test` share: the capture instant, and items and agents
// decoded as the runtime decodes them (runtime/item_json.h for items; for agents, the decoder of
// `iwd serve` and `iwd replay`, runtime/replay/agent_line.h), so that what they evaluate is what
// the runtime would hold.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/abi.h"
#include "runtime/agent.h"
#include "runtime/clock.h"
#include "runtime/events.h"
#include "runtime/intern.h"
#include "runtime/item_json.h"
#include "runtime/runtime.h"

namespace iwd::cli {

// `--at`: an ISO 8601 instant; empty: now. False with `error` set when malformed.
bool parse_at(const std::string& text, std::int64_t* at, std::string* error);

// Decoding items for what-if evaluation, as the runtime's capture decodes them: captured at
// `at` unless the item says, `id` "eval" when it has none, and a missing required attribute
// left absent for the rules to reject (the rejection the runtime makes).
runtime::DecodeOptions eval_decode_options(std::int64_t at);

// An item decoded for evaluation.
struct DecodedItem {
  enum Status {
    Ok,
    BadInput,  // not a JSON object (malformed JSON, or another JSON value): an input error
    Refused,   // a JSON object the runtime refuses to capture (an unknown attribute, a value of
               // the wrong type): `error` is the runtime's message, a rejection to report
  };
  Status status = Ok;
  runtime::ItemRecord record;
  std::string error;  // the decoder's message
};
DecodedItem decode_eval_item(const runtime::Schema& schema, runtime::StringPool& pool, std::string_view text,
                             std::int64_t at);

// decode_eval_item for the lines of `--items`, one after another into records the caller
// keeps and reuses (issue 19): what every item shares is done once (the defaults and the
// capture instant are a template record copied into each; string values are found in a cache
// of their own, without the pool's lock), and unless `ids_read` each item's `id` is not
// interned (a file of N items would add N strings to the pool) but holds the default id's
// number: when no function of the rules reads `id`, nothing evaluated can tell them apart.
class ItemDecoder {
 public:
  ItemDecoder(const runtime::Schema& schema, runtime::StringPool& pool, std::int64_t at, bool ids_read);
  // The record into *rec (its storage reused), or the decoder's message into *error.
  DecodedItem::Status decode(std::string_view text, runtime::ItemRecord* rec, std::string* error);

  // For the one-pass reader: the slot of a line's k-th key, and a string value's number.
  int slot(std::size_t k, std::string_view key);
  // The name the line before's k-th key was, and a closing quote (its slot into *slot); empty
  // when there is none or the name is not plain.
  std::string_view predicted(std::size_t k, int* slot) const;
  std::uint32_t intern(std::uint32_t slot, std::string_view text);
  // A time value's instant, as stdlib::parse_instant reads it; false when it does not.
  bool instant(std::string_view text, std::int64_t* ms);

 private:
  const runtime::Schema& schema_;
  runtime::StringPool& pool_;
  std::int64_t at_;
  bool ids_read_;
  runtime::ItemRecord template_;
  std::vector<bool> given_;
  std::vector<int> key_slots_;  // by key position: the slot it named in the line before
  std::vector<std::string> quoted_;  // by slot: its name and '"' (empty: not plain; predicted())
  struct KeptValue {
    std::uint64_t head;  // the first 8 bytes, zero after the end of a shorter text
    std::size_t size;
    std::uint32_t id;
    std::string text;
  };
  std::vector<std::vector<KeptValue>> values_;  // by slot: the values kept (intern())
  char date_[10] = {};      // the last plain instant's `YYYY-MM-DD` (instant())
  std::size_t date_len_ = 0;  // 0: none yet
  std::int64_t midnight_ = 0;  // its day's first instant
};

// Lines of a file descriptor, for `--items`: read in blocks into one buffer (issue 19: a
// regular file is read, not mapped: on a virtual machine a page fault every 16 pages of a map
// costs more than the kernel's copy into a buffer whose pages are touched once). A pipe fed a
// line at a time must still be answered a line at a time, so the caller asks ready() before
// waiting on next() and answers what it holds when no more input is there.
class LineReader {
 public:
  explicit LineReader(int fd);
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  // The next line without its '\n' (a last line may lack it), valid until the next call;
  // false at the end of the input or on a read error (then error() says which: a regular
  // file that ended before the size it had when the reader was made shrank while it was read).
  bool next(std::string_view* line);
  // True when next() would not wait: a whole line is buffered, or the input is a regular file,
  // at its end or has bytes ready (poll with no timeout).
  bool ready();
  const std::string& error() const { return error_; }

 private:
  static constexpr std::size_t kReadSize = 64 * 1024;
  bool fill();  // reads more after what is buffered; false at the end or on an error
  std::string_view data() const { return {buf_.get(), end_}; }

  int fd_;
  bool regular_ = false;  // a regular file: left_ is what it held after the descriptor's offset
  std::size_t left_ = 0, read_ = 0;
  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0, end_ = 0;  // its size, and the end of what it holds
  std::size_t pos_ = 0;  // the start of the first line not yet returned
  std::size_t nl_ = std::string::npos;  // npos, or the first '\n' from pos_ (found by ready())
  bool eof_ = false;
  std::string error_;
};

// Agents given as JSON ({"id": ..., "skills": {...}, "groups": [...], "attributes": {...}}),
// decoded by the runtime's own agent decoder against the rules' table, and held as the
// runtime holds an agent (runtime::Agent); an agent without `id` has none (runtime::kNoId: an
// `agent` stage never takes it).
class EvalAgents {
 public:
  // Null and *error set when the runtime cannot use the table.
  static std::unique_ptr<EvalAgents> create(const runtime::abi::RulesV1& rules, runtime::StringPool& pool,
                                            std::string* error);
  // "" when the agent was added, else the decoder's message.
  std::string add(const std::string& text);
  // The agents as the rules read them (runtime::Agent::view()), in the order added; valid
  // until the next add().
  std::vector<runtime::abi::Agent> views() const;
  std::size_t size() const { return agents_.size(); }

 private:
  class NoEvents final : public runtime::EventSink {
   public:
    void on_event(const runtime::Event&) override {}
  };
  EvalAgents(const runtime::abi::RulesV1& rules, runtime::StringPool& pool) : rules_(rules), pool_(pool) {}

  const runtime::abi::RulesV1& rules_;
  runtime::StringPool& pool_;
  runtime::SimulatedClock clock_{stdlib::Instant{0}};
  NoEvents events_;
  std::unique_ptr<runtime::Runtime> runtime_;  // for the decoder (capacity declarations by name)
  std::deque<runtime::Agent> agents_;
};

}  // namespace iwd::cli
