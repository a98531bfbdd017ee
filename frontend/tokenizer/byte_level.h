// The GPT-2 byte-level alphabet: every byte is written as one printable Unicode character, so a
// vocabulary of strings can hold arbitrary bytes. q3c keeps token bytes raw internally and uses
// this map only when reading tokenizer.json and when decoding added tokens as Hugging Face does.
#pragma once
#include <array>
#include <string>
#include <string_view>

namespace q3c::byte_level {

// The character that stands for each byte.
const std::array<char32_t, 256>& byteToChar();

// Bytes → their byte-level string (UTF-8).
std::string encode(std::string_view bytes);

// Byte-level string → bytes. False when a character is not in the alphabet (bytes untouched).
bool decode(std::string_view text, std::string& bytes);

// How Hugging Face's ByteLevel decoder turns one token string into bytes: mapped character by
// character, or taken as is when any character is outside the alphabet.
std::string decodeToken(std::string_view token);

}  // namespace q3c::byte_level
