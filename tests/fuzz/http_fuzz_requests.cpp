// Decoding a fuzz input into HTTP/1.1 requests for `iwd serve` (http_fuzz_requests.h).
// Field by field: a route template with fuzzed segments, a method (mostly the route's), a
// query, Authorization (a token of some role, or a wrong one), Content-Type, a body (JSON shaped
// for the route with edge values, any JSON, raw bytes, deep nesting, about max_body_bytes) and
// its framing. Request text: cleaned into a well-formed request.
#include "tests/fuzz/http_fuzz_requests.h"

#include <fuzzer/FuzzedDataProvider.h>

#include <fstream>
#include <sstream>

namespace iwd::fuzz {

std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("\\x") + digits[c >> 4] + digits[c & 15];
}

namespace {

using Strings = std::vector<std::string>;

const std::string& pick(FuzzedDataProvider& f, const Strings& list) {
  return list[f.ConsumeIntegralInRange<std::size_t>(0, list.size() - 1)];
}

std::string percent(unsigned char c) {
  static const char* digits = "0123456789ABCDEF";
  return std::string("%") + digits[c >> 4] + digits[c & 15];
}

// JSON string literal of any bytes: control characters escaped, other bytes (bad UTF-8 too) raw.
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < 0x20) out += "\\u00" + percent(c).substr(1);
    else out += static_cast<char>(c);
  }
  return out + "\"";
}

// Header values and tokens: no bytes that would break the request's framing.
std::string header_safe(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (c >= 0x20 && c != 0x7f) out += static_cast<char>(c);
  return out;
}
std::string token_chars(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c) || std::string_view("!#$&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos)
      out += static_cast<char>(c);
  return out;
}

enum class Shape { None, Capture, Batch, Patch, Reschedule, Answer, Transfer, Agent, AgentState, Rules };
// The role a route is meant for, by index in kTokens (an agent route: ada or bob at random).
enum Who : int { kSource = 0, kAnAgent = 1, kSupervisor = 3, kAdmin = 4, kViewer = static_cast<int>(kViewerToken) };
struct Template {
  const char* method;
  const char* path;  // `{}`: a segment
  Shape shape;
  Who who;
};
const Template kRoutes[] = {
    {"POST", "/v1/items", Shape::Capture, kSource},
    {"POST", "/v1/items/batch", Shape::Batch, kSource},
    {"GET", "/v1/items/{}", Shape::None, kSource},
    {"PATCH", "/v1/items/{}", Shape::Patch, kSource},
    {"POST", "/v1/items/{}/complete", Shape::None, kSource},
    {"POST", "/v1/items/{}/cancel", Shape::None, kSource},
    {"POST", "/v1/items/{}/hold", Shape::None, kSource},
    {"POST", "/v1/items/{}/resume", Shape::None, kSource},
    {"POST", "/v1/items/{}/restart", Shape::None, kSource},
    {"POST", "/v1/items/{}/reschedule", Shape::Reschedule, kSource},
    {"POST", "/v1/items/{}/accept", Shape::Answer, kAnAgent},
    {"POST", "/v1/items/{}/reject", Shape::Answer, kAnAgent},
    {"POST", "/v1/items/{}/done", Shape::None, kAnAgent},
    {"POST", "/v1/items/{}/park", Shape::None, kAnAgent},
    {"POST", "/v1/items/{}/pull", Shape::None, kAnAgent},
    {"POST", "/v1/items/{}/transfer", Shape::Transfer, kAnAgent},
    {"POST", "/v1/items/{}/return", Shape::None, kSupervisor},
    {"PUT", "/v1/agents/{}", Shape::Agent, kSupervisor},
    {"PUT", "/v1/agents/{}/state", Shape::AgentState, kAnAgent},
    {"GET", "/v1/agents/{}", Shape::None, kSupervisor},
    {"GET", "/v1/agents/{}/offers", Shape::None, kAnAgent},
    {"GET", "/v1/agents/{}/offers/stream", Shape::None, kAnAgent},
    {"GET", "/v1/agents/{}/workbin", Shape::None, kSupervisor},
    {"GET", "/v1/queue", Shape::None, kSupervisor},
    {"GET", "/v1/admin/rules", Shape::None, kSupervisor},
    {"PUT", "/v1/admin/rules", Shape::Rules, kAdmin},
    {"POST", "/v1/admin/compact", Shape::None, kAdmin},
    {"GET", "/metrics", Shape::None, kSupervisor},
    {"GET", "/healthz", Shape::None, kSupervisor},
    {"GET", "/", Shape::None, kSupervisor},
    {"GET", "/v1/items/{}/{}", Shape::None, kSource},
    {"POST", "/v1//items", Shape::Capture, kSource},
    {"GET", "/v1/agents/{}/", Shape::None, kSupervisor},
    {"OPTIONS", "*", Shape::None, kAdmin},
    // A viewer's tries at changes (every one refused, nothing stored: http_fuzz.cpp) and reads.
    {"POST", "/v1/items/{}/cancel", Shape::None, kViewer},
    {"POST", "/v1/items/{}/return", Shape::None, kViewer},
    {"POST", "/v1/items/{}/priority", Shape::None, kViewer},
    {"PUT", "/v1/agents/{}", Shape::Agent, kViewer},
    {"PUT", "/v1/admin/rules", Shape::Rules, kViewer},
    {"POST", "/v1/items", Shape::Capture, kViewer},
    {"GET", "/v1/queue", Shape::None, kViewer},
};

