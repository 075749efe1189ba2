// The /ui/ handler: the embedded files by exact name, the security and caching headers, and
// every way of asking for something else answered 404 (the attacker's paths included).
#include "console/ui.h"

#include <gtest/gtest.h>

#include <string>

#include "console/assets.h"

namespace iwd::console {
namespace {

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

const Asset& asset(std::string_view name) {
  for (const Asset& a : assets())
    if (a.name == name) return a;
  ADD_FAILURE() << "no asset " << name;
  return assets().front();
}

TEST(ConsoleUi, IndexAtTheFolder) {
  const Response r = serve("GET", "/ui/", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.body, asset("index.html").body);
  EXPECT_NE(r.body.find("<!doctype html>"), std::string::npos);
  EXPECT_EQ(header(r, "Content-Security-Policy").rfind("default-src 'self'", 0), 0u);
  EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(r, "ETag"), asset("index.html").etag);
}

TEST(ConsoleUi, BareUiRedirectsToTheFolder) {
  const Response r = serve("GET", "/ui", "");
  EXPECT_EQ(r.status, 308);
  EXPECT_EQ(header(r, "Location"), "/ui/");
}

TEST(ConsoleUi, EveryFileWithItsTypeAndAStrongTag) {
  ASSERT_GE(assets().size(), 4u);
  for (const Asset& a : assets()) {
    SCOPED_TRACE(std::string(a.name));
    const Response r = serve("GET", "/ui/" + std::string(a.name), "");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, a.body);
    EXPECT_EQ(r.content_type, a.content_type);
    ASSERT_GE(a.etag.size(), 3u);
    EXPECT_EQ(a.etag.front(), '"');  // strong: no W/ prefix
    EXPECT_EQ(a.etag.back(), '"');
  }
  EXPECT_EQ(asset("app.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(asset("style.css").content_type, "text/css; charset=utf-8");
  EXPECT_NE(asset("vendor/uPlot.esm.js").body.find("uPlot"), std::string_view::npos);  // the chart library, from npm
}

TEST(ConsoleUi, TagsDifferWithTheBytes) {
  EXPECT_NE(asset("app.js").etag, asset("index.html").etag);
}

TEST(ConsoleUi, RevalidationAnswers304WithoutABody) {
  const std::string tag(asset("app.js").etag);
  for (const std::string& sent : {tag, "W/" + tag, "\"other\", " + tag, std::string("*")}) {
    const Response r = serve("GET", "/ui/app.js", sent);
    EXPECT_EQ(r.status, 304) << sent;
    EXPECT_TRUE(r.body.empty());
    EXPECT_EQ(header(r, "ETag"), tag);
  }
  EXPECT_EQ(serve("GET", "/ui/app.js", "\"other\"").status, 200);
}

TEST(ConsoleUi, HeadIsGet) {
  EXPECT_EQ(serve("HEAD", "/ui/app.js", "").status, 200);
}

TEST(ConsoleUi, OtherMethodsAre405) {
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    const Response r = serve(m, "/ui/index.html", "");
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_EQ(header(r, "Allow"), "GET, HEAD");
  }
}

TEST(ConsoleUi, NothingOutsideTheTable) {
  const std::string long_name = "/ui/" + std::string(100000, 'a');
  for (const std::string& path :
       {std::string("/ui/../"), std::string("/ui/../server/http.cpp"), std::string("/ui/..%2f..%2fetc%2fpasswd"),
        std::string("/ui/%2e%2e/%2e%2e/etc/passwd"), std::string("/ui/%2E%2E%2Fapp.js"), std::string("/ui/app%2ejs"),
        std::string("/ui/./app.js"), std::string("/ui//app.js"), std::string("/ui/pages/../app.js"),
        std::string("/ui/app.js%00.png"), std::string("/ui/app.js\0.png", 15), std::string("/ui/APP.JS"),
        std::string("/ui/app.js/"), std::string("/ui/vendor/"), std::string("/ui/pages"), std::string("/ui/\\app.js"),
        std::string("/ui/index.html?x"), std::string("/ui/nope.html"), long_name, std::string("/uii/"),
        std::string("/ui/app.js "), std::string("/ui/%"), std::string("/ui/\xff")}) {
    const Response r = serve("GET", path, "");
    EXPECT_EQ(r.status, 404) << path.substr(0, 60);
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(r.body.find("app.js"), std::string::npos);  // no file's bytes, and the path not echoed
    EXPECT_FALSE(header(r, "Content-Security-Policy").empty());
  }
}

TEST(ConsoleUi, ConsolePaths) {
  EXPECT_TRUE(is_console_path("/ui"));
  EXPECT_TRUE(is_console_path("/ui/"));
  EXPECT_TRUE(is_console_path("/ui/x"));
  EXPECT_FALSE(is_console_path("/uix"));
  EXPECT_FALSE(is_console_path("/v1/ui/"));
  EXPECT_FALSE(is_console_path("/"));
}

}  // namespace
}  // namespace iwd::console
