#include "frontend/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace q3c {

namespace {

// Groups are multiples of 16 elements (checkQuantFormat). The min/max pass keeps 16 independent
// lanes, four vectors of four (SSE2's width, so no lowering to scalars), folded at the end: GCC
// does not vectorize a float min reduction without -ffast-math. The code passes are plain loops
// GCC vectorizes. The results match the scalar loops (nearbyint, std::min/max) bit for bit.
typedef float V4 __attribute__((vector_size(16)));

V4 vmin(V4 a, V4 b) { return a < b ? a : b; }
V4 vmax(V4 a, V4 b) { return a > b ? a : b; }

// round-half-to-even of |x| < 2^22 (what nearbyint does in the default rounding mode): adding
// 1.5 * 2^23 leaves no fraction bits, so the addition itself rounds; vectorizes, unlike nearbyint.
inline float roundEven(float x) {
  constexpr float kMagic = 12582912.0f;
  return (x + kMagic) - kMagic;
}

// Clamps a rounded code to [lo, hi]. NaN and values beyond int's range go to lo: what converting
// them to int (INT_MIN on x86) and clamping that did, for groups whose 1 / scale overflows.
inline float clampCode(float x, float lo, float hi) {
  return x >= lo && x < 2147483648.0f ? (x > hi ? hi : x) : lo;
}

// x rounded (to nearest even) to the 11 significant bits of an f16, keeping f32's range: the
// int8 and int4 scales, so that they are what GGUF's Q8_0 and Q4_0 blocks store (f16) wherever
// an f16 can hold them, and a .gguf of the same weights is the same model. Costs at most 2^-12
// of a scale, against an int8 step of 1/254 of the group's largest weight.
float f16Precision(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if ((bits & 0x7F800000u) == 0x7F800000u) return x;  // inf, NaN
  bits += 0x0FFFu + ((bits >> 13) & 1u);
  bits &= ~0x1FFFu;
  std::memcpy(&x, &bits, 4);
  return x;
}

float loadF32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

void storeF32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }

// The first element of v equal to `value`: it settles the sign of a zero, which lane-wise
// minima and maxima leave to the order of reduction.
float firstEqual(const float* v, int64_t n, float value) {
  for (int64_t i = 0; i < n; ++i)
    if (v[i] == value) return v[i];
  return value;
}

// The smallest and largest of a vector's four lanes.
void foldLanes(V4 l, V4 h, float& lo, float& hi) {
  lo = l[0], hi = h[0];
  for (int j = 1; j < 4; ++j) {
    lo = l[j] < lo ? l[j] : lo;
    hi = h[j] > hi ? h[j] : hi;
  }
}

// min and max of a group as the sequential `lo = min(lo, v[i])` (from v[0]) would find them:
// the values are the same in any order, the sign of a zero is the first zero's.
void minMax(const float* v, int64_t n, float& lo, float& hi) {
  V4 l[4], h[4];
  std::memcpy(l, v, sizeof l);
  std::memcpy(h, v, sizeof h);
  for (int64_t i = 16; i < n; i += 16) {
    V4 x[4];
    std::memcpy(x, v + i, sizeof x);
    for (int j = 0; j < 4; ++j) l[j] = vmin(x[j], l[j]), h[j] = vmax(x[j], h[j]);
  }
  foldLanes(vmin(vmin(l[0], l[1]), vmin(l[2], l[3])), vmax(vmax(h[0], h[1]), vmax(h[2], h[3])), lo, hi);
  if (lo == 0) lo = firstEqual(v, n, lo);
  if (hi == 0) hi = firstEqual(v, n, hi);
}

// The first element of largest magnitude (+0 when all are zero), from the group's min and max:
// only a tie between +m and -m needs a look at the elements.
float extremeOf(const float* v, int64_t n, float lo, float hi) {
  const float a = std::fabs(lo), b = std::fabs(hi);
  if (a == 0 && b == 0) return 0.0f;
  if (a != b) return a > b ? lo : hi;
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(v[i]) == a) return v[i];
  return hi;
}

// codes[i] = clamp(round(v[i] * inv + add), lo, hi): the int8 and symmetric int4 codes.
void scaledCodes(const float* __restrict v, int64_t n, float inv, float add, float lo, float hi, int8_t* __restrict codes) {
  for (int64_t i = 0; i < n; i += 16)  // fixed-length inner loops: vectorized with no remainder
    for (int j = 0; j < 16; ++j)
      codes[i + j] = static_cast<int8_t>(static_cast<int>(clampCode(roundEven(v[i + j] * inv + add), lo, hi)));
}

