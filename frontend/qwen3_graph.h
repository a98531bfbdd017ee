// Builds the unfused Qwen3 network as an ir::Graph from its config, checking that every weight
// it references is in the store with the right shape.
#pragma once
#include "frontend/model_config.h"
#include "frontend/weight_store.h"
#include "ir/graph.h"

namespace q3c {

// Values the tests and tools look up by name:
//   %ids        i32[T]      graph input
//   %hidden.0   f32[T,H]    embedding output
//   %hidden.i   f32[T,H]    output of layer i (residual stream), i = 1..L-1
//   %hidden.L   f32[T,H]    final RMSNorm of the last layer's output
//   %logits     f32[T,V]    graph output
ir::Graph buildQwen3Graph(const ModelConfig& cfg, const WeightStore& weights);

}  // namespace q3c
