// Weight-only quantization formats. A quantized [N, K] weight (dtype q8 or q4) is N rows, each
// self-contained so that one row pointer reaches everything a kernel needs:
//   codes   K bytes (int8: the signed value q), or K/2 bytes (int4: in each block of 32
//           elements, byte j holds element j in its low nibble and element j+16 in its high
//           nibble, q unsigned 0..15: GGUF's Q4_0 order, so its blocks repack without shuffling)
//   scales  K/group f32
//   mins    K/group f32 (int4zp only)
// Element k of group g = k / group:
//   int8    scales[g] * q
//   int4    scales[g] * (q - 8)          (symmetric)
//   int4zp  scales[g] * q + mins[g]      (a zero point, held as the float offset it stands for)
// Scales are f32 so that every GGUF block type q3c reads (Q8_0, Q4_0, Q4_K, Q6_K) repacks
// without loss: d*sc of a K-quant needs up to 19 significant bits.
#pragma once
#include <cstdint>
#include <string>

#include "ir/graph.h"

namespace q3c::ir {

enum class QuantScheme { Int8, Int4, Int4Zp };

struct QuantFormat {
  QuantScheme scheme = QuantScheme::Int8;
  int64_t group = 32;
  bool operator==(const QuantFormat&) const = default;
};

const char* quantSchemeName(QuantScheme s);  // "int8", "int4", "int4zp"
bool parseQuantScheme(const std::string& s, QuantScheme& out);
DType quantDType(QuantScheme s);  // q8 or q4
bool isQuantized(DType d);
std::string quantFormatName(const QuantFormat& f);  // "int8/g32"

// Empty when rows of K elements can hold this format, else why not (for messages).
std::string checkQuantFormat(const QuantFormat& f, int64_t K);
// Bytes of one row of K elements: codes, scales, mins.
int64_t quantRowBytes(const QuantFormat& f, int64_t K);
// Bytes of one row of K elements of a weight of dtype d (quantized: in format f).
int64_t rowBytes(DType d, const QuantFormat& f, int64_t K);
int64_t codeBytes(const QuantFormat& f, int64_t K);
int64_t groupsPerRow(const QuantFormat& f, int64_t K);
// Bits actually stored per weight (codes, scales and mins).
double bitsPerWeight(const QuantFormat& f, int64_t K);

// The format of a quantized value of the graph: the attributes `quant` and `group` of its
// weight or quantize node, or of a concat_rows' first operand (all operands agree). False for
// unquantized values.
bool quantFormatOf(const Graph& g, ValueId v, QuantFormat& out);
// Bytes of one [K] row of a weight of dtype d (quantized: in format f).
int64_t weightRowBytes(const Graph& g, ValueId v, int64_t K);

}  // namespace q3c::ir
