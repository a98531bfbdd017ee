// The generation loop shared by `q3c run` and `q3c chat`: prefill the prompt, then sample one
// token at a time with the KV cache until an end-of-sequence id, a token limit, a full context
// or a stop request. It remembers which tokens the session's KV cache holds, so the next prompt
// of a conversation only pays for what it adds.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/sampler.h"
#include "runtime/session.h"

namespace q3c {

enum class StopReason { Eos, MaxTokens, ContextFull, Interrupted };
const char* describe(StopReason r);  // "end of sequence", "token limit", "context full", "interrupted"

struct GenerationStats {
  int64_t promptTokens = 0;  // prompt tokens run through the model (the rest came from the cache)
  int64_t cachedTokens = 0;  // prompt tokens whose keys and values were reused
  int64_t newTokens = 0;     // tokens chosen
  double prefillSeconds = 0;  // prompt through the model, up to the first token chosen
  double decodeSeconds = 0;   // every later token

  double prefillTokensPerSecond() const;
  double decodeTokensPerSecond() const;  // tokens after the first, over decodeSeconds
  // e.g. "prefill 25 tokens in 0.031 s (806.5 tok/s) | decode 99 tokens in 1.20 s (82.5 tok/s)"
  std::string describe() const;
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // chosen tokens, a final end-of-sequence id included
  StopReason stop = StopReason::MaxTokens;
  GenerationStats stats;
};

struct GenerationOptions {
  int64_t maxNew = 256;
  std::vector<int32_t> eosIds;                // stop after choosing one of these
  const std::atomic<bool>* stop = nullptr;    // checked before each token (e.g. set by SIGINT)
  std::function<void(int32_t)> onToken;       // each chosen token, as soon as it is chosen
};

class Generator {
 public:
  // `contextLength`: the session's KV cache capacity (positions).
  Generator(Session& session, int64_t contextLength);

  // Generates an answer to `prompt` (the whole token sequence, e.g. the rendered conversation).
  // The positions the prompt shares with what the cache holds are kept; only the rest is run.
  // Throws q3c::Error when the prompt does not fit the context.
  GenerationResult generate(const std::vector<int32_t>& prompt, Sampler& sampler, const GenerationOptions& options);

  // Forgets the cache (the next prompt is run whole).
  void reset();
  // The tokens whose keys and values the session holds, in order.
  const std::vector<int32_t>& cachedTokens() const { return cached_; }
  int64_t contextLength() const { return capacity_; }

 private:
  Session& session_;
  int64_t capacity_;
  std::vector<int32_t> cached_;
  std::vector<int32_t> one_;  // the single token of a decode step, reused to avoid allocating
};

// How many leading tokens `a` and `b` share.
size_t commonPrefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

}  // namespace q3c
