#include "ir/rope.h"

#include <algorithm>
#include <cmath>

namespace q3c::ir {

std::map<std::string, Attr> RopeParams::toAttrs() const {
  return {{"theta", theta},
          {"scaling", scaling},
          {"factor", factor},
          {"original_max_position", originalMaxPosition},
          {"beta_fast", betaFast},
          {"beta_slow", betaSlow},
          {"attention_factor", attentionFactor},
          {"truncate", int64_t(truncate ? 1 : 0)}};
}

RopeParams RopeParams::fromNode(const Node& n) {
  RopeParams p;
  p.theta = n.attrFloat("theta");
  p.scaling = n.attrString("scaling");
  p.factor = n.attrFloat("factor");
  p.originalMaxPosition = n.attrInt("original_max_position");
  p.betaFast = n.attrFloat("beta_fast");
  p.betaSlow = n.attrFloat("beta_slow");
  p.attentionFactor = n.attrFloat("attention_factor");
  p.truncate = n.attrInt("truncate") != 0;
  return p;
}

std::vector<float> ropeInvFreq(const RopeParams& p, int64_t headDim) {
  const int64_t half = headDim / 2;
  const float base = static_cast<float>(p.theta);
  std::vector<float> posFreq(half), inv(half);
  for (int64_t i = 0; i < half; ++i) {
    // torch: base ** (arange(0, dim, 2).float() / dim), all in float32
    float exponent = static_cast<float>(2 * i) / static_cast<float>(headDim);
    posFreq[i] = std::pow(base, exponent);
    inv[i] = 1.0f / posFreq[i];
  }
  if (p.scaling == "default") return inv;
  if (p.scaling == "linear") {
    for (float& f : inv) f /= static_cast<float>(p.factor);
    return inv;
  }
  if (p.scaling != "yarn") throw IrError("rope: unknown scaling '" + p.scaling + "'");

  // YaRN: extrapolate the fast-rotating dims, interpolate the slow ones, ramp in between.
  const double dim = static_cast<double>(headDim);
  auto correctionDim = [&](double rotations) {
    return dim * std::log(static_cast<double>(p.originalMaxPosition) / (rotations * 2 * M_PI)) /
           (2 * std::log(p.theta));
  };
  double low = correctionDim(p.betaFast), high = correctionDim(p.betaSlow);
  if (p.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, dim - 1);
  if (low == high) high += 0.001;  // avoid a zero-width ramp
  const float lowF = static_cast<float>(low), spanF = static_cast<float>(high - low);
  const float factor = static_cast<float>(p.factor);
  for (int64_t i = 0; i < half; ++i) {
    float ramp = std::clamp((static_cast<float>(i) - lowF) / spanF, 0.0f, 1.0f);
    float extrapolationWeight = 1.0f - ramp;
    float interpolated = 1.0f / (factor * posFreq[i]);
    inv[i] = interpolated * (1.0f - extrapolationWeight) + inv[i] * extrapolationWeight;
  }
  return inv;
}

void applyRope(float* x, int64_t heads, int64_t headDim, int64_t position, const float* invFreq,
               float attentionFactor) {
  const int64_t half = headDim / 2;
  for (int64_t i = 0; i < half; ++i) {
    float angle = invFreq[i] * static_cast<float>(position);  // float32 product, as torch
    float c = static_cast<float>(std::cos(static_cast<double>(angle))) * attentionFactor;
    float s = static_cast<float>(std::sin(static_cast<double>(angle))) * attentionFactor;
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + h * headDim;
      float a = v[i], b = v[i + half];
      v[i] = a * c - b * s;
      v[i + half] = b * c + a * s;
    }
  }
}

}  // namespace q3c::ir
