// `q3c synth`: writes a complete Qwen3 model directory with deterministic random weights in the
// real layout (config.json, sharded safetensors with their index, generation_config.json).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/types.h"

namespace q3c {

// The numbers a synthesized model is made of; the presets are the real models' values.
struct SynthShape {
  std::string name;
  int64_t vocab, hidden, intermediate, layers, heads, kvHeads, headDim, maxPos;
  bool tied;
  int shards;  // safetensors files, as the real checkpoint is split
  double ropeTheta = 1e6;
  std::string ropeType = "default";  // or "yarn" / "linear" with the two fields below
  double ropeFactor = 1.0;
  int64_t ropeOriginalMax = 0;
};

// tiny, qwen3-0.6b, qwen3-1.7b, qwen3-4b, qwen3-8b; throws q3c::Error for another name.
SynthShape synthPreset(const std::string& name);

struct SynthOptions {
  SynthShape shape = synthPreset("tiny");
  ir::DType dtype = ir::DType::BF16;
  uint64_t seed = 0;
  std::string outDir;
  // A folder to copy tokenizer.json, tokenizer_config.json and generation_config.json from (those
  // present; its generation_config.json replaces the synthesized one), so the model is complete.
  std::string tokenizerDir;
  // Called now and then with bytes written so far and the total.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

std::vector<std::string> synthPresets();

// Writes the model; returns the number of weight bytes written. Throws q3c::Error.
uint64_t synthesizeModel(const SynthOptions& opt);

}  // namespace q3c
