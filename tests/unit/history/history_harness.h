// A replay session on real rules whose events become history records as they are emitted
// (history::Recorder), for the history's unit tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "compiler/load/load.h"
#include "history/recorder.h"
#include "runtime/replay/replay.h"

namespace iwd::history::testing {

inline const std::string kRules = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/";

class Recording final : public runtime::EventSink {
 public:
  explicit Recording(const std::string& rules_file) {
    compiler::LoadOptions load;
    load.jit = false;
    compiler::LoadResult r = compiler::load_rules(kRules + rules_file, pool_, load);
    EXPECT_TRUE(r.rules) << r.error;
    rules_ = std::move(r.rules);
    session_ = std::make_unique<runtime::replay::Session>(rules_->table(), pool_, runtime::replay::ReplayOptions{}, this);
    std::string error;
    EXPECT_TRUE(session_->init(&error)) << error;
  }
  void on_event(const runtime::Event& e) override { records.push_back(recorder_.record(e, session_->runtime(), requester)); }
  // A script line (docs/replay.md), applied as `who` asked for it.
  void line(const std::string& text, const std::string& who = "alice") {
    requester = who;
    const runtime::Status s = session_->apply_text(text);
    EXPECT_TRUE(s.ok()) << text << ": " << s.error;
    requester.clear();
  }
  // The records of `item` (or of agent events of `agent` when item is empty) going `to`.
  std::vector<Record> find(const std::string& item, const std::string& to, RecordKind kind = RecordKind::Item) const {
    std::vector<Record> out;
    for (const Record& r : records)
      if (r.kind == kind && r.item == item && (to.empty() || r.to == to)) out.push_back(r);
    return out;
  }

  std::vector<Record> records;
  std::string requester;

 private:
  runtime::StringPool pool_;
  std::unique_ptr<compiler::LoadedRules> rules_;
  std::unique_ptr<runtime::replay::Session> session_;
  Recorder recorder_;
};

}  // namespace iwd::history::testing
