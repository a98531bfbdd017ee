#include "tools/sampling_flags.h"

#include <random>

#include "frontend/error.h"
#include "tools/commands.h"

namespace q3c::tools {

void SamplingFlags::addOptions(CLI::App& cmd) {
  cmd.add_option("--sampling", preset,
                 "where the defaults come from: config (the model's generation_config.json), card (the model card's "
                 "settings for the mode: thinking T 0.6, top-p 0.95, top-k 20; --no-think T 0.7, top-p 0.8, top-k 20), "
                 "thinking, non-thinking")
      ->check(CLI::IsMember({"config", "card", "thinking", "non-thinking"}))
      ->capture_default_str();
  temperatureOpt_ = cmd.add_option("--temp,--temperature", temperature, "temperature (0: greedy)")->check(nonNegativeNumber());
  topKOpt_ = cmd.add_option("--top-k", topK, "keep the K most likely tokens (0: off)")->check(nonNegativeInteger());
  topPOpt_ = cmd.add_option("--top-p", topP, "keep the most likely tokens up to this probability mass (1: off)")
                 ->check(CLI::Range(0.0, 1.0));
  minPOpt_ = cmd.add_option("--min-p", minP, "drop tokens less likely than this times the most likely one (0: off)")
                 ->check(CLI::Range(0.0, 1.0));
  repeatOpt_ = cmd.add_option("--repeat-penalty", repeatPenalty,
                              "divide positive / multiply negative logits of tokens already seen (1: off)")
                   ->check(positiveNumber());
  presenceOpt_ = cmd.add_option("--presence-penalty", presencePenalty,
                                "subtract this from tokens already in the answer (0: off; Qwen suggests 0 to 2)");
  seedOpt_ = cmd.add_option("--seed", seed, "random seed (default: a new one each run, printed on stderr)");
  cmd.add_flag("--greedy", greedy, "always the most likely token")->excludes(temperatureOpt_);
}

SamplerOptions SamplingFlags::resolve(const std::string& modelDir, bool thinking) const {
  SamplerOptions o = SamplerOptions::fromGenerationConfig(modelDir);
  if (preset == "card") o.applyModelCard(thinking);
  else if (preset == "thinking") o.applyModelCard(true);
  else if (preset == "non-thinking") o.applyModelCard(false);
  else if (preset != "config") throw Error("unknown --sampling '" + preset + "'");

  // A sampling parameter given on the command line asks for sampling.
  if (temperatureOpt_->count()) o.temperature = temperature;
  if (topKOpt_->count()) o.topK = topK;
  if (topPOpt_->count()) o.topP = topP;
  if (minPOpt_->count()) o.minP = minP;
  if (temperatureOpt_->count() || topKOpt_->count() || topPOpt_->count() || minPOpt_->count()) o.doSample = true;
  if (repeatOpt_->count()) o.repetitionPenalty = repeatPenalty;
  if (presenceOpt_->count()) o.presencePenalty = presencePenalty;
  if (greedy) o.doSample = false;

  static const uint64_t processSeed = std::random_device{}() * 0x100000001ull ^ std::random_device{}();
  o.seed = seedOpt_->count() ? seed : processSeed;
  o.validate();
  return o;
}

bool thinkingRequested(const nlohmann::ordered_json& messages, bool enableThinking) {
  if (!enableThinking) return false;
  bool thinking = true;
  for (const auto& m : messages) {
    if (!m.is_object() || m.value("role", "") != "user" || !m.contains("content") || !m["content"].is_string()) continue;
    const std::string& text = m["content"].get_ref<const std::string&>();
    size_t on = text.rfind("/think"), off = text.rfind("/no_think");
    if (on != std::string::npos || off != std::string::npos)
      thinking = off == std::string::npos || (on != std::string::npos && on > off);
  }
  return thinking;
}

}  // namespace q3c::tools
