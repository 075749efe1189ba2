// The configuration file and token authentication.
#include <gtest/gtest.h>

#include "server/auth.h"
#include "server/config.h"
#include "server/ids.h"

namespace iwd::server {
namespace {

std::string parse_error(const std::string& text) {
  std::string error;
  EXPECT_FALSE(parse_config(text, "c.json", &error).has_value()) << text;
  return error;
}

TEST(Config, ReadsTokensAndLimits) {
  std::string error;
  auto c = parse_config(R"({"listen": "0.0.0.0:9000", "max_body_bytes": 4096, "max_connections": 8, "tokens": [
      {"token": "source-token-0123456789", "role": "source", "name": "crm"},
      {"token": "agent-token-ada-0123456", "role": "agent", "agent": "ada"}]})",
                        "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(*c->listen, "0.0.0.0:9000");
  EXPECT_EQ(c->max_body_bytes, 4096u);
  EXPECT_EQ(c->max_connections, 8u);
  ASSERT_EQ(c->tokens.size(), 2u);
  EXPECT_EQ(c->tokens[1].role, Role::Agent);
  EXPECT_EQ(c->tokens[1].agent, "ada");
}

// The event history: kept by default, for ever; a retention in days.
TEST(Config, History) {
  std::string error;
  auto c = parse_config("{}", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->history);
  EXPECT_EQ(c->history_retention_days, 0);
  c = parse_config(R"({"history": false, "history_retention_days": 30})", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(c->history);
  EXPECT_EQ(c->history_retention_days, 30);
}

// The idempotency window: a day by default, in seconds (0: a retry is not recognized).
TEST(Config, IdempotencyWindow) {
  std::string error;
  auto c = parse_config("{}", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->idempotency_window_ms, 86'400'000);
  c = parse_config(R"({"idempotency_window_seconds": 90.5})", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->idempotency_window_ms, 90'500);
}

// Ids: one space by default; each source's own with "source".
TEST(Config, IdScope) {
  std::string error;
  auto c = parse_config("{}", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_FALSE(c->ids_by_source);
  c = parse_config(R"({"id_scope": "source"})", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_TRUE(c->ids_by_source);
}

// A source's key in its own id space: SOURCE:KEY, while that is an id.
TEST(Ids, ScopedBySource) {
  std::string problem;
  EXPECT_EQ(scoped_id("crm", "1001", &problem), "crm:1001");
  EXPECT_EQ(problem, "");
  scoped_id("crm", std::string(253, 'k'), &problem);
  EXPECT_NE(problem.find("256 bytes"), std::string::npos) << problem;
}

// The per-address cap defaults to half of max_connections, at most 256; 0 is no cap.
TEST(Config, ConnectionLimits) {
  std::string error;
  auto c = parse_config(R"({"max_connections": 200})", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->per_address_cap(), 100u);
  EXPECT_EQ(parse_config("{}", "c.json", &error)->per_address_cap(), 256u);
  c = parse_config(R"({"max_connections_per_address": 0, "request_timeout_seconds": 2.5, "reserved_connections": 4})", "c.json", &error);
  ASSERT_TRUE(c) << error;
  EXPECT_EQ(c->per_address_cap(), 0u);
  EXPECT_EQ(c->request_timeout_ms, 2500);
  EXPECT_EQ(c->reserved_connections, 4u);
}

TEST(Config, Subscriptions) {
  std::string error;
  auto c = parse_config(R"({"subscriptions": {"crm": {"url": "https://crm.example/hooks", "events": ["done", "completed"],
                            "sources": ["crm"], "secret": "0123456789abcdef"}},
                          "notifications": {"retry_initial_seconds": 0.5, "retry_max_seconds": 60, "retry_for_seconds": 7200,
                            "timeout_seconds": 3, "concurrency": 8, "max_pending": 500, "warn_pending": 100}})",
                        "c.json", &error);
  ASSERT_TRUE(c) << error;
  ASSERT_EQ(c->subscriptions.size(), 1u);
  EXPECT_EQ(c->subscriptions[0].name, "crm");
  EXPECT_EQ(c->subscriptions[0].sources, std::vector<std::string>{"crm"});
  EXPECT_EQ(c->retry.initial_ms, 500);
  EXPECT_EQ(c->retry.max_ms, 60'000);
  EXPECT_EQ(c->retry.retry_for_ms, 7'200'000);
  EXPECT_EQ(c->retry.timeout_ms, 3000);
  EXPECT_EQ(c->retry.concurrency, 8);
  EXPECT_EQ(c->outbox.max_pending, 500);
  EXPECT_EQ(c->outbox.warn_pending, 100);
  EXPECT_EQ(parse_error(R"({"subscriptions": {"crm": {"url": "ftp://x/", "events": ["done"], "secret": "0123456789abcdef"}}})"),
            "c.json: subscription `crm`: `url` `ftp://x/` is not an http:// or https:// URL with a host");
  EXPECT_EQ(parse_error(R"({"subscriptions": []})"), "c.json: `subscriptions` is an object: each subscription by its name");
  EXPECT_EQ(parse_error(R"({"history": false, "subscriptions": {"crm": {"url": "http://x/", "events": ["done"], "secret": "0123456789abcdef"}}})"),
            "c.json: `subscriptions` need the event history (`history`: true)");
  EXPECT_EQ(parse_error(R"({"notifications": {"retry_for_seconds": 0}})"),
            "c.json: `notifications.retry_for_seconds` is a number from 0.01 to 31536000");
  EXPECT_EQ(parse_error(R"({"notifications": {"max_pending": 0}})"),
            "c.json: `notifications.max_pending` is a whole number from 1 to 100000000");
  EXPECT_EQ(parse_error(R"({"notifications": {"retry_initial_seconds": 10, "retry_max_seconds": 5}})"),
            "c.json: `notifications.retry_max_seconds` is at least `retry_initial_seconds`");
  EXPECT_EQ(parse_error(R"({"notifications": {"backoff": 2}})"),
            "c.json: unknown field `notifications.backoff` (retry_initial_seconds, retry_max_seconds, retry_for_seconds, "
            "timeout_seconds, concurrency, max_pending, warn_pending)");
  EXPECT_EQ(parse_error(R"({"notifications": {"concurrency": 0}})"), "c.json: `notifications.concurrency` is a whole number from 1 to 64");
  EXPECT_EQ(parse_error(R"({"notifications": {"concurrency": 2.5}})"), "c.json: `notifications.concurrency` is a whole number from 1 to 64");
}

// A source's field mapping (docs/sources.md): checked at start, by a source a token names.
TEST(Config, Mappings) {
  const std::string tokens = R"("tokens": [{"token": "source-token-0123456789", "role": "source", "name": "crm"}])";
  std::string error;
  auto c = parse_config("{" + tokens + R"(, "mappings": {"crm": {"rules": [{"to": "id", "from": "Id"}]}}})", "c.json", &error);
  ASSERT_TRUE(c) << error;
  ASSERT_EQ(c->mappings.count("crm"), 1u);
  EXPECT_EQ(c->mappings.at("crm").rules[0].from, "Id");
  EXPECT_EQ(parse_error("{" + tokens + R"(, "mappings": {"crn": {"rules": [{"to": "id", "from": "Id"}]}}})"),
            "c.json: `mappings.crn`: no source token is named `crn` (the sources: `crm`)");
  EXPECT_EQ(parse_error(R"({"mappings": {"crm": {"rules": [{"to": "id", "from": "Id"}]}}})"),
            "c.json: `mappings.crm`: no source token is named `crm` (the sources: none)");
  EXPECT_EQ(parse_error("{" + tokens + R"(, "mappings": {"crm": {"rules": [{"to": "id", "from": "Id", "map": []}]}}})"),
            "c.json: `mappings.crm.rules[0].map` (source `crm`, the rule giving `id`): `map` is an object from the source's "
            "values to ours ({\"P1\": \"Gold\"})");
  EXPECT_EQ(parse_error(R"({"mappings": []})"), "c.json: `mappings` is an object: each source's mapping by the source's name");
}

TEST(Config, NamesTheProblem) {
  EXPECT_EQ(parse_error("{"), "c.json: not valid JSON");
  EXPECT_EQ(parse_error(R"({"request_timeout_seconds": 0})"), "c.json: `request_timeout_seconds` is a number of seconds from 0.1 to 3600");
  EXPECT_EQ(parse_error(R"({"max_connections_per_address": -1})"),
            "c.json: `max_connections_per_address` is a whole number from 0 to 100000 (0: no cap)");
  EXPECT_EQ(parse_error(R"({"listn": "x"})"), "c.json: unknown field `listn` (listen, data, tokens, max_body_bytes, max_batch, max_connections, reserved_connections, "
            "max_connections_per_address, request_timeout_seconds, idle_timeout_seconds, stream_keep_alive_seconds, compact_every, "
            "history, history_retention_days, idempotency_window_seconds, id_scope, subscriptions, notifications, mappings, "
            "workspaces, admin_tokens)");
  EXPECT_EQ(parse_error(R"({"id_scope": "tenant"})"),
            "c.json: `id_scope` is \"global\" (one id space, the default) or \"source\" (each source's keys its own)");
  EXPECT_EQ(parse_error(R"({"idempotency_window_seconds": -1})"),
            "c.json: `idempotency_window_seconds` is a number of seconds from 0 to 31536000 (a year)");
  EXPECT_EQ(parse_error(R"({"history_retention_days": -3})"),
            "c.json: `history_retention_days` is a whole number of days from 0 to 100000 (0: kept for ever)");
  EXPECT_EQ(parse_error(R"({"history": "yes"})"), "c.json: `history` is true (keep the event history) or false");
  EXPECT_EQ(parse_error(R"({"tokens": [{"token": "short", "role": "admin"}]})"), "c.json: tokens[0].token is at least 16 characters");
  EXPECT_EQ(parse_error(R"({"tokens": [{"token": "0123456789abcdef", "role": "boss"}]})"),
            "c.json: tokens[0].role `boss` is not one of source, agent, supervisor, viewer, admin");
  EXPECT_EQ(parse_error(R"({"tokens": [{"token": "0123456789abcdef", "role": "agent"}]})"),
            "c.json: tokens[0]: an `agent` token names its agent (`agent`), and only an agent token does");
  EXPECT_EQ(parse_error(R"({"tokens": [{"token": "0123456789abcdef", "role": "admin"}, {"token": "0123456789abcdef", "role": "source"}]})"),
            "c.json: tokens[1].token is given twice");
  EXPECT_EQ(parse_error(R"({"max_connections": 0})"), "c.json: `max_connections` is a whole number from 1");
}

TEST(Auth, IdentifiesByBearerToken) {
  Authenticator auth({ApiToken{"source-token-0123456789", "crm", "", Role::Source},
                      ApiToken{"agent-token-ada-0123456", "", "ada", Role::Agent}});
  ASSERT_TRUE(auth.enabled());
  Reply refusal;
  EXPECT_FALSE(auth.identify("", &refusal));
  EXPECT_EQ(refusal.status, 401);
  EXPECT_FALSE(auth.identify("Bearer nope-nope-nope-nope", &refusal));
  EXPECT_EQ(refusal.body["error"]["message"], "unknown API token");
  EXPECT_FALSE(auth.identify("Basic source-token-0123456789", &refusal));
  auto caller = auth.identify("Bearer agent-token-ada-0123456", &refusal);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->role, Role::Agent);
  EXPECT_EQ(caller->agent, "ada");
  EXPECT_EQ(caller->name, "agent");  // no name: its role (the event history's actor)
  EXPECT_EQ(auth.identify("Bearer source-token-0123456789", &refusal)->name, "crm");
  EXPECT_FALSE(Authenticator::forbid(*caller, roles({Role::Agent})));
  auto forbidden = Authenticator::forbid(*caller, roles({Role::Source}));
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_EQ(forbidden->body["error"]["message"], "a token of role `agent` may not do this (allowed: source, admin)");
  EXPECT_FALSE(Authenticator::forbid_other_agent(*caller, "ada"));
  EXPECT_TRUE(Authenticator::forbid_other_agent(*caller, "bob"));
}

TEST(Auth, WithoutTokensEveryoneIsAdmin) {
  Authenticator none({});
  Reply refusal;
  auto caller = none.identify("", &refusal);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->role, Role::Admin);
  EXPECT_FALSE(Authenticator::forbid(*caller, roles({Role::Source})));
}

}  // namespace
}  // namespace iwd::server
