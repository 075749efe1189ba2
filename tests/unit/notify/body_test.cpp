// A notification's JSON body (docs/notifications.md): a done's or complete's note as `note`,
// a rejection's reason as `detail`.
#include <gtest/gtest.h>

#include "notify/outbox.h"

namespace iwd::notify {
namespace {

using json = nlohmann::json;

history::Record item_record(const std::string& reason, const std::string& to, const std::string& detail) {
  history::Record r;
  r.seq = 7, r.at = 1'795'000'000'000, r.item = "C1", r.reason = reason, r.from = "assigned", r.to = to;
  r.process = "Sales.Gold", r.agent = "ada", r.outcome = reason == "rejected" ? "" : "converted", r.detail = detail;
  return r;
}

TEST(NotificationBody, CarriesADoneOrCompleteNoteAsNote) {
  for (const auto& [reason, to, kind] : {std::tuple{"done", "done_pending", "done"}, {"complete", "completed", "completed"}}) {
    const json body = json::parse(notification_body(item_record(reason, to, "wants the Gold plan"), kind, "crm", "crm-7"));
    EXPECT_EQ(body["note"], "wants the Gold plan") << body;
    EXPECT_EQ(body["outcome"], "converted");
    EXPECT_FALSE(body.contains("detail"));
  }
  const json without = json::parse(notification_body(item_record("complete", "completed", ""), "completed", "crm", "crm-7"));
  EXPECT_FALSE(without.contains("note"));
}

TEST(NotificationBody, CarriesARejectionsReasonAsDetail) {
  const json body = json::parse(notification_body(item_record("rejected", "rejected", "no process"), "rejected", "crm", "crm-7"));
  EXPECT_EQ(body["detail"], "no process");
  EXPECT_FALSE(body.contains("note"));
}

}  // namespace
}  // namespace iwd::notify
