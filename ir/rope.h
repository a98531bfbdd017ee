// What the `rope` op computes: its attributes and inverse frequencies, defined once here so the
// frontend that writes the attributes and every backend that reads them agree.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace q3c::ir {

struct RopeParams {
  double theta = 10000.0;
  std::string scaling = "default";  // "default", "linear" or "yarn"
  double factor = 1.0;
  int64_t originalMaxPosition = 0;  // yarn only
  double betaFast = 32.0, betaSlow = 1.0;  // yarn only
  double attentionFactor = 1.0;  // multiplies cos and sin (yarn's mscale)
  bool truncate = true;  // yarn: round the correction range to whole dims

  std::map<std::string, Attr> toAttrs() const;
  static RopeParams fromNode(const Node& n);
};

// Inverse frequencies, headDim/2 of them, rounded through float32 exactly as transformers
// computes them, so positions past 1000 still agree to 1e-4.
std::vector<float> ropeInvFreq(const RopeParams& p, int64_t headDim);

// Rotates x[heads, headDim] in place for one position (rotate-half convention).
void applyRope(float* x, int64_t heads, int64_t headDim, int64_t position, const float* invFreq,
               float attentionFactor);

}  // namespace q3c::ir
