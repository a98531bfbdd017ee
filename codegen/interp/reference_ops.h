// The reference math of each op, plain fp32 loops written for clarity. The interpreter runs
// them node by node; fast backends are tested against them.
#pragma once
#include <cstdint>

#include "ir/quant.h"
#include "ir/types.h"

namespace q3c::ref {

// Widens n elements of a weight (f32, bf16 or f16; possibly unaligned) to f32.
void widen(const uint8_t* src, ir::DType dtype, int64_t n, float* dst);

// How the rows of a weight are stored: a float dtype, or quantized in `quant`'s format.
struct WeightRows {
  const uint8_t* data;
  ir::DType dtype;
  ir::QuantFormat quant;  // for q8/q4
  int64_t rowBytes(int64_t K) const;
  void widenRows(int64_t first, int64_t rows, int64_t K, float* dst) const;  // rows [first, first+rows) to f32
};

// out[t, :] = table[ids[t], :]
void embed(const WeightRows& table, int64_t hidden, const int32_t* ids, int64_t T, float* out);

// Each of `rows` rows of length n: out = x / sqrt(mean(x^2) + eps) * w.
void rmsNorm(const float* x, const float* w, int64_t rows, int64_t n, float eps, float* out);

// out[M, N] = x[M, K] * W[N, K]^T, W in any weight dtype (quantized ones dequantized row by row).
void matmul(const float* x, int64_t M, int64_t K, const WeightRows& w, int64_t N, float* out);

// Causal grouped-query attention. q[T, H, D]; k, v[C, KV, D]; query t sits at position C-T+t
// and sees keys 0..C-T+t. out[T, H, D].
void attention(const float* q, const float* k, const float* v, int64_t T, int64_t C, int64_t H, int64_t KV,
               int64_t D, float scale, float* out);

// The same result computed flash-style: keys in blocks of `block` with a running max and sum
// (online softmax), the context split into `splits` parts whose partial results are merged.
void flashAttention(const float* q, const float* k, const float* v, int64_t T, int64_t C, int64_t H, int64_t KV,
                    int64_t D, float scale, int64_t block, int64_t splits, float* out);

// RMSNorm without a weight: out = x / sqrt(mean(x^2) + eps), row by row.
void normalize(const float* x, int64_t rows, int64_t n, float eps, float* out);

void silu(const float* x, int64_t n, float* out);
void mul(const float* a, const float* b, int64_t n, float* out);
void add(const float* a, const float* b, int64_t n, float* out);

}  // namespace q3c::ref
