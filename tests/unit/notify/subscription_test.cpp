// Subscriptions, event kinds, the signature and the retry delays (notify/).
#include <gtest/gtest.h>

#include "notify/sender.h"
#include "notify/signature.h"
#include "notify/subscription.h"

namespace iwd::notify {
namespace {

using json = nlohmann::json;

TEST(NotifySignature, HmacSha256MatchesRfc4231) {
  // RFC 4231, test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(signature_header("Jefe", 1700000000, "{}"), "t=1700000000,v1=" + hmac_sha256_hex("Jefe", "1700000000.{}"));
}

TEST(NotifySubscription, ParsesAndRefusesNamingTheField) {
  std::string error;
  const json good = {{"url", "https://crm.example:8443/hooks/iwd"}, {"events", {"done", "completed", "done"}},
                     {"sources", {"crm"}}, {"secret", "0123456789abcdef"}};
  auto s = parse_subscription("crm", good, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->events, (std::vector<std::string>{"done", "completed"}));
  EXPECT_EQ(split_url(s->url)->origin, "https://crm.example:8443");
  EXPECT_EQ(split_url(s->url)->path, "/hooks/iwd");

  struct Case {
    std::string name;
    json body;
    std::string says;
  };
  const std::vector<Case> bad = {
      {"crm", {{"url", "ftp://x/"}, {"events", {"done"}}, {"secret", "0123456789abcdef"}}, "`url` `ftp://x/`"},
      {"crm", {{"url", "http:///x"}, {"events", {"done"}}, {"secret", "0123456789abcdef"}}, "with a host"},
      {"crm", {{"url", "http://x/"}, {"events", {"finished"}}, {"secret", "0123456789abcdef"}}, "unknown event `finished`"},
      {"crm", {{"url", "http://x/"}, {"events", json::array()}, {"secret", "0123456789abcdef"}}, "needs `events`"},
      {"crm", {{"url", "http://x/"}, {"events", {"done"}}, {"secret", "short"}}, "`secret` is 16 to 256"},
      {"crm", {{"url", "http://x/"}, {"events", {"done"}}, {"secret", "0123456789abcdef"}, {"colour", 1}}, "unknown field `colour`"},
      {"crm", {{"events", {"done"}}, {"secret", "0123456789abcdef"}}, "needs a `url`"},
      {"a/b", good, "subscription name `a/b`"},
      {"crm", json::array(), "is a JSON object"},
  };
  for (const Case& c : bad) {
    error.clear();
    EXPECT_FALSE(parse_subscription(c.name, c.body, &error)) << c.body.dump();
    EXPECT_NE(error.find(c.says), std::string::npos) << error;
  }
}

TEST(NotifySubscription, EventKindsOfRecords) {
  auto rec = [](std::string cause, std::string from, std::string to) {
    history::Record r;
    r.item = "1";
    r.reason = std::move(cause);
    r.from = std::move(from);
    r.to = std::move(to);
    r.process = "Billing";
    return r;
  };
  EXPECT_EQ(event_kind_of(rec("capture", "none", "queued"), ""), "captured");
  EXPECT_EQ(event_kind_of(rec("capture", "none", "rejected"), ""), "rejected");
  EXPECT_EQ(event_kind_of(rec("offer", "queued", "offered"), "Billing"), "offered");
  EXPECT_EQ(event_kind_of(rec("accept", "offered", "assigned"), "Billing"), "accepted");
  EXPECT_EQ(event_kind_of(rec("done", "assigned", "done_pending"), "Billing"), "done");
  EXPECT_EQ(event_kind_of(rec("complete", "done_pending", "completed"), "Billing"), "completed");
  EXPECT_EQ(event_kind_of(rec("return", "parked", "queued"), "Billing"), "returned");
  EXPECT_EQ(event_kind_of(rec("park", "assigned", "parked"), "Billing"), "parked");
  EXPECT_EQ(event_kind_of(rec("transfer", "assigned", "queued"), "Billing"), "transferred");
  EXPECT_EQ(event_kind_of(rec("cancel", "queued", "canceled"), "Billing"), "canceled");
  EXPECT_EQ(event_kind_of(rec("expire", "queued", "expired"), "Billing"), "expired");
  EXPECT_EQ(event_kind_of(rec("update", "queued", "queued"), "Claims"), "process_changed");
  EXPECT_EQ(event_kind_of(rec("update", "queued", "queued"), "Billing"), std::nullopt);
  history::Record p = rec("age", "queued", "queued");
  p.kind = history::RecordKind::Priority;
  EXPECT_EQ(event_kind_of(p, "Billing"), "priority_changed");
  p.kind = history::RecordKind::Agent;
  EXPECT_EQ(event_kind_of(p, "Billing"), std::nullopt);

  Subscription s{"crm", "http://x/", {"done"}, {"crm"}, "0123456789abcdef"};
  EXPECT_TRUE(wants(s, "done", "crm"));
  EXPECT_FALSE(wants(s, "done", "cases"));
  EXPECT_FALSE(wants(s, "completed", "crm"));
  s.sources.clear();
  EXPECT_TRUE(wants(s, "done", "cases"));
}

TEST(NotifyRetry, DelaysDoubleWithJitterUpToTheMaximum) {
  RetryPolicy p;
  p.initial_ms = 1000;
  p.max_ms = 60'000;
  EXPECT_EQ(retry_delay(p, 1, 0.0), 500);
  EXPECT_EQ(retry_delay(p, 1, 1.0), 1000);
  EXPECT_EQ(retry_delay(p, 3, 1.0), 4000);
  EXPECT_EQ(retry_delay(p, 3, 0.5), 3000);
  EXPECT_EQ(retry_delay(p, 30, 1.0), 60'000);
  EXPECT_EQ(retry_delay(p, 1000, 0.0), 30'000);
}

}  // namespace
}  // namespace iwd::notify
