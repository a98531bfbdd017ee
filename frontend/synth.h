// `q3c synth`: writes a complete Qwen3 model directory with deterministic random weights in the
// real layout (config.json, sharded safetensors with their index, generation_config.json).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/types.h"

namespace q3c {

struct SynthOptions {
  std::string preset = "tiny";  // tiny, qwen3-0.6b, qwen3-1.7b, qwen3-4b, qwen3-8b
  ir::DType dtype = ir::DType::BF16;
  uint64_t seed = 0;
  std::string outDir;
  // Called now and then with bytes written so far and the total.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

std::vector<std::string> synthPresets();

// Writes the model; returns the number of weight bytes written. Throws q3c::Error.
uint64_t synthesizeModel(const SynthOptions& opt);

}  // namespace q3c
