// The engine's event history (docs/reporting.md): every event the runtime emits becomes a
// record as it is emitted (history/recorder.h), numbered in emission order; a batch's records
// go to the group committer with its lines, in the same transaction. Recovery replays the
// journal from the latest snapshot, whose mark says where the numbering stood then, so the
// replayed events get the numbers they had: those already stored are not stored again, and
// those the service emitted but had not stored (or that fell while it was down) are, with the
// notifications they owe (server/engine_notify.cpp). A done's or complete's note, which the
// runtime does not keep, goes to its record's detail from the change (or the journal line).
#include <chrono>
#include <cstdio>

#include "server/engine.h"

namespace iwd::server {

void Engine::record(const runtime::Event& e) {
  if (!history_ || !recording_ || !session_ || e.cause == runtime::Cause::Reload) return;
  history::Record r = recorder_.record(e, session_->runtime(), requester_);
  if (!note_.empty() && history::holds_note(r)) r.detail = note_;
  if (r.seq <= stored_seq_) return;
  // The batch's records leave with its commit (moved out): room for a batch's worth at once
  // rather than a reallocation and a move of every record at each doubling (1.5% of a create).
  if (records_.capacity() == 0) records_.reserve(64);
  records_.push_back(std::move(r));
}

std::string Engine::note_in(runtime::replay::Op op, const nlohmann::json& value) {
  using runtime::replay::Op;
  if ((op != Op::Done && op != Op::Complete) || !value.is_object()) return {};
  const auto it = value.find("note");
  return it != value.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Only a line that may hold a note is parsed again (recovery reads every line once already).
std::string Engine::note_in_line(const std::string& line) {
  if (line.find("\"note\"") == std::string::npos) return {};
  const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return {};
  for (auto op : {runtime::replay::Op::Done, runtime::replay::Op::Complete})
    if (auto it = j.find(std::string(runtime::replay::op_name(op))); it != j.end()) return note_in(op, *it);
  return {};
}

bool Engine::open_history(std::string* error) {
  if (!options_.history) return true;
  history_ = history::Store::on(journal_.store(), journal_.path(), error);
  if (!history_) return false;
  const auto stored = history_->last_seq(error);
  if (!stored) return false;
  stored_seq_ = *stored;
  return true;
}

bool Engine::store_recovered_history(std::string* error) {
  if (!history_) return true;
  if (recorder_.last_seq() < stored_seq_) {
    // The journal replayed to fewer events than the history holds (a journal restored from an
    // older backup): later records go on after the stored ones rather than overwrite them.
    std::fprintf(stderr,
                 "iwd serve: the journal replays to %lld history records but %lld are stored; new records are "
                 "numbered after them\n",
                 static_cast<long long>(recorder_.last_seq()), static_cast<long long>(stored_seq_));
    recorder_.set_last_seq(stored_seq_);
  }
  if (records_.empty()) return true;
  if (!journal_.begin(error)) return false;
  if (!history_->append(records_, error) ||
      (outbox_ && !outbox_->add(records_, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count(), error))) {
    journal_.rollback();
    history_->rolled_back();
    return false;
  }
  if (!journal_.commit(error)) {  // rolled back by the journal
    history_->rolled_back();
    return false;
  }
  stored_seq_ = records_.back().seq;
  records_.clear();
  return true;
}

void Engine::mark_snapshot(SnapshotJob& job) {
  if (!history_) return;
  job.published = [store = history_.get(), seq = recorder_.last_seq()](std::int64_t snapshot, std::string* e) {
    return store->mark_snapshot(snapshot, seq, e);
  };
}

std::unique_ptr<history::Store> Engine::open_history_reader(std::string* error) const {
  if (journal_.dialect() == sqlstore::Dialect::SQLite) return history::Store::open_reader(journal_.path(), error);
  std::unique_ptr<sqlstore::Database> db = journal_.open_another(error);
  return db ? history::Store::open_reader(std::move(db), journal_.path(), error) : nullptr;
}

std::optional<std::int64_t> Engine::purge_history(std::string* error) {
  if (!retention_) return 0;
  return retention_->purge(error);
}

}  // namespace iwd::server
