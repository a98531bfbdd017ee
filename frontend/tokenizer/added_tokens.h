// Added tokens (Qwen3: 26 of them, <|endoftext|> ... </think>): found in the text before anything
// else runs, leftmost-longest, the way Hugging Face's AddedVocabulary does, and emitted as their id.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace q3c {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;
  bool normalized = false;  // matched on normalized text (else on the raw text)
  bool lstrip = false, rstrip = false, singleWord = false;
};

// A run of text between added tokens (id < 0), or one added token (its id).
struct Segment {
  std::string_view text;
  int32_t id = -1;
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  // Uses the tokens whose `normalized` flag equals `normalizedOnes`.
  AddedTokenMatcher(const std::vector<AddedToken>& tokens, bool normalizedOnes);

  bool empty() const { return tokens_.empty(); }

  // Appends text segments and token segments covering `text` in order; text segments may be empty
  // only when `text` is.
  void split(std::string_view text, std::vector<Segment>& out) const;

 private:
  struct Candidate {
    std::string content;
    int32_t id;
    bool lstrip, rstrip, singleWord;
  };
  std::vector<Candidate> tokens_;                 // longest first within each first byte
  std::array<std::vector<uint32_t>, 256> byFirst_; // indices into tokens_, by first byte
};

}  // namespace q3c