const Strings kKnownIds = {"S1", "S2", "F1", "F2", "L1", "ada", "bob", "nobody", "S-1", "C0", "C1", "C2"};
const Strings kOddIds = {"", "a/b", "/", "a\x01", std::string("a\0b", 3), "\xC3\x28", "\xC0\xAF", "\xED\xA0\x80",
                         "\xC2\x85", "\x7F", "\xFF\xFE", "\xF4\x90\x80\x80", "\xE2\x80\xAE", ".", "..", " ", "a b",
                         "%2F", "?", "#", "\t", "\u00e9", std::string(256, 'x'), std::string(257, 'y')};
// Segments as sent, escapes kept: the server must decode them itself.
const Strings kRawSegments = {"%2F", "a%2Fb", "%00", "a%00b", "%", "%Z1", "%4", "%C3%28", "%ff", "%FF%FE", "%2e%2e",
                              "%2E", "%C0%AF", "%0A", "%0D%0A", "%7F", "%C2%85", "%E2%80%AE", "%20", "S1%", "%25",
                              "%3F", "%23", "ada%2Fstate", "%ED%A0%80", "%F4%90%80%80"};
const Strings kMethods = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "get", "BREW", "PROPFIND"};
const Strings kKeys = {"id", "department", "segment", "deal_value", "product", "tags", "items", "to", "agent", "state",
                       "reason", "skills", "groups", "capacity", "attributes", "activate_at", "due_at", "item", "x", ""};
const Strings kWords = {"Sales", "Finance", "Legal", "Gold", "Silver", "Bronze", "Platinum", "ready", "not_ready",
                        "logged_out", "sleeping", "standard", "voice", "sales_processing", "finance_processing",
                        "legacy_processing", "reception", "", "null", "Gold ", "gold"};
const Strings kTimes = {"2026-11-23T09:00:00Z", "2026-11-23T09:00:00+01:00", "2030-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
                        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2026-13-45T99:99:99Z", "2026-02-30T00:00:00Z",
                        "2026-11-23", "2026-11-23T09:00:00+25:00", "not a time", "", "2026-11-23T09:00:00.123456789Z",
                        "+292278994-08-17T07:12:55Z", "-0001-01-01T00:00:00Z", "2026-11-23T09:00:60Z"};
