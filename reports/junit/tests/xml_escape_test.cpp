#include "reports/junit/xml_escape.hpp"

#include <gtest/gtest.h>

namespace resync::reports {
namespace {

TEST(XmlEscape, MarkupInMessageContentStaysText) {
  EXPECT_EQ(escape_xml_text("<img src=x onerror=alert(1)>"), "&lt;img src=x onerror=alert(1)&gt;");
  EXPECT_EQ(escape_xml_text("a & b"), "a &amp; b");
  EXPECT_EQ(escape_xml_text("]]>"), "]]&gt;");
  EXPECT_EQ(escape_xml_attribute("say \"hi\" & 'bye' <b>"), "say &quot;hi&quot; &amp; &apos;bye&apos; &lt;b&gt;");
}

TEST(XmlEscape, KeepsLineBreaksInTextAndProtectsThemInAttributes) {
  EXPECT_EQ(escape_xml_text("one\ntwo\tthree\r\n"), "one\ntwo\tthree&#13;\n");
  EXPECT_EQ(escape_xml_attribute("one\ntwo\tthree\r"), "one&#10;two&#9;three&#13;");
}

TEST(XmlEscape, ControlCharactersXmlCannotCarryBecomeVisibleEscapes) {
  EXPECT_EQ(escape_xml_text(std::string("nul\0bell\x07" "esc\x1b[0m", 16)), "nul\\x00bell\\x07esc\\x1B[0m");
  EXPECT_EQ(escape_xml_attribute("\x01"), "\\x01");
}

TEST(XmlEscape, InvalidUtf8AndNonCharactersBecomeReplacementCharacters) {
  const std::string replacement = "\xEF\xBF\xBD";
  EXPECT_EQ(xml_representable_text("a\xFF" "b"), "a" + replacement + "b");
  EXPECT_EQ(xml_representable_text("\xC3"), replacement);                       // cut-off sequence
  EXPECT_EQ(xml_representable_text("\xC0\xAF"), replacement + replacement);     // overlong '/'
  EXPECT_EQ(xml_representable_text("\xED\xA0\x80"), replacement + replacement + replacement);  // surrogate
  EXPECT_EQ(xml_representable_text("\xEF\xBF\xBE"), replacement);               // U+FFFE
}

TEST(XmlEscape, WellFormedTextPassesUnchanged) {
  const std::string text = "Bağlantı yeniden sağlandı \xF0\x9F\x98\x80 \xE2\x80\x94 tab\there";
  EXPECT_EQ(xml_representable_text(text), text);
  EXPECT_EQ(escape_xml_text(text), text);
}

}  // namespace
}  // namespace resync::reports
