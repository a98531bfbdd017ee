// The numbers that define a dense Qwen3 model, read from config.json in either layout:
// legacy (`rope_theta` + `rope_scaling`, `torch_dtype`) or transformers 5 (`rope_parameters`).
#pragma once
#include <cstdint>
#include <string>

#include "ir/rope.h"

namespace q3c {

struct ModelConfig {
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKvHeads = 0;
  int64_t headDim = 0;
  int64_t maxPositionEmbeddings = 0;
  double rmsNormEps = 1e-6;
  bool tieWordEmbeddings = false;
  ir::RopeParams rope;
  std::string torchDtype;  // as the file says ("bfloat16"), informational

  // Reads and validates DIR/config.json (or a config.json path). Throws q3c::Error.
  static ModelConfig load(const std::string& dirOrFile);
  // Validates a parsed config; `origin` names the file in messages.
  static ModelConfig fromJsonText(const std::string& text, const std::string& origin);
};

}  // namespace q3c