const Strings kDurations = {"72h", "0s", "-1h", "1.5h", "99999999999999h", "5d", "h", "", "1h30m", "9223372036854775807s"};
const Strings kNumbers = {"0", "1", "-1", "7", "10", "11", "2147483647", "-2147483648", "9223372036854775807",
                          "-9223372036854775808", "18446744073709551615", "18446744073709551616", "1.5", "-0.0",
                          "1e308", "1e309", "-1e309", "1e-400", "10000", "3.0", "1E2"};
const Strings kQueryKeys = {"limit", "offset", "state", "process", "x", "", "limit"};
const Strings kQueryValues = {"0", "1", "50", "1000", "1001", "-1", "abc", "", "9223372036854775807",
                              "9223372036854775808", "18446744073709551615", "1e3", "%201", "%2B1", "open", "queued",
                              "assigned", "offered", "parked", "Sales.Gold", "Finance.Bronze", "Nope", "%00", "%FF"};
const Strings kContentTypes = {"application/json", "application/json; charset=utf-8", "text/plain", "application/problem+json",
                               "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "APPLICATION/JSON",
                               "application/jsonx", "application/", "json", ";"};

std::string raw_id(FuzzedDataProvider& f) {
  switch (f.ConsumeIntegralInRange(0, 7)) {
    case 0: case 1: case 2: return pick(f, kKnownIds);
    case 3: return "S" + std::to_string(f.ConsumeIntegral<std::uint8_t>());   // a few: later requests name them
    case 4: return "S" + std::to_string(f.ConsumeIntegral<std::uint16_t>());  // most likely new
    case 5: return f.ConsumeRandomLengthString(24);
    default: return pick(f, kOddIds);
  }
}

// A path segment: an id escaped as little (raw '/' and bytes over 0x7F) or as much as can be,
// or a raw escape sequence.
std::string segment(FuzzedDataProvider& f) {
  const int how = f.ConsumeIntegralInRange(0, 5);
  if (how == 5) return pick(f, kRawSegments);
  std::string out;
  for (unsigned char c : raw_id(f)) {
    const bool unsafe = c <= 0x20 || c == 0x7f || c == '%' || c == '?' || c == '#';
    if (unsafe || (how == 1 && !std::isalnum(c))) out += percent(c);
    else out += static_cast<char>(c);
  }
  return out;
}

std::string query(FuzzedDataProvider& f) {
  std::string out;
  for (int k = f.ConsumeIntegralInRange(1, 3); k > 0; --k) {
    out += out.empty() ? "?" : "&";
    out += pick(f, kQueryKeys);
    if (f.ConsumeIntegralInRange(0, 9) == 9) continue;  // a key without `=`
    out += "=";
    if (f.ConsumeBool()) out += pick(f, kQueryValues);
    else
      for (unsigned char c : f.ConsumeRandomLengthString(12)) out += c <= 0x20 || c >= 0x7f || c == '#' ? percent(c) : std::string(1, static_cast<char>(c));
  }
  return out;
}

std::string deep(FuzzedDataProvider& f) {
  const int depth = f.ConsumeBool() ? f.ConsumeIntegralInRange(60, 70) : f.ConsumeIntegralInRange(0, 3000);
  if (f.ConsumeBool()) return std::string(depth, '[') + std::string(depth, ']');
  std::string out;
  for (int k = 0; k < depth; ++k) out += "{\"a\":";
  return out + "1" + std::string(depth, '}');
}

std::string value(FuzzedDataProvider& f, int depth);

std::string object(FuzzedDataProvider& f, int depth) {
  std::string out = "{";
  for (int k = f.ConsumeIntegralInRange(0, 3); k > 0; --k) {
    if (out.size() > 1) out += ",";
    out += quote(f.ConsumeBool() ? pick(f, kKeys) : f.ConsumeRandomLengthString(8)) + ":" + value(f, depth + 1);
  }
  return out + "}";
}

