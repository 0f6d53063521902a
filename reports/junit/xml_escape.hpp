#pragma once
// Escaping for XML 1.0 documents whose text comes from servers under test and scenario files.
// Two problems, two steps:
// 1. Some text cannot be carried by XML 1.0 at all, not even as a character reference:
//    C0 control characters other than tab, LF and CR, U+FFFE, U+FFFF, and bytes that are
//    not UTF-8. They are replaced with something visible: "\x01" for a control character,
//    U+FFFD for the rest. A parser that rejects the whole file would hide every result.
// 2. Markup characters are escaped as entities, so `<img src=x onerror=alert(1)>` and `]]>`
//    stay text (no CDATA sections are used anywhere).
#include <span>
#include <string>
#include <string_view>

namespace resync::reports {

// The first pass only: text XML 1.0 can carry, as valid UTF-8.
std::string xml_representable_text(std::string_view text);

// Both passes, for element content. CR is kept as &#13; (parsers turn a raw CR into LF).
// One character and the entity that replaces it.
struct Entity {
  char character;
  std::string_view replacement;
};
// The second pass only: replaces every character listed in `entities`, keeps the rest. The
// text must already be representable (the first pass); the XML and HTML escapers share this.
std::string replace_with_entities(std::string_view representable_text, std::span<const Entity> entities);

std::string escape_xml_text(std::string_view text);

// Both steps, for an attribute value in double quotes. Tab, LF and CR become character
// references, because parsers would normalize them to spaces.
std::string escape_xml_attribute(std::string_view text);

}  // namespace resync::reports
