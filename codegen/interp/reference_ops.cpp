#include "codegen/interp/reference_ops.h"

#include "frontend/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace q3c::ref {

namespace {

float bf16ToF32(uint16_t h) {
  uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

float f16ToF32(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  uint32_t u;
  if (exp == 0x1f) u = sign | 0x7f800000u | (mant << 13);  // inf / nan
  else if (exp != 0) u = sign | ((exp + 112) << 23) | (mant << 13);
  else if (mant == 0) u = sign;
  else {  // subnormal: normalize
    int e = -1;
    do { mant <<= 1; ++e; } while (!(mant & 0x400));
    u = sign | static_cast<uint32_t>(112 - e) << 23 | ((mant & 0x3ff) << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// A dot product with 16 independent partial sums, so the compiler vectorizes it.
float dot(const float* a, const float* b, int64_t n) {
  float acc[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
  for (; i < n; ++i) acc[i & 15] += a[i] * b[i];
  float s = 0;
  for (float x : acc) s += x;
  return s;
}

}  // namespace

void widen(const uint8_t* src, ir::DType dtype, int64_t n, float* dst) {
  switch (dtype) {
    case ir::DType::F32:
      std::memcpy(dst, src, static_cast<size_t>(n) * 4);
      return;
    case ir::DType::BF16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = bf16ToF32(h);
      }
      return;
    case ir::DType::F16:
      for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, 2);
        dst[i] = f16ToF32(h);
      }
      return;
    case ir::DType::I32:
    case ir::DType::Q8:
    case ir::DType::Q4:
      break;
  }
  std::abort();  // quantized rows go through WeightRows; the verifier admits no i32 weight
}

int64_t WeightRows::rowBytes(int64_t K) const {
  return ir::rowBytes(dtype, quant, K);
}

void WeightRows::widenRows(int64_t first, int64_t rows, int64_t K, float* dst) const {
  const uint8_t* src = data + first * rowBytes(K);
  if (ir::isQuantized(dtype)) dequantizeRows(src, rows, K, quant, dst);
  else widen(src, dtype, rows * K, dst);
}

void embed(const WeightRows& table, int64_t hidden, const int32_t* ids, int64_t T, float* out) {
  for (int64_t t = 0; t < T; ++t) table.widenRows(ids[t], 1, hidden, out + t * hidden);
}

void rmsNorm(const float* x, const float* w, int64_t rows, int64_t n, float eps, float* out) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * n;
    float ss = dot(xr, xr, n);
    float inv = 1.0f / std::sqrt(ss / static_cast<float>(n) + eps);
    for (int64_t i = 0; i < n; ++i) out[r * n + i] = w ? w[i] * (xr[i] * inv) : xr[i] * inv;
  }
}

void normalize(const float* x, int64_t rows, int64_t n, float eps, float* out) { rmsNorm(x, nullptr, rows, n, eps, out); }

void matmul(const float* x, int64_t M, int64_t K, const WeightRows& w, int64_t N, float* out) {
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    w.widenRows(n, 1, K, row.data());  // each weight row read once for all M rows
    for (int64_t m = 0; m < M; ++m) out[m * N + n] = dot(x + m * K, row.data(), K);
  }
}

void attention(const float* q, const float* k, const float* v, int64_t T, int64_t C, int64_t H, int64_t KV,
               int64_t D, float scale, float* out) {
  const int64_t group = H / KV;
  std::vector<float> p(static_cast<size_t>(C));
  for (int64_t t = 0; t < T; ++t) {
    const int64_t visible = C - T + t + 1;
    for (int64_t h = 0; h < H; ++h) {
      const float* qv = q + (t * H + h) * D;
      const int64_t kvh = h / group;
      float maxScore = -INFINITY;
      for (int64_t c = 0; c < visible; ++c) {
        p[c] = dot(qv, k + (c * KV + kvh) * D, D) * scale;
        maxScore = std::max(maxScore, p[c]);
      }
      float sum = 0;
      for (int64_t c = 0; c < visible; ++c) sum += (p[c] = std::exp(p[c] - maxScore));
      float* o = out + (t * H + h) * D;
      std::fill(o, o + D, 0.0f);
      for (int64_t c = 0; c < visible; ++c) {
        const float* vv = v + (c * KV + kvh) * D;
        const float weight = p[c] / sum;
        for (int64_t d = 0; d < D; ++d) o[d] += weight * vv[d];
      }
    }
  }
}

void flashAttention(const float* q, const float* k, const float* v, int64_t T, int64_t C, int64_t H, int64_t KV,
                    int64_t D, float scale, int64_t block, int64_t splits, float* out) {
  const int64_t group = H / KV;
  std::vector<float> acc(static_cast<size_t>(splits * D)), partMax(static_cast<size_t>(splits)),
      partSum(static_cast<size_t>(splits)), scores(static_cast<size_t>(block));
  for (int64_t t = 0; t < T; ++t) {
    const int64_t visible = C - T + t + 1;
    const int64_t perSplit = (visible + splits - 1) / splits;
    for (int64_t h = 0; h < H; ++h) {
      const float* qv = q + (t * H + h) * D;
      const int64_t kvh = h / group;
      for (int64_t s = 0; s < splits; ++s) {
        float m = -INFINITY, l = 0;
        float* a = acc.data() + s * D;
        std::fill(a, a + D, 0.0f);
        const int64_t end = std::min(visible, (s + 1) * perSplit);
        for (int64_t b = s * perSplit; b < end; b += block) {
          const int64_t bend = std::min(end, b + block);
          float blockMax = -INFINITY;
          for (int64_t c = b; c < bend; ++c)
            blockMax = std::max(blockMax, scores[c - b] = dot(qv, k + (c * KV + kvh) * D, D) * scale);
          const float newMax = std::max(m, blockMax);
          const float rescale = std::exp(m - newMax);  // 0 on the first block (m = -inf)
          l *= rescale;
          for (int64_t d = 0; d < D; ++d) a[d] *= rescale;
          for (int64_t c = b; c < bend; ++c) {
            const float p = std::exp(scores[c - b] - newMax);
            l += p;
            const float* vv = v + (c * KV + kvh) * D;
            for (int64_t d = 0; d < D; ++d) a[d] += p * vv[d];
          }
          m = newMax;
        }
        partMax[s] = m;
        partSum[s] = l;
      }
      // Merge the splits: rescale each to the global max.
      float m = -INFINITY;
      for (int64_t s = 0; s < splits; ++s) m = std::max(m, partMax[s]);
      float l = 0;
      float* o = out + (t * H + h) * D;
      std::fill(o, o + D, 0.0f);
      for (int64_t s = 0; s < splits; ++s) {
        if (partSum[s] == 0) continue;  // an empty split
        const float f = std::exp(partMax[s] - m);
        l += partSum[s] * f;
        for (int64_t d = 0; d < D; ++d) o[d] += acc[s * D + d] * f;
      }
      for (int64_t d = 0; d < D; ++d) o[d] /= l;
    }
  }
}

void silu(const float* x, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = x[i] / (1.0f + std::exp(-x[i]));
}

void mul(const float* a, const float* b, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] * b[i];
}

void add(const float* a, const float* b, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
}

}  // namespace q3c::ref
