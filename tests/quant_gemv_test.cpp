// Decode's quantized GEMV on the integer dot (vpdpbusd, or AVX2's vpmaddubsw) against an exact
// emulation of what it computes: the activation row rounded per weight group to int8 codes
// (scale max|x| / 127, round to nearest even: quant_dot.cpp), times the dequantized weights.
// The model-level tests hold the integer dot only to the bf16 bound (2e-2 of max |logit|),
// which a wrong group scale or correction could pass; here the only difference left is the
// order of f32 sums, so a bound of 1e-5 of max |y| catches any of those.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>

#include "codegen/backend.h"
#include "frontend/quantize.h"
#include "frontend/safetensors.h"
#include "frontend/weight_store.h"
#include "ir/graph.h"
#include "ir/types.h"
#include "runtime/kv_cache.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

using ir::QuantFormat;
using ir::QuantScheme;

struct Case {
  QuantScheme scheme;
  int64_t group, K, N;
  bool swiglu;
};

// x rounded as the integer dot rounds it: per group, codes rint(x * 127 / max|x|) times
// max|x| / 127, in f32 as the kernel computes them (from x rounded to bf16 first where the
// activations are bf16).
std::vector<float> roundedAsTheIntDotDoes(std::vector<float> x, int64_t group, ir::DType activations) {
  if (activations == ir::DType::BF16)
    for (float& v : x) v = ir::floatFromBf16(ir::bf16FromFloat(v));
  std::vector<float> out(x.size());
  for (size_t g = 0; g < x.size(); g += static_cast<size_t>(group)) {
    float m = 0;
    for (size_t k = g; k < g + static_cast<size_t>(group); ++k) m = std::max(m, std::fabs(x[k]));
    const float scale = m / 127.0f, inv = m > 0 ? 127.0f / m : 0.0f;
    for (size_t k = g; k < g + static_cast<size_t>(group); ++k) out[k] = std::nearbyint(x[k] * inv) * scale;
  }
  return out;
}

// y = x . w^T in double (w dequantized), then SiLU(gate) * up where the product is SwiGLU's.
std::vector<float> reference(const std::vector<float>& x, const std::vector<float>& w, const Case& c) {
  std::vector<double> p(static_cast<size_t>(c.N));
  for (int64_t n = 0; n < c.N; ++n)
    for (int64_t k = 0; k < c.K; ++k) p[n] += double(x[k]) * w[n * c.K + k];
  if (!c.swiglu) return std::vector<float>(p.begin(), p.end());
  std::vector<float> out(static_cast<size_t>(c.N / 2));
  for (int64_t n = 0; n < c.N / 2; ++n) out[n] = static_cast<float>(p[n] / (1 + std::exp(-p[n])) * p[c.N / 2 + n]);
  return out;
}

// One row through the jit's compiled product of x [T, K] and the quantized weight; `activations`
// gets what the matmuls round their input to.
std::vector<float> jitRow(const WeightStore& weights, const Case& c, const std::string& isa, const std::vector<float>& x,
                          ir::DType& activations) {
  using ir::Dim;
  ir::Graph g;
  auto in = g.addNode(ir::OpKind::Input, {}, {{"name", std::string("x")}}, {ir::DType::F32, {Dim::tokens(), Dim::of(c.K)}}, "x");
  auto w = g.addNode(ir::OpKind::Weight, {}, {{"name", std::string("w")}}, {ir::DType::BF16, {Dim::of(c.N), Dim::of(c.K)}}, "w");
  const std::map<std::string, ir::Attr> attrs = {{"quant", std::string(ir::quantSchemeName(c.scheme))}, {"group", c.group}};
  w = g.addNode(ir::OpKind::Quantize, {w}, attrs, {ir::quantDType(c.scheme), {Dim::of(c.N), Dim::of(c.K)}}, "wq");
  const int64_t cols = c.swiglu ? c.N / 2 : c.N;
  g.addOutput(g.addNode(c.swiglu ? ir::OpKind::MatMulSwiglu : ir::OpKind::MatMul, {in, w}, {},
                        {ir::DType::F32, {Dim::tokens(), Dim::of(cols)}}, "y"));
  BackendOptions opt;
  opt.isa = isa;
  opt.precision = "auto";  // f32 activations into the integer dot (bf16 ones where the CPU has the bf16 dot)
  auto exe = createBackend("jit", opt)->compile(g, weights);
  activations = exe->activationPrecision();
  KvCache kv(1, 1, 1, 1);  // unused by a matmul, but run() checks the context fits
  const float* y = exe->run(reinterpret_cast<const int32_t*>(x.data()), 1, kv);  // the graph's input is x
  return std::vector<float>(y, y + cols);
}

