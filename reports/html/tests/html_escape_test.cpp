#include "reports/html/html_escape.hpp"

#include <gtest/gtest.h>

namespace resync::reports {
namespace {

TEST(HtmlEscape, MarkupCharactersBecomeEntitiesInText) {
  EXPECT_EQ(escape_html_text("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(escape_html_text("a & b \"c\" 'd'"), "a &amp; b &quot;c&quot; &#39;d&#39;");
}

TEST(HtmlEscape, AttributeValuesCannotCloseTheirQuotes) {
  EXPECT_EQ(escape_html_attribute("x\" onmouseover=\"alert(1)"), "x&quot; onmouseover=&quot;alert(1)");
  EXPECT_EQ(escape_html_attribute("it's"), "it&#39;s");
}

TEST(HtmlEscape, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(escape_html_text("ok\xFF"), "ok\xEF\xBF\xBD");
  EXPECT_EQ(escape_html_text("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(JsonForScriptElement, CannotEndTheScriptElementOrOpenAComment) {
  const nlohmann::json value = {{"content", "</script><script>alert(1)</script><!-- & -->"}};
  const std::string embedded = json_for_script_element(value);
  EXPECT_EQ(embedded.find('<'), std::string::npos) << embedded;
  EXPECT_EQ(embedded.find('>'), std::string::npos) << embedded;
  EXPECT_EQ(embedded.find('&'), std::string::npos) << embedded;
  EXPECT_NE(embedded.find("\\u003c/script\\u003e"), std::string::npos) << embedded;
  // Still the same JSON value.
  EXPECT_EQ(nlohmann::json::parse(embedded), value);
}

TEST(JsonForScriptElement, LineAndParagraphSeparatorsAreEscaped) {
  const nlohmann::json value = "a\u2028b\u2029c";
  const std::string embedded = json_for_script_element(value);
  EXPECT_EQ(embedded, "\"a\\u2028b\\u2029c\"");
  EXPECT_EQ(nlohmann::json::parse(embedded), value);
}

TEST(JsonForScriptElement, InvalidUtf8DoesNotThrow) {
  const std::string embedded = json_for_script_element(nlohmann::json("bad \xC3 byte"));
  EXPECT_EQ(nlohmann::json::parse(embedded).get<std::string>(), "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace resync::reports
