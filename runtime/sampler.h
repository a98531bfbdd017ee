// Chooses the next token from a row of logits: greedy, or a draw after the Hugging Face logits
// processors in their order (repetition and presence penalties, temperature, top-k, top-p,
// min-p). Buffers are allocated once; sampling a token allocates nothing.
#pragma once
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace q3c {

struct SamplerOptions {
  bool doSample = false;           // false: greedy (argmax after the penalties), as in transformers
  float temperature = 1.0f;        // <= 0 means greedy too
  int64_t topK = 0;                // 0: off
  float topP = 1.0f;               // 1: off
  float minP = 0.0f;               // 0: off
  float repetitionPenalty = 1.0f;  // 1: off; > 1 discourages tokens of the prompt and the answer
  float presencePenalty = 0.0f;    // 0: off; subtracted once from tokens already generated
  uint64_t seed = 0;

  bool greedy() const { return !doSample || temperature <= 0.0f; }

  // transformers' GenerationConfig defaults overridden by DIR/generation_config.json when present
  // (do_sample, temperature, top_k, top_p, min_p, repetition_penalty); a .gguf path has none and
  // keeps the defaults. Throws q3c::Error for a file that is not JSON or a value of the wrong type.
  static SamplerOptions fromGenerationConfig(const std::filesystem::path& modelDir);

  // The model card's recommended settings (Qwen3): thinking T 0.6, top-p 0.95, top-k 20, min-p 0;
  // non-thinking T 0.7, top-p 0.8, top-k 20, min-p 0. Penalties and seed are kept.
  void applyModelCard(bool thinking);

  // Throws q3c::Error naming the first value out of range.
  void validate() const;
  // One line, e.g. "sampling: T 0.6, top-k 20, top-p 0.95, seed 7" or "sampling: greedy".
  std::string describe() const;
};

class Sampler {
 public:
  // `vocab`: the width of a logits row. Only ids below `tokenCount` (the tokenizer's vocabulary;
  // models pad the embedding beyond it) are ever chosen; 0 means all of them.
  Sampler(int64_t vocab, const SamplerOptions& options, int64_t tokenCount = 0);

  // Starts a new answer: `context` (the prompt) counts for the repetition penalty; the presence
  // penalty only sees the tokens chosen from now on. Re-seeds nothing: draws continue the stream.
  void begin(std::span<const int32_t> context);
  // Chooses a token from one row of `vocab` logits and records it for the penalties.
  int32_t sample(const float* logits);
  // Records a token chosen elsewhere as part of the answer.
  void accept(int32_t id);

  const SamplerOptions& options() const { return opt_; }
  int64_t vocab() const { return vocab_; }

 private:
  void applyPenalties();
  int32_t argmax(const float* row) const;  // over the ids that can be chosen
  int32_t draw(const float* row);
  void selectTopK(const float* row, int64_t k);  // candidates_[0, k): the k largest, descending
  // Sorts candidates by logit, descending, until the first `count` are in order.
  void sortPrefix(int64_t count, int64_t& sorted);
  double uniform();  // in [0, 1), the same on every platform for a seed

  SamplerOptions opt_;
  int64_t vocab_, tokenCount_;
  std::mt19937_64 rng_;
  std::vector<float> logits_;        // the working copy of one row
  std::vector<int32_t> candidates_;  // ids still in the running: the first activeCount_
  int64_t activeCount_ = 0;
  std::vector<uint8_t> inContext_, generated_;
  std::vector<int32_t> seen_;  // ids with a flag set, to apply and clear them without a scan
};

}  // namespace q3c
