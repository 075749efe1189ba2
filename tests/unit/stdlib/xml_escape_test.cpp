// stdlib::xml_escape: the one escape of the XML iwd writes (iwd test's JUnit, simulate's SVG).
#include <gtest/gtest.h>

#include "stdlib/text.h"

namespace iwd::stdlib {
namespace {

TEST(XmlEscape, TheFourSpecialCharactersBecomeEntitiesAndTheRestStays) {
  EXPECT_EQ(xml_escape(R"(a < b && c > "d")"), "a &lt; b &amp;&amp; c &gt; &quot;d&quot;");
  EXPECT_EQ(xml_escape("Sales.Gold 'x' straße"), "Sales.Gold 'x' straße");
  EXPECT_EQ(xml_escape(""), "");
  EXPECT_EQ(xml_escape("&amp;"), "&amp;amp;");  // not recognized: text is escaped as it is
}

}  // namespace
}  // namespace iwd::stdlib