std::string value(FuzzedDataProvider& f, int depth) {
  switch (f.ConsumeIntegralInRange(0, depth > 3 ? 8 : 11)) {
    case 0: return "null";
    case 1: return f.ConsumeBool() ? "true" : "false";
    case 2: return pick(f, kNumbers);
    case 3: return quote(pick(f, kWords));
    case 4: return quote(f.ConsumeRandomLengthString(32));
    case 5: return quote(pick(f, kTimes));
    case 6: return quote(pick(f, kDurations));
    case 7: case 8: return quote(raw_id(f));
    case 9: {
      std::string out = "[";
      for (int k = f.ConsumeIntegralInRange(0, 3); k > 0; --k) out += (out.size() > 1 ? "," : "") + value(f, depth + 1);
      return out + "]";
    }
    case 10: return object(f, depth);
    default: return deep(f);
  }
}

// A JSON object under construction; fields join with commas.
struct Obj {
  std::string text;
  Obj& add(const std::string& key, const std::string& v) {
    text += (text.empty() ? "" : ",") + quote(key) + ":" + v;
    return *this;
  }
  Obj& maybe(FuzzedDataProvider& f, const std::string& key, const std::string& v) { return f.ConsumeBool() ? add(key, v) : *this; }
  std::string done(FuzzedDataProvider& f) {
    for (int k = f.ConsumeIntegralInRange(0, 6) - 4; k > 0; --k) add(pick(f, kKeys), value(f, 1));  // now and then extras
    return "{" + text + "}";
  }
};

// Mostly right, now and then a wrong type.
std::string word_or_value(FuzzedDataProvider& f) { return f.ConsumeIntegralInRange(0, 4) < 4 ? quote(pick(f, kWords)) : value(f, 2); }
std::string id_or_value(FuzzedDataProvider& f) { return f.ConsumeIntegralInRange(0, 5) < 5 ? quote(raw_id(f)) : value(f, 2); }
std::string time_or_value(FuzzedDataProvider& f) {
  const int k = f.ConsumeIntegralInRange(0, 5);
  return k == 5 ? "null" : k == 4 ? value(f, 2) : quote(pick(f, kTimes));
}

std::string capture(FuzzedDataProvider& f) {
  Obj o;
  const int id = f.ConsumeIntegralInRange(0, 7);  // mostly an id not seen yet, so that captures go through
  if (id < 5) o.add("id", quote("C" + std::to_string(f.ConsumeIntegral<std::uint16_t>())));
  else if (id < 7) o.add("id", id_or_value(f));
  if (f.ConsumeIntegralInRange(0, 5) < 5) o.add("department", word_or_value(f));
  o.maybe(f, "segment", word_or_value(f)).maybe(f, "deal_value", f.ConsumeBool() ? pick(f, kNumbers) : value(f, 2));
  if (f.ConsumeIntegralInRange(0, 3) == 3) o.add("tags", "[" + quote(pick(f, kWords)) + "]");
  if (f.ConsumeIntegralInRange(0, 5) == 5) o.add("product", quote(f.ConsumeRandomLengthString(16)));
  return o.done(f);
}

