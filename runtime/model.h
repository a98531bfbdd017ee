// A loaded model: its config, its mapped weights and the Qwen3 graph built from them.
#pragma once
#include <string>
#include <vector>

#include "frontend/model_config.h"
#include "frontend/weight_store.h"
#include "ir/graph.h"

namespace q3c {

struct Model {
  ModelConfig config;
  WeightStore weights;
  ir::Graph graph;
  std::vector<int32_t> eosIds;  // from generation_config.json, else config.json (GGUF: its metadata)

  // Loads DIR: config.json, safetensors (single or sharded), generation_config.json if present;
  // or a .gguf file (config, weights and eos ids from its metadata, see docs/gguf.md).
  static Model load(const std::string& dir);
};

}  // namespace q3c
