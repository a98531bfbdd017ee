#include "frontend/tokenizer/jinja/py_string.h"

#include <unicode/uchar.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <stdexcept>

#include "frontend/tokenizer/utf8.h"

namespace q3c::jinja {

bool pyIsSpace(char32_t c) {
  // CPython's str.isspace() (bidirectional class WS, B or S, or category Zs) is the Unicode
  // White_Space property plus the information separators U+001C..U+001F.
  return (c >= 0x1C && c <= 0x1F) || u_isUWhiteSpace(static_cast<UChar32>(c));
}

bool pyIsPrintable(char32_t c) {
  if (c == ' ') return true;
  int8_t t = u_charType(static_cast<UChar32>(c));
  // Not printable in Python: categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs (other than space).
  return !(t == U_CONTROL_CHAR || t == U_FORMAT_CHAR || t == U_SURROGATE || t == U_PRIVATE_USE_CHAR ||
           t == U_UNASSIGNED || t == U_LINE_SEPARATOR || t == U_PARAGRAPH_SEPARATOR || t == U_SPACE_SEPARATOR);
}

std::u32string toCodePoints(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t n = utf8::decode(s, i, cp);
    if (n == 0) {
      cp = 0xFFFD;
      n = 1;
    }
    out += cp;
    i += n;
  }
  return out;
}

std::string fromCodePoints(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) utf8::append(out, c);
  return out;
}

size_t pyLength(std::string_view s) { return utf8::length(s); }

std::string pyStrip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  std::u32string cps = toCodePoints(s);
  std::u32string set = chars ? toCodePoints(*chars) : std::u32string();
  auto strip = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : pyIsSpace(c); };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strip(cps[b])) ++b;
  if (right)
    while (e > b && strip(cps[e - 1])) --e;
  return fromCodePoints(std::u32string_view(cps).substr(b, e - b));
}

std::vector<std::string> pySplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) throw std::invalid_argument("empty separator");
    size_t pos = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      size_t hit = s.find(*sep, pos);
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(pos, hit - pos));
      pos = hit + sep->size();
    }
    out.emplace_back(s.substr(pos));
    return out;
  }
  std::u32string cps = toCodePoints(s);
  size_t i = 0;
  while (true) {
    while (i < cps.size() && pyIsSpace(cps[i])) ++i;
    if (i == cps.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      size_t e = cps.size();
      while (e > i && pyIsSpace(cps[e - 1])) --e;
      out.push_back(fromCodePoints(std::u32string_view(cps).substr(i, e - i)));
      break;
    }
    size_t j = i;
    while (j < cps.size() && !pyIsSpace(cps[j])) ++j;
    out.push_back(fromCodePoints(std::u32string_view(cps).substr(i, j - i)));
    i = j;
  }
  return out;
}

std::vector<std::string> pyRSplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  if (maxsplit < 0) return pySplit(s, sep, maxsplit);
  std::vector<std::string> out;
  if (sep) {
    if (sep->empty()) throw std::invalid_argument("empty separator");
    size_t end = s.size();
    while (static_cast<int64_t>(out.size()) < maxsplit) {
      size_t hit = end >= sep->size() ? s.rfind(*sep, end - sep->size()) : std::string_view::npos;
      if (hit == std::string_view::npos) break;
      out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
      end = hit;
    }
    out.emplace_back(s.substr(0, end));
  } else {
    std::u32string cps = toCodePoints(s);
    size_t e = cps.size();
    while (true) {
      while (e > 0 && pyIsSpace(cps[e - 1])) --e;
      if (e == 0) break;
      if (static_cast<int64_t>(out.size()) == maxsplit) {
        size_t b = 0;
        while (b < e && pyIsSpace(cps[b])) ++b;
        out.push_back(fromCodePoints(std::u32string_view(cps).substr(b, e - b)));
        break;
      }
      size_t b = e;
      while (b > 0 && !pyIsSpace(cps[b - 1])) --b;
      out.push_back(fromCodePoints(std::u32string_view(cps).substr(b, e - b)));
      e = b;
    }
  }
  return {out.rbegin(), out.rend()};
}

std::string pyReplace(std::string_view s, std::string_view from, std::string_view to, int64_t count) {
  std::string out;
  if (from.empty()) {  // Python inserts `to` around every character
    std::u32string cps = toCodePoints(s);
    int64_t n = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (count < 0 || n < count) {
        out.append(to);
        ++n;
      }
      if (i < cps.size()) utf8::append(out, cps[i]);
    }
    return out;
  }
  size_t pos = 0;
  int64_t n = 0;
  while (count < 0 || n < count) {
    size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos)).append(to);
    pos = hit + from.size();
    ++n;
  }
  out.append(s.substr(pos));
  return out;
}

int64_t pyFind(std::string_view s, std::string_view sub, bool reverse) {
  size_t hit = reverse ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(utf8::length(s.substr(0, hit)));
}

int64_t pyCount(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(utf8::length(s)) + 1;
  int64_t n = 0;
  for (size_t pos = s.find(sub); pos != std::string_view::npos; pos = s.find(sub, pos + sub.size())) ++n;
  return n;
}

namespace {

std::string toUtf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

icu::UnicodeString fromUtf8(std::string_view s) {
  return icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
}

bool isCased(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_CASED); }

}  // namespace

std::string pyUpper(std::string_view s) { return toUtf8(fromUtf8(s).toUpper(icu::Locale::getRoot())); }
std::string pyLower(std::string_view s) { return toUtf8(fromUtf8(s).toLower(icu::Locale::getRoot())); }

std::string pyTitle(std::string_view s) {
  // Python: a cased character after an uncased one is title-cased, other cased ones lower-cased.
  std::string out;
  bool previousCased = false;
  std::u32string cps = toCodePoints(s);
  for (char32_t c : cps) {
    std::string one = fromCodePoints(std::u32string_view(&c, 1));
    if (previousCased) out += pyLower(one);
    else out += toUtf8(fromUtf8(one).toTitle(nullptr, icu::Locale::getRoot(), U_TITLECASE_NO_LOWERCASE | U_TITLECASE_NO_BREAK_ADJUSTMENT));
    previousCased = isCased(c);
  }
  return out;
}

std::string pyCapitalize(std::string_view s) {
  std::u32string cps = toCodePoints(s);
  if (cps.empty()) return {};
  std::string first = fromCodePoints(std::u32string_view(cps).substr(0, 1));
  return toUtf8(fromUtf8(first).toTitle(nullptr, icu::Locale::getRoot(), U_TITLECASE_NO_LOWERCASE | U_TITLECASE_NO_BREAK_ADJUSTMENT)) +
         pyLower(fromCodePoints(std::u32string_view(cps).substr(1)));
}

}  // namespace q3c::jinja