const std::string& rules_text() {
  static const std::string text = [] {
    std::ifstream in(std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd", std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }();
  return text;
}

std::string shaped(FuzzedDataProvider& f, Shape shape) {
  Obj o;
  switch (shape) {
    case Shape::None: return f.ConsumeBool() ? "" : "{}";
    case Shape::Capture: return capture(f);
    case Shape::Batch: {
      std::string items = "[";
      for (int k = f.ConsumeIntegralInRange<int>(0, kMaxBatch + 2); k > 0; --k) items += (items.size() > 1 ? "," : "") + capture(f);
      return o.add("items", f.ConsumeIntegralInRange(0, 7) < 7 ? items + "]" : value(f, 1)).done(f);
    }
    case Shape::Patch: return o.maybe(f, "segment", word_or_value(f)).maybe(f, "department", word_or_value(f))
                            .maybe(f, "deal_value", value(f, 2)).maybe(f, "id", id_or_value(f)).done(f);
    case Shape::Reschedule: return o.maybe(f, "activate_at", time_or_value(f)).maybe(f, "due_at", time_or_value(f)).done(f);
    case Shape::Answer: return f.ConsumeBool() ? "" : o.maybe(f, "agent", id_or_value(f)).done(f);
    case Shape::Transfer: return o.maybe(f, "to", id_or_value(f)).done(f);
    case Shape::Agent: {
      Obj skills;
      for (int k = f.ConsumeIntegralInRange(0, 3); k > 0; --k) skills.add(pick(f, kWords), f.ConsumeBool() ? pick(f, kNumbers) : value(f, 2));
      o.maybe(f, "skills", f.ConsumeIntegralInRange(0, 5) < 5 ? "{" + skills.text + "}" : value(f, 2));
      o.maybe(f, "state", word_or_value(f)).maybe(f, "reason", quote(f.ConsumeRandomLengthString(12)));
      if (f.ConsumeIntegralInRange(0, 3) == 3) o.add("capacity", f.ConsumeBool() ? quote("standard") : R"({"voice":1,"total":3})");
      if (f.ConsumeIntegralInRange(0, 3) == 3) o.add("groups", "[" + quote(pick(f, kWords)) + "]");
      return o.maybe(f, "id", id_or_value(f)).done(f);
    }
    case Shape::AgentState: return o.maybe(f, "state", word_or_value(f)).maybe(f, "reason", word_or_value(f)).done(f);
    case Shape::Rules: {
      std::string text = rules_text();
      switch (f.ConsumeIntegralInRange(0, 3)) {
        case 0: break;  // the same rules: a reload that keeps everything
        case 1: {
          const auto at = text.find("2026.11");
          if (at != std::string::npos) text.replace(at, 7, header_safe(f.ConsumeRandomLengthString(10)));
          break;
        }
        case 2: text.resize(f.ConsumeIntegralInRange<std::size_t>(0, text.size())); break;
        default: text.insert(f.ConsumeIntegralInRange<std::size_t>(0, text.size()), f.ConsumeRandomLengthString(16));
      }
      return text;
    }
  }
  return "";
}

// A body around max_body_bytes: a capture with a long product.
std::string about_the_limit(FuzzedDataProvider& f) {
  const std::size_t total = kMaxBody - 64 + f.ConsumeIntegralInRange<std::size_t>(0, 128);
  std::string head = R"({"id":"BIG","department":"Sales","product":")";
  return head + std::string(total - head.size() - 2, 'x') + "\"}";
}

void assemble(FuzzedDataProvider& f, FuzzRequest& r, const std::string& method, const std::string& target,
              std::vector<std::string> headers, const std::string& body) {
  const bool wants_body = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  std::string framing, sent = body;
  switch (f.ConsumeIntegralInRange(0, 19)) {
    default:
      if (wants_body) framing = "Content-Length: " + std::to_string(body.size()) + "\r\n";
      break;
    case 14:  // no length: the body (if any) is read as the next request
      r.close_after = !body.empty();
      break;
    case 15:  // a length short of the body: the rest is read as the next request
      framing = "Content-Length: " + std::to_string(body.empty() ? 0 : f.ConsumeIntegralInRange<std::size_t>(0, body.size() - 1)) + "\r\n";
      r.close_after = true;
      break;
    case 16:  // a length past the body, then the end of what the client sends
      framing = "Content-Length: " + std::to_string(body.size() + f.ConsumeIntegralInRange(1, 100)) + "\r\n";
      r.strict = false, r.may_close = r.half_close = r.close_after = true;
      break;
    case 17: {  // chunked
      framing = "Transfer-Encoding: chunked\r\n";
      sent.clear();
      for (std::size_t at = 0; at < body.size();) {
        const std::size_t n = std::min(body.size() - at, f.ConsumeIntegralInRange<std::size_t>(1, 700));
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", n);
        sent += size + body.substr(at, n) + "\r\n";
        at += n;
      }
      sent += "0\r\n\r\n";
      if (f.ConsumeIntegralInRange(0, 4) == 0) {  // and a Content-Length besides
        framing += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        r.strict = false, r.may_close = r.close_after = true;
      }
      break;
    }
    case 18: {  // twice, the same value or another
      const std::size_t other = f.ConsumeBool() ? body.size() : body.size() + f.ConsumeIntegralInRange(1, 5);
      framing = "Content-Length: " + std::to_string(body.size()) + "\r\nContent-Length: " + std::to_string(other) + "\r\n";
      r.strict = false, r.may_close = r.close_after = true;
      r.half_close = other != body.size();
      break;
    }
    case 19:
      framing = "Content-Length: " + pick(f, {"abc", "-1", "+5", " 5", "5 ", "0x10", "99999999999999999999",
                                              "18446744073709551616", "1,1", ""}) + "\r\n";
      r.strict = false, r.may_close = r.half_close = r.close_after = true;
      break;
  }
  if (body.size() > kMaxBody) r.may_close = true;  // 413 before the body is read: the server may reset
  std::string text = method + " " + target + " HTTP/1.1\r\n";
  if (f.ConsumeIntegralInRange(0, 30) < 30) text += "Host: 127.0.0.1\r\n";
  else r.strict = false;  // HTTP/1.1 without Host: libmicrohttpd may answer its own 400
  for (const std::string& h : headers) text += h + "\r\n";
  if (f.ConsumeIntegralInRange(0, 19) == 19) {
    text += "Expect: 100-continue\r\n";
    // libmicrohttpd 0.9.75 sends 100 Continue and then closes, unanswered, when bytes it cannot
    // parse follow such a request (its body unframed, or past its length).
    if (r.close_after && !body.empty()) r.may_close = true;
  }
  switch (f.ConsumeIntegralInRange(0, 9)) {
    case 7: text += "Connection: close\r\n", r.close_after = true; break;
    case 8: text += "Connection: keep-alive\r\n"; break;
    case 9: text += "X-" + token_chars(f.ConsumeRandomLengthString(8)) + ": " + header_safe(f.ConsumeRandomLengthString(24)) + "\r\n"; break;
    default: break;
  }
  r.text = text + framing + "\r\n" + sent;
}

// Half the time the token of the role the route is meant for; else any token, none, or a wrong one.
std::string authorization(FuzzedDataProvider& f, Who who) {
  const std::size_t meant = who == kAnAgent ? f.ConsumeIntegralInRange(1, 2) : static_cast<std::size_t>(who);
  const std::string token = kTokens[!f.ConsumeBool() ? meant : f.ConsumeIntegralInRange<std::size_t>(0, std::size(kTokens) - 1)].token;
  switch (f.ConsumeIntegralInRange(0, 11)) {
    case 9: return "";
    case 10: return "Bearer wrong-token-000000000";
    case 11:
      if (f.ConsumeBool()) return "Bearer " + header_safe(f.ConsumeRandomLengthString(30));
      return pick(f, {"Basic YWRhOmFkYQ==", "bearer " + token, "Bearer", "Bearer ", "Bearer  " + token,
                      "Bearer " + token + " ", token, "Bearer " + token + "x", "Bearer " + token.substr(1)});
    default: return "Bearer " + token;
  }
}

FuzzRequest structured(FuzzedDataProvider& f) {
  FuzzRequest r;
  const Template& route = kRoutes[f.ConsumeIntegralInRange<std::size_t>(0, std::size(kRoutes) - 1)];
  std::string method = route.method;
  // Out of bytes, FuzzedDataProvider gives the smallest value: 0 is the natural choice throughout.
  const int m = f.ConsumeIntegralInRange(0, 19);
  if (m == 17) method = pick(f, kMethods);
  else if (m == 18) method = token_chars(f.ConsumeRandomLengthString(8));
  else if (m == 19 && method == "GET") method = "HEAD";
  if (method.empty()) method = "GET";
  r.head = method == "HEAD";
  std::string target;
  for (const char* p = route.path; *p; ++p)
    if (p[0] == '{' && p[1] == '}') target += segment(f), ++p;
    else target += *p;
  const bool listing = std::string_view(route.path) == "/v1/queue";
  if (f.ConsumeIntegralInRange(0, listing ? 1 : 9) == 1) target += query(f);
  std::vector<std::string> headers;
  if (std::string a = authorization(f, route.who); !a.empty()) headers.push_back("Authorization: " + a);
  switch (f.ConsumeIntegralInRange(0, 9)) {
    default: headers.push_back("Content-Type: application/json"); break;
    case 7: case 8: break;
    case 9: headers.push_back("Content-Type: " + (f.ConsumeBool() ? pick(f, kContentTypes) : header_safe(f.ConsumeRandomLengthString(24)))); break;
  }
  std::string body;
  switch (f.ConsumeIntegralInRange(0, 11)) {
    default: body = shaped(f, route.shape); break;
    case 7: body = value(f, 0); break;
    case 8: body = f.ConsumeRandomLengthString(4096); break;
    case 9: body.clear(); break;
    case 10: body = deep(f); break;
    case 11: body = about_the_limit(f); break;
  }
  assemble(f, r, method, target, std::move(headers), body);
  return r;
}

// Request text, cleaned: the method's token characters, the target's unsafe bytes escaped,
// header lines of a name and a value without control bytes, Host and Content-Length set.
FuzzRequest from_text(const std::string& text) {
  FuzzRequest r;
  std::size_t eol = text.find('\n');
  std::string line = text.substr(0, eol);
  std::istringstream words(line);
  std::string method, raw_target;
  words >> method >> raw_target;
  method = token_chars(method);
  if (method.empty()) method = "GET";
  r.head = method == "HEAD";
  std::string target = raw_target == "*" ? "*" : raw_target.empty() || raw_target[0] != '/' ? "/" : "";
  if (raw_target != "*")
    for (unsigned char c : raw_target) target += c <= 0x20 || c == 0x7f || c == '#' ? percent(c) : std::string(1, static_cast<char>(c));
  std::string head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  std::size_t at = eol == std::string::npos ? text.size() : eol + 1;
  while (at < text.size()) {
    eol = text.find('\n', at);
    std::string h = text.substr(at, (eol == std::string::npos ? text.size() : eol) - at);
    at = eol == std::string::npos ? text.size() : eol + 1;
    if (!h.empty() && h.back() == '\r') h.pop_back();
    if (h.empty()) break;
    const auto colon = h.find(':');
    if (colon == std::string::npos) continue;
    std::string name = token_chars(h.substr(0, colon));
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.empty() || lower == "host" || lower == "content-length" || lower == "transfer-encoding") continue;
    if (lower == "connection") r.close_after = true;
    head += name + ": " + header_safe(h.substr(colon + 1)) + "\r\n";
  }
  const std::string body = text.substr(std::min(at, text.size()));
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (body.size() > kMaxBody) r.may_close = r.close_after = true;
  r.text = head + "\r\n" + body;
  return r;
}

}  // namespace

std::vector<FuzzRequest> decode_requests(const std::uint8_t* data, std::size_t size) {
  std::vector<FuzzRequest> out;
  if (size > 0 && data[0] >= 'A' && data[0] <= 'Z') {
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (std::size_t at = 0; out.size() < 3 && at <= text.size();) {
      std::size_t end = text.find("\n%%\n", at);
      if (end == std::string::npos) end = text.size();
      out.push_back(from_text(text.substr(at, end - at)));
      at = end + 4;
    }
    return out;
  }
  FuzzedDataProvider f(data, size);
  for (int k = f.ConsumeIntegralInRange(1, 3); k > 0; --k) out.push_back(structured(f));
  return out;
}

}  // namespace iwd::fuzz
