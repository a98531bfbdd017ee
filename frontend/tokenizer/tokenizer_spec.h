// Everything a Tokenizer is built from, as read from tokenizer.json or from its binary cache.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/tokenizer/added_tokens.h"
#include "frontend/tokenizer/bpe.h"
#include "frontend/tokenizer/normalizer.h"
#include "frontend/tokenizer/pretokenizer.h"
#include "frontend/tokenizer/token_table.h"

namespace q3c {

struct TokenizerSpec {
  std::vector<NormalForm> normalizer;
  std::vector<PretokenizerStep> pretokenizer;
  TokenTable vocab;                // id → token bytes (raw, not byte-level characters)
  std::vector<BpeMerge> merges;    // by rank
  std::vector<AddedToken> addedTokens;
};

// Parses the text of a tokenizer.json. Throws q3c::Error naming `origin` and what is wrong or
// unsupported (only what Qwen-family tokenizers use is supported: NFC-style normalizers, Split
// and ByteLevel pre-tokenizers, a byte-level BPE model, the ByteLevel decoder).
TokenizerSpec parseTokenizerJson(std::string_view text, const std::string& origin);

}  // namespace q3c
