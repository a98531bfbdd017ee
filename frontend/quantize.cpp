#include "frontend/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace q3c {

namespace {

int roundClamp(float v, int lo, int hi) { return std::clamp(static_cast<int>(std::nearbyint(v)), lo, hi); }

float loadF32(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

void storeF32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }

// Nibble position of element e of a row: byte (e / 32) * 16 + e % 16, high nibble for e % 32 >= 16.
void putNibble(uint8_t* codes, int64_t e, int q) {
  uint8_t& b = codes[(e / 32) * 16 + e % 16];
  b = (e % 32) < 16 ? static_cast<uint8_t>((b & 0xF0) | q) : static_cast<uint8_t>((b & 0x0F) | (q << 4));
}

int getNibble(const uint8_t* codes, int64_t e) {
  const uint8_t b = codes[(e / 32) * 16 + e % 16];
  return (e % 32) < 16 ? (b & 0x0F) : (b >> 4);
}

}  // namespace

void quantizeRows(const float* w, int64_t rows, int64_t K, const ir::QuantFormat& f, uint8_t* out) {
  const int64_t rowBytes = ir::quantRowBytes(f, K), groups = ir::groupsPerRow(f, K);
  const int64_t scalesAt = ir::codeBytes(f, K), minsAt = scalesAt + 4 * groups;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = w + r * K;
    uint8_t* row = out + r * rowBytes;
    std::memset(row, 0, static_cast<size_t>(scalesAt));
    for (int64_t g = 0; g < groups; ++g) {
      const float* v = x + g * f.group;
      float scale = 0, lo = v[0], hi = v[0], extreme = 0;
      for (int64_t i = 0; i < f.group; ++i) {
        lo = std::min(lo, v[i]);
        hi = std::max(hi, v[i]);
        if (std::fabs(v[i]) > std::fabs(extreme)) extreme = v[i];
      }
      switch (f.scheme) {
        case ir::QuantScheme::Int8: {
          scale = std::fabs(extreme) / 127.0f;
          const float inv = scale ? 1.0f / scale : 0.0f;
          for (int64_t i = 0; i < f.group; ++i)
            row[g * f.group + i] = static_cast<uint8_t>(static_cast<int8_t>(roundClamp(v[i] * inv, -127, 127)));
          break;
        }
        case ir::QuantScheme::Int4: {
          scale = -extreme / 8.0f;
          const float inv = scale ? 1.0f / scale : 0.0f;
          for (int64_t i = 0; i < f.group; ++i) putNibble(row, g * f.group + i, roundClamp(v[i] * inv + 8.0f, 0, 15));
          break;
        }
        case ir::QuantScheme::Int4Zp: {
          scale = (hi - lo) / 15.0f;
          const float inv = scale ? 1.0f / scale : 0.0f;
          for (int64_t i = 0; i < f.group; ++i) putNibble(row, g * f.group + i, roundClamp((v[i] - lo) * inv, 0, 15));
          storeF32(row + minsAt + 4 * g, lo);
          break;
        }
      }
      storeF32(row + scalesAt + 4 * g, scale);
    }
  }
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
