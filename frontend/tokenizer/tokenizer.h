// Qwen3's tokenizer, read from a Hugging Face tokenizer.json: added tokens first, then NFC, the
// Split pre-tokenizer regex (PCRE2), byte-level BPE by merge rank; decoding through the
// ByteLevel decoder. encode() parses special tokens in the text and adds no BOS/EOS, like
// `tokenizer(text, add_special_tokens=False)` in transformers.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "frontend/tokenizer/added_tokens.h"
#include "frontend/tokenizer/bpe.h"
#include "frontend/tokenizer/normalizer.h"
#include "frontend/tokenizer/pretokenizer.h"
#include "frontend/tokenizer/tokenizer_spec.h"

namespace q3c {

struct TokenizerLoadOptions {
  bool useCache = true;  // read / write the binary form beside tokenizer.json
};

// How the last load went, for start-up measurements and the CLI's --verbose.
struct TokenizerLoadInfo {
  std::filesystem::path jsonPath, cachePath;
  bool fromCache = false;     // the binary form was read
  bool cacheWritten = false;  // the binary form was (re)written
  double seconds = 0;         // total load time
};

class WordCache;

class Tokenizer {
 public:
  // DIR/tokenizer.json, or the file given. Throws q3c::Error naming the file on any problem.
  static Tokenizer load(const std::filesystem::path& dirOrFile, const TokenizerLoadOptions& options = {});
  // From the text of a tokenizer.json; `origin` names it in errors.
  static Tokenizer fromJson(std::string_view json, const std::string& origin);

  Tokenizer(TokenizerSpec spec, std::string origin);
  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Thread-safe. Throws q3c::Error when text is not valid UTF-8.
  std::vector<int32_t> encode(std::string_view text) const;
  void encode(std::string_view text, std::vector<int32_t>& out) const;

  // Text of the ids; byte sequences that are not valid UTF-8 become U+FFFD as in Hugging Face.
  // Throws q3c::Error for an id outside the vocabulary.
  std::string decode(std::span<const int32_t> ids, bool skipSpecialTokens = false) const;
  // The raw bytes of one token as the decoder sees them (what a stream decoder accumulates).
  std::string_view tokenBytes(int32_t id) const;

  size_t vocabSize() const { return idKind_.size(); }
  bool isSpecial(int32_t id) const;
  bool isAdded(int32_t id) const;
  // The id of an added token's content, or of a vocabulary token with exactly these bytes.
  std::optional<int32_t> tokenId(std::string_view content) const;
  const std::vector<AddedToken>& addedTokens() const { return added_; }
  const BpeModel& model() const { return bpe_; }
  const TokenizerLoadInfo& loadInfo() const { return loadInfo_; }
  const std::string& origin() const { return origin_; }

 private:
  void encodeText(std::string_view text, std::vector<int32_t>& out, std::vector<std::string_view>& pieces) const;
  void encodePieces(std::string_view normalized, std::vector<int32_t>& out, std::vector<std::string_view>& pieces) const;
  void checkId(int32_t id) const;

  std::string origin_;
  Normalizer normalizer_;
  Pretokenizer pretokenizer_;
  BpeModel bpe_;
  std::vector<AddedToken> added_;
  AddedTokenMatcher rawAdded_, normalizedAdded_;
  std::vector<uint8_t> idKind_;             // 0 vocab, 1 added, 2 added special
  std::unordered_map<int32_t, std::string> addedBytes_;  // what added tokens decode to
  std::unique_ptr<std::mutex> cacheMutex_;
  std::unique_ptr<WordCache> cache_;
  TokenizerLoadInfo loadInfo_;
};

}  // namespace q3c
