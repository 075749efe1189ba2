// The one table from the runtime's refusal codes to the API's HTTP statuses and error codes
// (server/reply.cpp): every code has an answer, and the answers are docs/api.md's.
#include <gtest/gtest.h>

#include <string>

#include "server/reply.h"

namespace iwd::server {
namespace {

using runtime::Refusal;

TEST(RefusalHttp, EveryCodeHasAnAnswer) {
  EXPECT_EQ(refusal_http(Refusal::None).status, 0);  // not a refusal
  for (auto k = static_cast<int>(Refusal::NotFound); k <= static_cast<int>(runtime::kLastRefusal); ++k) {
    const auto code = static_cast<Refusal>(k);
    const RefusalHttp http = refusal_http(code);
    EXPECT_GE(http.status, 400) << runtime::refusal_name(code) << " has no HTTP status";
    EXPECT_LT(http.status, 500) << runtime::refusal_name(code) << ": a refusal is the client's to act on";
    EXPECT_NE(std::string(http.code), "") << runtime::refusal_name(code) << " has no error code";
  }
}

TEST(RefusalHttp, TheAnswersAreTheApis) {
  EXPECT_EQ(refusal_http(Refusal::NotFound).status, 404);
  EXPECT_STREQ(refusal_http(Refusal::NotFound).code, "not_found");
  EXPECT_EQ(refusal_http(Refusal::IllegalTransition).status, 409);
  EXPECT_STREQ(refusal_http(Refusal::IllegalTransition).code, "illegal_transition");
  // The request is fine but cannot be done: the rules refuse it, or it is malformed.
  for (Refusal r : {Refusal::RefusedByRules, Refusal::BadInput}) {
    EXPECT_EQ(refusal_http(r).status, 422) << runtime::refusal_name(r);
    EXPECT_STREQ(refusal_http(r).code, "refused") << runtime::refusal_name(r);
  }
  // It conflicts with the state there is now (an agent's room, state or capacity; an override
  // to clear): 409, the code kept.
  for (Refusal r : {Refusal::Conflict, Refusal::AgentUnavailable}) {
    EXPECT_EQ(refusal_http(r).status, 409) << runtime::refusal_name(r);
    EXPECT_STREQ(refusal_http(r).code, "refused") << runtime::refusal_name(r);
  }
}

TEST(RefusalHttp, ARefusalIsAnsweredByItsCodeWithItsMessage) {
  const Reply r = refusal_reply(runtime::Status::fail(Refusal::IllegalTransition, "no open item `only`: no agent"));
  EXPECT_EQ(r.status, 409);  // the code decides, not the wording
  EXPECT_EQ(r.body["error"]["code"], "illegal_transition");
  EXPECT_EQ(r.body["error"]["message"], "no open item `only`: no agent");
  const Reply done = refusal_reply(runtime::Status::done());
  EXPECT_EQ(done.status, 500);  // a bug: nothing refused has no answer
  EXPECT_EQ(done.body["error"]["code"], "internal");
}

}  // namespace
}  // namespace iwd::server
