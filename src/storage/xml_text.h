// Just enough XML for the object-store REST APIs (S3, GCS XML, Azure Blob): find a tag's text
// in a response, escape text for a request body. The responses are small, flat documents from
// known servers; this is not a general XML parser (no attributes, namespaces or CDATA).
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace brkv::storage {

// The text of the first <tag>…</tag> in `xml` at or after *pos (XML entities decoded unless
// `decode` is false), or nullopt. On success *pos moves past the closing tag.
std::optional<std::string> XmlTag(std::string_view xml, std::string_view tag, size_t* pos,
                                  bool decode = true);
// XML-escapes `s` for a request body.
std::string XmlEscape(std::string_view s);

}  // namespace brkv::storage
