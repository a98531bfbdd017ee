// Turns generated ids into text as they arrive without ever emitting part of a UTF-8 character:
// the bytes of a character split across tokens are held until it is complete. Bytes that can
// never become valid UTF-8 come out as U+FFFD, so the concatenated output equals
// Tokenizer::decode of all the ids.
#pragma once
#include <cstdint>
#include <string>

#include "frontend/tokenizer/tokenizer.h"

namespace q3c {

class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skipSpecialTokens = false)
      : tokenizer_(&tokenizer), skipSpecial_(skipSpecialTokens) {}

  // The text that became complete with this id (possibly empty).
  std::string push(int32_t id);
  // Whatever is still held (an incomplete character becomes U+FFFD); resets the decoder.
  std::string flush();
  // Bytes held back, waiting for the rest of a character.
  size_t pendingBytes() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  bool skipSpecial_;
  std::string pending_;
};

}  // namespace q3c
