// The signature of a webhook request (docs/notifications.md), as Stripe and GitHub sign
// theirs: HMAC-SHA256 with the subscription's secret over "TIMESTAMP.BODY", sent as
// `Iwd-Signature: t=TIMESTAMP,v1=HEX`, so a receiver can tell the body is ours and fresh.
#pragma once

#include <cstdint>
#include <string>

namespace iwd::notify {

// Lowercase hex of HMAC-SHA256(secret, message).
std::string hmac_sha256_hex(const std::string& secret, const std::string& message);
// The header's value for `body` sent at `unix_seconds`.
std::string signature_header(const std::string& secret, std::int64_t unix_seconds, const std::string& body);

}  // namespace iwd::notify
