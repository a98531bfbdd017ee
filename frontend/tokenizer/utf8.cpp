#include "frontend/tokenizer/utf8.h"

#include <cstdint>

namespace q3c::utf8 {

namespace {

// For a lead byte: the sequence length and the allowed range of the second byte (which is where
// overlongs, surrogates and code points above U+10FFFF are excluded). Length 0: not a lead byte.
struct Lead {
  int length;
  unsigned char lo, hi;
};

Lead leadOf(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// How many bytes from s[i] form a valid prefix of a sequence (at most the sequence length).
int validPrefix(std::string_view s, size_t i, const Lead& lead) {
  int n = 1;
  while (n < lead.length && i + n < s.size()) {
    auto c = static_cast<unsigned char>(s[i + n]);
    bool ok = n == 1 ? (c >= lead.lo && c <= lead.hi) : (c >= 0x80 && c <= 0xBF);
    if (!ok) break;
    ++n;
  }
  return n;
}

}  // namespace

size_t decode(std::string_view s, size_t i, char32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    cp = b;
    return 1;
  }
  Lead lead = leadOf(b);
  if (lead.length == 0 || validPrefix(s, i, lead) != lead.length) return 0;
  static constexpr unsigned char kLeadMask[5] = {0, 0, 0x1F, 0x0F, 0x07};
  char32_t v = b & kLeadMask[lead.length];
  for (int k = 1; k < lead.length; ++k) v = (v << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  cp = v;
  return static_cast<size_t>(lead.length);
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool isValid(std::string_view s, size_t* badOffset) {
  size_t i = 0;
  while (i < s.size()) {
    // ASCII runs are the common case: skip them eight bytes at a time.
    while (i + 8 <= s.size()) {
      uint64_t w;
      __builtin_memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= s.size()) break;
    char32_t cp;
    size_t n = decode(s, i, cp);
    if (n == 0) {
      if (badOffset) *badOffset = i;
      return false;
    }
    i += n;
  }
  return true;
}

size_t appendLossy(std::string_view bytes, std::string& out, bool final) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < bytes.size()) {
    auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    Lead lead = leadOf(b);
    if (lead.length == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    int n = validPrefix(bytes, i, lead);
    if (n == lead.length) {
      out.append(bytes.substr(i, static_cast<size_t>(n)));
    } else if (i + static_cast<size_t>(n) == bytes.size() && !final) {
      return i;  // incomplete at the end: wait for more bytes
    } else {
      out += kReplacement;
    }
    i += static_cast<size_t>(n);
  }
  return i;
}

size_t length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace q3c::utf8
