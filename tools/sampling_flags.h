// The sampling flags of `run` and `chat`, turned into SamplerOptions: generation_config.json
// (or the model card's settings per mode) first, then each flag the user gave.
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "runtime/sampler.h"

namespace q3c::tools {

struct SamplingFlags {
  std::string preset = "config";
  float temperature = 0, topP = 0, minP = 0, repeatPenalty = 1, presencePenalty = 0;
  int64_t topK = 0;
  uint64_t seed = 0;
  bool greedy = false;

  void addOptions(CLI::App& cmd);
  // The options for one answer; `thinking` picks the model card's mode for --sampling card.
  // Without --seed the seed is drawn once per process, so answers differ from run to run.
  SamplerOptions resolve(const std::string& modelDir, bool thinking) const;

 private:
  CLI::Option *temperatureOpt_ = nullptr, *topKOpt_ = nullptr, *topPOpt_ = nullptr, *minPOpt_ = nullptr,
              *repeatOpt_ = nullptr, *presenceOpt_ = nullptr, *seedOpt_ = nullptr;
};

// Whether the model is asked to think: not with --no-think (enable_thinking=false); otherwise the
// last `/think` or `/no_think` in the user's messages decides, as Qwen3's soft switch does.
bool thinkingRequested(const nlohmann::ordered_json& messages, bool enableThinking);

}  // namespace q3c::tools
