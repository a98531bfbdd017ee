#include "ir/types.h"

namespace q3c::ir {

const char* dtypeName(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::BF16: return "bf16";
    case DType::F16: return "f16";
    case DType::I32: return "i32";
    case DType::Q8: return "q8";
    case DType::Q4: return "q4";
  }
  return "?";
}

bool parseDType(const std::string& s, DType& out) {
  for (DType t : {DType::F32, DType::BF16, DType::F16, DType::I32, DType::Q8, DType::Q4})
    if (s == dtypeName(t)) { out = t; return true; }
  return false;
}

int64_t dtypeSize(DType t) {
  switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::BF16: case DType::F16: return 2;
    case DType::Q8: case DType::Q4: return 0;
  }
  return 0;
}

std::string Dim::str() const {
  switch (kind) {
    case T: return "T";
    case C: return "C";
    default: return std::to_string(value);
  }
}

std::string TensorType::str() const {
  std::string s = dtypeName(dtype);
  s += "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += shape[i].str();
  }
  return s + "]";
}

int64_t TensorType::numel(int64_t t, int64_t c) const {
  int64_t n = 1;
  for (const Dim& d : shape) n *= d.resolve(t, c);
  return n;
}

}  // namespace q3c::ir
