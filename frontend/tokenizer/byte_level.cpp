#include "frontend/tokenizer/byte_level.h"

#include "frontend/tokenizer/utf8.h"

namespace q3c::byte_level {

const std::array<char32_t, 256>& byteToChar() {
  // Printable Latin-1 bytes stand for themselves; the others (controls, space, 0x7F-0xA0, 0xAD)
  // take the code points from U+0100 upwards, in byte order.
  static const std::array<char32_t, 256> table = [] {
    std::array<char32_t, 256> t{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      t[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
    }
    return t;
  }();
  return table;
}

std::string encode(std::string_view bytes) {
  const auto& table = byteToChar();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) utf8::append(out, table[static_cast<unsigned char>(c)]);
  return out;
}

bool decode(std::string_view text, std::string& bytes) {
  // Inverse map: all alphabet characters are below U+0144.
  static const std::array<int, 0x144> inverse = [] {
    std::array<int, 0x144> inv;
    inv.fill(-1);
    const auto& t = byteToChar();
    for (int b = 0; b < 256; ++b) inv[t[static_cast<size_t>(b)]] = b;
    return inv;
  }();
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    size_t n = utf8::decode(text, i, cp);
    if (n == 0 || cp >= inverse.size() || inverse[cp] < 0) return false;
    out += static_cast<char>(inverse[cp]);
    i += n;
  }
  bytes.append(out);
  return true;
}

std::string decodeToken(std::string_view token) {
  std::string bytes;
  if (!decode(token, bytes)) bytes.assign(token);
  return bytes;
}

}  // namespace q3c::byte_level
