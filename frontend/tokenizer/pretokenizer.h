// The pre-tokenizer: Hugging Face's Split (behavior Isolated) run with PCRE2 (UTF + UCP + JIT),
// optionally followed by ByteLevel's own GPT-2 regex and prefix space. It cuts normalized text
// into the pieces that BPE then encodes one by one.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace q3c {

// One compiled regex. Thread-safe: matching state lives in the caller's MatchScratch.
class RegexSplitter {
 public:
  explicit RegexSplitter(const std::string& hfPattern);  // throws q3c::Error if it does not compile
  ~RegexSplitter();
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  const std::string& pattern() const { return hfPattern_; }

  // Appends the pieces of `text` (valid UTF-8): every match, and every gap between matches, in
  // order, none empty (Hugging Face's "Isolated" behavior).
  void split(std::string_view text, std::vector<std::string_view>& pieces) const {
    split(text, 0, pieces, SIZE_MAX);
  }
  // The same from byte `from` (a piece boundary), stopping after about `maxPieces` pieces; returns
  // where to go on (text.size() when done). Lets callers work through long text in cache-sized
  // batches; matching still sees the whole text, so look-arounds are unaffected.
  size_t split(std::string_view text, size_t from, std::vector<std::string_view>& pieces, size_t maxPieces) const;

 private:
  std::string hfPattern_;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The pre-tokenizer steps that Qwen-family tokenizer.json files use, applied in order.
struct PretokenizerStep {
  enum class Kind { Split, ByteLevel } kind = Kind::Split;
  std::string pattern;         // Split: the regex (Hugging Face syntax)
  bool addPrefixSpace = false; // ByteLevel
  bool useRegex = false;       // ByteLevel: split with the GPT-2 regex first
};

class Pretokenizer {
 public:
  Pretokenizer() = default;
  explicit Pretokenizer(std::vector<PretokenizerStep> steps);

  const std::vector<PretokenizerStep>& steps() const { return steps_; }

  // Cuts text into pieces, from byte `from`, about `maxPieces` at a time; returns where to go on
  // (text.size() when done). A piece is a view into `text` unless a ByteLevel step adds a prefix
  // space, in which case it points into `storage`.
  size_t split(std::string_view text, size_t from, std::vector<std::string_view>& pieces,
               std::deque<std::string>& storage, size_t maxPieces = SIZE_MAX) const;

 private:
  std::vector<PretokenizerStep> steps_;
  std::vector<std::shared_ptr<RegexSplitter>> splitters_;  // one per step that splits, else null
  bool needsStorage_ = false;
  // The one step that does anything when all others are no-ops (Qwen3: Split, then a ByteLevel
  // without regex or prefix space): then pieces stream from it in batches.
  const RegexSplitter* only_ = nullptr;
};

// GPT-2's pattern, used by ByteLevel when use_regex is true.
extern const char* const kGpt2Pattern;

}  // namespace q3c
