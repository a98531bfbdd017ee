#include "frontend/tokenizer/added_tokens.h"

#include <unicode/uchar.h>

#include <algorithm>

#include "frontend/tokenizer/utf8.h"

namespace q3c {

namespace {

bool isWordChar(char32_t c) { return c == '_' || u_isalnum(static_cast<UChar32>(c)); }

// The code point that ends just before `pos`, or 0 at the start.
char32_t charBefore(std::string_view s, size_t pos) {
  if (pos == 0) return 0;
  size_t i = pos - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  char32_t cp = 0;
  return utf8::decode(s, i, cp) ? cp : 0;
}

char32_t charAt(std::string_view s, size_t pos) {
  char32_t cp = 0;
  return pos < s.size() && utf8::decode(s, pos, cp) ? cp : 0;
}

size_t charLengthAt(std::string_view s, size_t pos) {
  char32_t cp;
  size_t n = utf8::decode(s, pos, cp);
  return n ? n : 1;
}

bool isWhiteSpace(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE); }

}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedToken>& tokens, bool normalizedOnes) {
  for (const auto& t : tokens)
    if (t.normalized == normalizedOnes && !t.content.empty())
      tokens_.push_back({t.content, t.id, t.lstrip, t.rstrip, t.singleWord});
  std::stable_sort(tokens_.begin(), tokens_.end(),
                   [](const Candidate& a, const Candidate& b) { return a.content.size() > b.content.size(); });
  for (uint32_t i = 0; i < tokens_.size(); ++i)
    byFirst_[static_cast<unsigned char>(tokens_[i].content[0])].push_back(i);
}

void AddedTokenMatcher::split(std::string_view text, std::vector<Segment>& out) const {
  const size_t firstOut = out.size();
  size_t textStart = 0;  // start of the pending text segment
  size_t pos = 0;
  while (pos < text.size()) {
    const auto& candidates = byFirst_[static_cast<unsigned char>(text[pos])];
    const Candidate* hit = nullptr;
    for (uint32_t idx : candidates) {  // longest first, so the first hit is the longest at pos
      const Candidate& c = tokens_[idx];
      if (text.compare(pos, c.content.size(), c.content) != 0) continue;
      size_t end = pos + c.content.size();
      if (c.singleWord && (isWordChar(charBefore(text, pos)) || isWordChar(charAt(text, end)))) continue;
      hit = &c;
      break;
    }
    if (!hit) {
      ++pos;
      continue;
    }
    size_t start = pos, end = pos + hit->content.size();
    // lstrip / rstrip: the token swallows the white space beside it.
    if (hit->lstrip)
      while (start > textStart && isWhiteSpace(charBefore(text, start))) {
        char32_t c = charBefore(text, start);
        start -= c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
      }
    if (hit->rstrip)
      while (end < text.size() && isWhiteSpace(charAt(text, end))) end += charLengthAt(text, end);
    if (start > textStart) out.push_back({text.substr(textStart, start - textStart), -1});
    out.push_back({text.substr(start, end - start), hit->id});
    pos = textStart = end;
  }
  if (textStart < text.size() || out.size() == firstOut) out.push_back({text.substr(textStart), -1});
}

}  // namespace q3c