// codes[i] = clamp(round((v[i] - min) * inv), 0, 15): the int4zp codes.
void offsetCodes(const float* __restrict v, int64_t n, float min, float inv, int8_t* __restrict codes) {
  for (int64_t i = 0; i < n; i += 16)
    for (int j = 0; j < 16; ++j)
      codes[i + j] = static_cast<int8_t>(static_cast<int>(clampCode(roundEven((v[i + j] - min) * inv), 0.0f, 15.0f)));
}

// Blocks of 32 codes 0..15 into 16 bytes each: byte j = element j | element j+16 << 4.
void packNibbles(const int8_t* __restrict codes, int64_t n, uint8_t* __restrict out) {
  for (int64_t b = 0; b < n / 32; ++b)
    for (int j = 0; j < 16; ++j)
      out[b * 16 + j] = static_cast<uint8_t>(codes[b * 32 + j] | (codes[b * 32 + 16 + j] << 4));
}

int getNibble(const uint8_t* codes, int64_t e) {
  const uint8_t b = codes[(e / 32) * 16 + e % 16];
  return (e % 32) < 16 ? (b & 0x0F) : (b >> 4);
}

// One row: codes (for int4 into `scratch`, then packed), scales and mins.
void quantizeRow(const float* x, int64_t K, const ir::QuantFormat& f, int8_t* scratch, uint8_t* row) {
  const int64_t groups = ir::groupsPerRow(f, K), scalesAt = ir::codeBytes(f, K), minsAt = scalesAt + 4 * groups;
  int8_t* codes = f.scheme == ir::QuantScheme::Int8 ? reinterpret_cast<int8_t*>(row) : scratch;
  for (int64_t g = 0; g < groups; ++g) {
    const float* v = x + g * f.group;
    float lo, hi, scale = 0;
    minMax(v, f.group, lo, hi);
    switch (f.scheme) {
      case ir::QuantScheme::Int8: {
        scale = f16Precision(std::max(std::fabs(lo), std::fabs(hi)) / 127.0f);
        scaledCodes(v, f.group, scale ? 1.0f / scale : 0.0f, 0.0f, -127.0f, 127.0f, codes + g * f.group);
        break;
      }
      case ir::QuantScheme::Int4: {
        scale = f16Precision(-extremeOf(v, f.group, lo, hi) / 8.0f);
        scaledCodes(v, f.group, scale ? 1.0f / scale : 0.0f, 8.0f, 0.0f, 15.0f, codes + g * f.group);
        break;
      }
      case ir::QuantScheme::Int4Zp: {
        scale = (hi - lo) / 15.0f;
        offsetCodes(v, f.group, lo, scale ? 1.0f / scale : 0.0f, codes + g * f.group);
        storeF32(row + minsAt + 4 * g, lo);
        break;
      }
    }
    storeF32(row + scalesAt + 4 * g, scale);
  }
  if (f.scheme != ir::QuantScheme::Int8) packNibbles(scratch, K, row);
}

}  // namespace

void quantizeRows(const float* w, int64_t rows, int64_t K, const ir::QuantFormat& f, uint8_t* out) {
  const int64_t rowBytes = ir::quantRowBytes(f, K);
  std::vector<int8_t> scratch(f.scheme == ir::QuantScheme::Int8 ? 0 : static_cast<size_t>(K));
  for (int64_t r = 0; r < rows; ++r) quantizeRow(w + r * K, K, f, scratch.data(), out + r * rowBytes);
}

void dequantizeRows(const uint8_t* q, int64_t rows, int64_t K, const ir::QuantFormat& f, float* out) {
  const int64_t rowBytes = ir::quantRowBytes(f, K), groups = ir::groupsPerRow(f, K);
  const int64_t scalesAt = ir::codeBytes(f, K), minsAt = scalesAt + 4 * groups;
  for (int64_t r = 0; r < rows; ++r) {
    const uint8_t* row = q + r * rowBytes;
    float* y = out + r * K;
    for (int64_t g = 0; g < groups; ++g) {
      const float scale = loadF32(row + scalesAt + 4 * g);
      for (int64_t i = 0; i < f.group; ++i) {
        const int64_t e = g * f.group + i;
        switch (f.scheme) {
          case ir::QuantScheme::Int8: y[e] = scale * static_cast<float>(static_cast<int8_t>(row[e])); break;
          case ir::QuantScheme::Int4: y[e] = scale * static_cast<float>(getNibble(row, e) - 8); break;
          case ir::QuantScheme::Int4Zp:
            y[e] = std::fma(scale, static_cast<float>(getNibble(row, e)), loadF32(row + minsAt + 4 * g));
            break;
        }
      }
    }
  }
}

}  // namespace q3c
