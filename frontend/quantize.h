// Weight-only quantization of rows, and back: the reference for the layout of ir/quant.h. The
// quantize pass's nodes are evaluated with these at load, the interpreter and `q3c quantize`
// use them, and the GGUF loader checks its repacking against dequantizeRows.
#pragma once
#include <cstdint>

#include "ir/quant.h"

namespace q3c {

// Rows [rows, K] of f32 into rows of quantRowBytes(f, K) bytes each. Round to nearest:
//   int8    scale = max|w| / 127, q = round(w / scale)
//   int4    the element of largest magnitude m maps to -8: scale = -m / 8, q = round(w / scale) + 8
//           (GGUF Q4_0's rule: the full range of the nibble on the side that needs it)
//   int4zp  scale = (max - min) / 15, min kept, q = round((w - min) / scale)
// K must fit the format (checkQuantFormat).
void quantizeRows(const float* w, int64_t rows, int64_t K, const ir::QuantFormat& f, uint8_t* out);

// `rows` quantized rows back to f32 [rows, K].
void dequantizeRows(const uint8_t* q, int64_t rows, int64_t K, const ir::QuantFormat& f, float* out);

}  // namespace q3c
