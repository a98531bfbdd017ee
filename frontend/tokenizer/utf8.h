// UTF-8 helpers: decoding one code point, validation, and the lossy conversion that Hugging Face
// (Rust's String::from_utf8_lossy) applies when token bytes do not form valid UTF-8.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace q3c::utf8 {

// Decodes the code point at s[i]. Returns its length in bytes, or 0 when the bytes there are not
// a complete, valid UTF-8 sequence (then cp is unspecified).
size_t decode(std::string_view s, size_t i, char32_t& cp);

void append(std::string& out, char32_t cp);

// True when s is valid UTF-8; otherwise *badOffset (if given) is the first invalid byte.
bool isValid(std::string_view s, size_t* badOffset = nullptr);

// Appends bytes to out, replacing each maximal invalid subpart with U+FFFD (the Unicode
// "substitution of maximal subparts" rule that Rust uses). When final is false, a trailing
// sequence that is incomplete but could still become valid is left unconsumed. Returns the
// number of bytes consumed.
size_t appendLossy(std::string_view bytes, std::string& out, bool final);

inline std::string lossy(std::string_view bytes) {
  std::string out;
  appendLossy(bytes, out, true);
  return out;
}

// Number of code points in valid UTF-8 text.
size_t length(std::string_view s);

}  // namespace q3c::utf8
