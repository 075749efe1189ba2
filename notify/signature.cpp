#include "notify/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cassert>

namespace iwd::notify {

std::string hmac_sha256_hex(const std::string& secret, const std::string& message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const unsigned char* ok = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                                 reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
  assert(ok && size == 32);  // SHA-256 is always there; a failure is a broken OpenSSL
  (void)ok;
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int k = 0; k < size; ++k) {
    out.push_back(hex[mac[k] >> 4]);
    out.push_back(hex[mac[k] & 15]);
  }
  return out;
}

std::string signature_header(const std::string& secret, std::int64_t unix_seconds, const std::string& body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + hmac_sha256_hex(secret, t + "." + body);
}

}  // namespace iwd::notify
