// Element types and shapes of IR values. Shapes are static except the two symbolic dims:
// T (tokens processed in this step) and C (context length, KV cache included).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace q3c::ir {

// q8 and q4: weights quantized in groups, laid out as ir/quant.h says (no per-element size).
enum class DType { F32, BF16, F16, I32, Q8, Q4 };

// bf16 is the high half of an f32. To bf16 rounds to nearest even (NaN not preserved).
inline uint16_t bf16FromFloat(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return static_cast<uint16_t>((u + 0x7FFF + ((u >> 16) & 1)) >> 16);
}
inline float floatFromBf16(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

const char* dtypeName(DType t);                 // "f32", "bf16", ...
bool parseDType(const std::string& s, DType& out);
int64_t dtypeSize(DType t);  // 0 for q8 and q4: their rows are sized by ir/quant.h

// One dimension: a constant, or one of the symbolic dims.
struct Dim {
  enum Kind : uint8_t { Const, T, C };
  Kind kind = Const;
  int64_t value = 0;  // only for Const

  static Dim of(int64_t v) { return {Const, v}; }
  static Dim tokens() { return {T, 0}; }
  static Dim context() { return {C, 0}; }
  bool isConst() const { return kind == Const; }
  bool operator==(const Dim&) const = default;
  // The concrete size once T and C are known.
  int64_t resolve(int64_t t, int64_t c) const { return kind == Const ? value : kind == T ? t : c; }
  std::string str() const;
};

using Shape = std::vector<Dim>;

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;
  bool operator==(const TensorType&) const = default;
  std::string str() const;  // "f32[T,128]"
  // Number of elements once T and C are known.
  int64_t numel(int64_t t, int64_t c) const;
};

}  // namespace q3c::ir
