// Python str semantics on UTF-8 text: indexing and lengths in code points, str.isspace() white
// space, strip/split/replace/find, and Unicode case mapping (through ICU).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace q3c::jinja {

bool pyIsSpace(char32_t c);      // str.isspace(), also what Python's re means by \s
bool pyIsPrintable(char32_t c);  // str.isprintable(), for repr()

std::u32string toCodePoints(std::string_view s);
std::string fromCodePoints(std::u32string_view s);
size_t pyLength(std::string_view s);

// chars: nullopt strips white space; otherwise the set of characters to strip.
std::string pyStrip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// sep: nullopt splits on runs of white space (and drops empty ends); maxsplit < 0: no limit.
std::vector<std::string> pySplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> pyRSplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::string pyReplace(std::string_view s, std::string_view from, std::string_view to, int64_t count);
int64_t pyFind(std::string_view s, std::string_view sub, bool reverse);  // code point index or -1
int64_t pyCount(std::string_view s, std::string_view sub);

std::string pyUpper(std::string_view s);
std::string pyLower(std::string_view s);
std::string pyTitle(std::string_view s);       // str.title()
std::string pyCapitalize(std::string_view s);  // str.capitalize()

}  // namespace q3c::jinja
