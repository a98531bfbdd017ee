#include "ir/quant.h"

namespace q3c::ir {

const char* quantSchemeName(QuantScheme s) {
  switch (s) {
    case QuantScheme::Int8: return "int8";
    case QuantScheme::Int4: return "int4";
    case QuantScheme::Int4Zp: return "int4zp";
  }
  return "?";
}

bool parseQuantScheme(const std::string& s, QuantScheme& out) {
  for (QuantScheme q : {QuantScheme::Int8, QuantScheme::Int4, QuantScheme::Int4Zp})
    if (s == quantSchemeName(q)) { out = q; return true; }
  return false;
}

DType quantDType(QuantScheme s) { return s == QuantScheme::Int8 ? DType::Q8 : DType::Q4; }

bool isQuantized(DType d) { return d == DType::Q8 || d == DType::Q4; }

std::string quantFormatName(const QuantFormat& f) {
  return std::string(quantSchemeName(f.scheme)) + "/g" + std::to_string(f.group);
}

std::string checkQuantFormat(const QuantFormat& f, int64_t K) {
  const int64_t unit = f.scheme == QuantScheme::Int8 ? 16 : 32;  // int4 packs blocks of 32
  if (f.group <= 0 || f.group % unit)
    return std::string("group ") + std::to_string(f.group) + " of " + quantSchemeName(f.scheme) +
           " is not a positive multiple of " + std::to_string(unit);
  if (K % f.group) return "rows of " + std::to_string(K) + " are not a whole number of groups of " + std::to_string(f.group);
  return "";
}

int64_t codeBytes(const QuantFormat& f, int64_t K) { return f.scheme == QuantScheme::Int8 ? K : K / 2; }
int64_t groupsPerRow(const QuantFormat& f, int64_t K) { return K / f.group; }

int64_t quantRowBytes(const QuantFormat& f, int64_t K) {
  const int64_t planes = f.scheme == QuantScheme::Int4Zp ? 2 : 1;
  return codeBytes(f, K) + planes * 4 * groupsPerRow(f, K);
}

double bitsPerWeight(const QuantFormat& f, int64_t K) { return 8.0 * static_cast<double>(quantRowBytes(f, K)) / K; }

bool quantFormatOf(const Graph& g, ValueId v, QuantFormat& out) {
  if (!isQuantized(g.value(v).type.dtype)) return false;
  const Node* n = &g.producer(v);
  while (n->op == OpKind::ConcatRows) n = &g.producer(n->operands[0]);
  if (!n->hasAttr("quant") || !n->hasAttr("group")) return false;
  if (!parseQuantScheme(n->attrString("quant"), out.scheme)) return false;
  out.group = n->attrInt("group");
  return true;
}

int64_t rowBytes(DType d, const QuantFormat& f, int64_t K) {
  return isQuantized(d) ? quantRowBytes(f, K) : K * dtypeSize(d);
}

int64_t weightRowBytes(const Graph& g, ValueId v, int64_t K) {
  QuantFormat f;
  quantFormatOf(g, v, f);
  return rowBytes(g.value(v).type.dtype, f, K);
}

}  // namespace q3c::ir