TEST(QuantizedGemv, TheIntegerDotIsExactUpToTheActivationRounding) {
  // Groups of 32 (two per 64-k chunk), 64 and 128 (one chunk, two); K a multiple of 128 and one
  // that is not (an odd number of chunks); N not a multiple of the GEMV's rows; SwiGLU's panels
  // of gate and up rows.
  const Case cases[] = {{QuantScheme::Int8, 128, 384, 37, false}, {QuantScheme::Int8, 64, 320, 37, false},
                        {QuantScheme::Int8, 32, 256, 37, false},  {QuantScheme::Int4, 32, 384, 37, false},
                        {QuantScheme::Int4, 64, 256, 37, false},  {QuantScheme::Int4, 128, 384, 37, false},
                        {QuantScheme::Int4, 32, 320, 37, false},  {QuantScheme::Int4Zp, 32, 256, 37, false},
                        {QuantScheme::Int4Zp, 128, 384, 37, false}, {QuantScheme::Int8, 128, 256, 38, true},
                        {QuantScheme::Int4, 32, 256, 38, true},   {QuantScheme::Int4Zp, 64, 384, 38, true}};
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0, 1);
  for (const Case& c : cases) {
    const std::string what = std::string(ir::quantSchemeName(c.scheme)) + "/g" + std::to_string(c.group) + " K " +
                             std::to_string(c.K) + (c.swiglu ? " swiglu" : "");
    std::vector<uint16_t> bf16(static_cast<size_t>(c.N * c.K));
    std::vector<float> w(bf16.size());
    for (size_t i = 0; i < w.size(); ++i) {
      bf16[i] = ir::bf16FromFloat(0.05f * normal(rng) + (c.scheme == QuantScheme::Int4Zp ? 0.02f : 0.0f));  // zero points matter
      w[i] = ir::floatFromBf16(bf16[i]);
    }
    test::TempDir dir;
    {
      SafetensorsWriter out(dir / "w.safetensors", {{"w", ir::DType::BF16, {c.N, c.K}}});
      out.write(bf16.data(), bf16.size() * 2);
      out.finish();
    }
    const WeightStore weights = WeightStore::open(dir / "w.safetensors");
    // The weights as quantize-at-load stores them, back in f32.
    const QuantFormat f{c.scheme, c.group};
    std::vector<uint8_t> q(static_cast<size_t>(c.N * ir::quantRowBytes(f, c.K)));
    quantizeRows(w.data(), c.N, c.K, f, q.data());
    dequantizeRows(q.data(), c.N, c.K, f, w.data());

    std::vector<float> x(static_cast<size_t>(c.K));
    for (float& v : x) v = normal(rng);
    x[5] = 9.0f;  // an outlier: its group's codes get coarse, the others must not
    const std::vector<float> unrounded = reference(x, w, c);
    for (const char* isa : {"native", "avx2"}) {
      ir::DType activations;
      const std::vector<float> got = jitRow(weights, c, isa, x, activations);
      const std::vector<float> exact = reference(roundedAsTheIntDotDoes(x, c.group, activations), w, c);
      const double err = test::relativeError(got, exact);
      EXPECT_LE(err, 1e-5) << what << " " << isa;
      // What the bound tells apart: the activation rounding alone moves y by far more.
      EXPECT_GE(test::relativeError(got, unrounded), 20 * std::max(err, 1e-6)) << what << " " << isa;
      char figure[32];
      std::snprintf(figure, sizeof figure, "%.2e", err);
      RecordProperty(what + " " + isa, figure);
    }
  }
}

}  // namespace
}  // namespace q3c
