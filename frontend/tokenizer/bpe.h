// Byte-level BPE: a piece of text starts as one symbol per byte and adjacent symbols are merged,
// lowest merge rank first (leftmost first among equals), exactly as Hugging Face's BPE model does.
// Tokens are kept as raw bytes; the byte-level alphabet only matters when reading tokenizer.json.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/tokenizer/token_table.h"

namespace q3c {

struct BpeMerge {
  int32_t left, right, result;
};

class BpeModel {
 public:
  BpeModel() = default;
  // tokens[id] = the token's bytes; merges[rank] = the pair merged at that rank and its result.
  // Throws q3c::Error (prefixed by `origin`) when an id is out of range or a byte has no token.
  BpeModel(TokenTable tokens, const std::vector<BpeMerge>& merges, const std::string& origin);

  size_t vocabSize() const { return tokens_.size(); }
  size_t mergeCount() const { return mergeCount_; }
  std::string_view tokenBytes(int32_t id) const { return tokens_[static_cast<size_t>(id)]; }
  const TokenTable& tokens() const { return tokens_; }

  // Appends the ids of one piece (non-empty bytes).
  void encode(std::string_view piece, std::vector<int32_t>& out) const;

  // The merges by rank (for the binary cache).
  std::vector<BpeMerge> merges() const;

  // The two merge strategies encode() picks between by piece length; public so tests can check
  // that they agree.
  void encodeByScan(std::string_view piece, std::vector<int32_t>& out) const;  // up to kShortPiece bytes
  void encodeByHeap(std::string_view piece, std::vector<int32_t>& out) const;
  static constexpr size_t kShortPiece = 48;

 private:
  struct MergeSlot {
    uint64_t key = UINT64_MAX;  // (left << 32) | right; UINT64_MAX = empty
    uint32_t rank = 0;
    int32_t result = 0;
  };
  const MergeSlot* findMerge(int32_t left, int32_t right) const;

  TokenTable tokens_;
  std::array<int32_t, 256> byteToken_{};
  std::vector<MergeSlot> mergeTable_;
  size_t mergeCount_ = 0;
};

}  // namespace q3c
