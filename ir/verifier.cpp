// Shape rules of the op table and the verifier built on them.
#include <algorithm>

#include "ir/graph.h"
#include "ir/quant.h"

namespace q3c::ir {

namespace {

[[noreturn]] void fail(OpKind op, const std::string& msg) {
  throw IrError(std::string(opInfo(op).name) + ": " + msg);
}

void expectF32(OpKind op, const TensorType& t, const char* what) {
  if (t.dtype != DType::F32) fail(op, std::string(what) + " must be f32, got " + t.str());
}

void expectRank(OpKind op, const TensorType& t, size_t rank, const char* what) {
  if (t.shape.size() != rank)
    fail(op, std::string(what) + " must have rank " + std::to_string(rank) + ", got " + t.str());
}

bool isFloat(DType d) { return d == DType::F32 || d == DType::BF16 || d == DType::F16; }
// What a matmul weight or an embedding table may be: float, or quantized in groups.
bool isWeightType(DType d) { return isFloat(d) || isQuantized(d); }

// The quant/group attributes of a quantized weight: present, a known scheme of this dtype, a
// group that fits rows of K.
void checkQuantAttrs(OpKind op, const std::map<std::string, Attr>& attrs, DType d, int64_t K) {
  auto q = attrs.find("quant");
  auto gr = attrs.find("group");
  if (q == attrs.end() || gr == attrs.end() || !std::holds_alternative<std::string>(q->second) ||
      !std::holds_alternative<int64_t>(gr->second))
    fail(op, std::string("a ") + dtypeName(d) + " weight needs the attributes quant and group");
  QuantFormat f;
  if (!parseQuantScheme(std::get<std::string>(q->second), f.scheme))
    fail(op, "unknown quant '" + std::get<std::string>(q->second) + "' (int8, int4, int4zp)");
  if (quantDType(f.scheme) != d) fail(op, std::string("quant ") + quantSchemeName(f.scheme) + " does not store " + dtypeName(d));
  f.group = std::get<int64_t>(gr->second);
  if (std::string why = checkQuantFormat(f, K); !why.empty()) fail(op, why);
}

// Element counts are comparable when the constant parts match and the symbolic dims agree.
bool sameElementCount(const Shape& a, const Shape& b) {
  auto summarize = [](const Shape& s) {
    int64_t c = 1;
    int t = 0, ctx = 0;
    for (const Dim& d : s) {
      if (d.kind == Dim::Const) c *= d.value;
      else if (d.kind == Dim::T) ++t;
      else ++ctx;
    }
    return std::tuple(c, t, ctx);
  };
  return summarize(a) == summarize(b);
}

}  // namespace

TensorType inferType(const Graph& g, OpKind op, const std::vector<ValueId>& operands,
                     const std::map<std::string, Attr>& attrs, const TensorType& declared) {
  const OpInfo& info = opInfo(op);
  const int given = static_cast<int>(operands.size());
  const bool normWeight = info.normWeightOperand && given == info.numOperands + 1;
  if (info.numOperands >= 0 ? given != info.numOperands && !normWeight : given < 2)
    fail(op, "expects " + (info.numOperands >= 0 ? std::to_string(info.numOperands) : std::string("2 or more")) +
                 " operands, got " + std::to_string(given));
  auto type = [&](int i) -> const TensorType& { return g.value(operands[i]).type; };
  if (normWeight) {
    if (!attrs.count("norm_eps")) fail(op, "a norm weight operand needs the norm_eps attribute");
    const TensorType& nw = type(given - 1);
    if (nw.shape.size() != 1 || !(nw.shape[0] == type(0).shape.back()))
      fail(op, "norm weight " + nw.str() + " does not match the input's last dim");
  }
  auto intAttr = [&](const char* key) -> int64_t {
    auto it = attrs.find(key);
    if (it == attrs.end() || !std::holds_alternative<int64_t>(it->second))
      fail(op, std::string("missing int attribute '") + key + "'");
    return std::get<int64_t>(it->second);
  };
  // x[...,K] times w[N,K]: the result shape with the last dim replaced by N.
  auto matmulShape = [&](const TensorType& x, const TensorType& w) {
    expectF32(op, x, "input");
    if (x.shape.empty()) fail(op, "input must have rank >= 1");
    expectRank(op, w, 2, "weight");
    if (!isWeightType(w.dtype)) fail(op, "weight must be a float or quantized tensor");
    if (!(w.shape[1] == x.shape.back()))
      fail(op, "weight " + w.str() + " is not [N," + x.shape.back().str() + "] for input " + x.str());
    TensorType r = x;
    r.shape.back() = w.shape[0];
    return r;
  };
  switch (op) {
    case OpKind::Input:
      return declared;
    case OpKind::Weight:
      if (isQuantized(declared.dtype)) {
        if (declared.shape.size() != 2 || !declared.shape[1].isConst()) fail(op, "a quantized weight must be [N,K]");
        checkQuantAttrs(op, attrs, declared.dtype, declared.shape[1].value);
      } else if (attrs.count("quant") || attrs.count("group")) {
        fail(op, "quant and group belong to q8/q4 weights, not " + declared.str());
      }
      return declared;
    case OpKind::Quantize: {
      const TensorType& w = type(0);
      expectRank(op, w, 2, "weight");
      if (!isFloat(w.dtype)) fail(op, "weight must be a float tensor, got " + w.str());
      QuantScheme scheme;
      auto q = attrs.find("quant");
      if (q == attrs.end() || !std::holds_alternative<std::string>(q->second) ||
          !parseQuantScheme(std::get<std::string>(q->second), scheme))
        fail(op, "quant must be int8, int4 or int4zp");
      checkQuantAttrs(op, attrs, quantDType(scheme), w.shape[1].value);
      return {quantDType(scheme), w.shape};
    }
    case OpKind::Reshape:
      if (!sameElementCount(type(0).shape, declared.shape))
        fail(op, "cannot reshape " + type(0).str() + " to " + declared.str());
      if (declared.dtype != type(0).dtype) fail(op, "reshape cannot change the dtype");
      return declared;
    case OpKind::Embed: {
      const TensorType &table = type(0), &ids = type(1);
      expectRank(op, table, 2, "table");
      if (!isWeightType(table.dtype)) fail(op, "table must be a float or quantized tensor");
      if (ids.dtype != DType::I32) fail(op, "ids must be i32, got " + ids.str());
      expectRank(op, ids, 1, "ids");
      return {DType::F32, {ids.shape[0], table.shape[1]}};
    }
    case OpKind::RmsNorm: {
      const TensorType &x = type(0), &w = type(1);
      expectF32(op, x, "input");
      if (x.shape.empty()) fail(op, "input must have rank >= 1");
      expectRank(op, w, 1, "weight");
      if (!(w.shape[0] == x.shape.back()))
        fail(op, "weight " + w.str() + " does not match the last dim of " + x.str());
      return x;
    }
    case OpKind::MatMul:
      return matmulShape(type(0), type(1));
    case OpKind::MatMulSwiglu: {
      TensorType r = matmulShape(type(0), type(1));
      if (r.shape.back().value % 2) fail(op, "weight rows must be gate rows then as many up rows");
      r.shape.back().value /= 2;
      return r;
    }
    case OpKind::MatMulAdd: {
      TensorType r = matmulShape(type(0), type(1));
      if (!(type(2) == r)) fail(op, "residual " + type(2).str() + " does not match the product " + r.str());
      return r;
    }
    case OpKind::QkvRopeKv: {
      const TensorType& x = type(0);
      expectRank(op, x, 2, "input");
      TensorType flat = matmulShape(x, type(1));
      const int64_t H = intAttr("heads"), KV = intAttr("kv_heads");
      if (H <= 0 || KV <= 0 || H % KV) fail(op, "heads must be a positive multiple of kv_heads");
      const int64_t rows = flat.shape[1].value;
      if (rows % (H + 2 * KV)) fail(op, "weight rows are not (heads + 2 kv_heads) x head_dim");
      const int64_t D = rows / (H + 2 * KV);
      for (int i : {2, 3})
        if (!(type(i).shape == Shape{Dim::of(D)})) fail(op, "q/k norm weights must be [" + std::to_string(D) + "]");
      if (D % 2) fail(op, "head dim must be even");
      return {DType::F32, {x.shape[0], Dim::of(H), Dim::of(D)}};
    }
    case OpKind::KvRead:
      return {DType::F32, {Dim::context(), Dim::of(intAttr("kv_heads")), Dim::of(intAttr("head_dim"))}};
    case OpKind::ScaleCols: {
      const TensorType &w = type(0), &s = type(1);
      expectRank(op, w, 2, "weight");
      expectRank(op, s, 1, "scale");
      if (!isFloat(w.dtype) || !isFloat(s.dtype)) fail(op, "operands must be float tensors");
      if (!(s.shape[0] == w.shape[1])) fail(op, "scale " + s.str() + " does not match the columns of " + w.str());
      return {DType::F32, w.shape};
    }
    case OpKind::ConcatRows: {
      TensorType r = type(0);
      expectRank(op, r, 2, "operand");
      for (size_t i = 1; i < operands.size(); ++i) {
        const TensorType& t = type(static_cast<int>(i));
        expectRank(op, t, 2, "operand");
        if (!(t.shape[1] == r.shape[1])) fail(op, "operands have different column counts");
        if (t.dtype != r.dtype && (isQuantized(t.dtype) || isQuantized(r.dtype)))
          fail(op, "quantized operands must all have one format");
        if (t.dtype != r.dtype) r.dtype = DType::F32;  // mixed float dtypes widen
        if (isQuantized(r.dtype)) {
          QuantFormat a, b;
          if (!quantFormatOf(g, operands[0], a) || !quantFormatOf(g, operands[i], b) || !(a == b))
            fail(op, "quantized operands must all have one format");
        }
        r.shape[0].value += t.shape[0].value;
      }
      if (!isWeightType(r.dtype)) fail(op, "operands must be float or quantized tensors");
      return r;
    }
    case OpKind::Normalize:
      expectF32(op, type(0), "input");
      if (type(0).shape.empty()) fail(op, "input must have rank >= 1");
      return type(0);
    case OpKind::SliceCols: {
      TensorType r = type(0);
      expectF32(op, r, "input");
      if (r.shape.empty() || !r.shape.back().isConst()) fail(op, "input needs a constant last dim");
      const int64_t b = intAttr("begin"), e = intAttr("end");
      if (b < 0 || e <= b || e > r.shape.back().value) fail(op, "slice [begin, end) out of range");
      r.shape.back().value = e - b;
      return r;
    }
    case OpKind::Rope: {
      const TensorType& x = type(0);
      expectF32(op, x, "input");
      expectRank(op, x, 3, "input");
      if (!x.shape[2].isConst() || x.shape[2].value % 2) fail(op, "head dim must be even");
      return x;
    }
    case OpKind::KvAppend: {
      const TensorType& x = type(0);
      expectF32(op, x, "input");
      expectRank(op, x, 3, "input");
      if (x.shape[0].kind != Dim::T) fail(op, "input must be [T,KV,D]");
      return {DType::F32, {Dim::context(), x.shape[1], x.shape[2]}};
    }
    case OpKind::Attention:
    case OpKind::FlashAttention: {
      const TensorType &q = type(0), &k = type(1), &v = type(2);
      for (auto* t : {&q, &k, &v}) {
        expectF32(op, *t, "operand");
        expectRank(op, *t, 3, "operand");
      }
      if (q.shape[0].kind != Dim::T || k.shape[0].kind != Dim::C || !(k.shape == v.shape))
        fail(op, "expects q[T,H,D], k[C,KV,D], v[C,KV,D], got " + q.str() + ", " + k.str() + ", " + v.str());
      if (!(q.shape[2] == k.shape[2])) fail(op, "q and k head dims differ");
      int64_t h = q.shape[1].value, kv = k.shape[1].value;
      if (kv <= 0 || h % kv) fail(op, "query heads must be a multiple of kv heads");
      return q;
    }
    case OpKind::Silu:
      expectF32(op, type(0), "input");
      return type(0);
    case OpKind::Mul:
    case OpKind::Add:
      expectF32(op, type(0), "lhs");
      if (!(type(0) == type(1))) fail(op, "operand types differ: " + type(0).str() + " vs " + type(1).str());
      return type(0);
  }
  fail(op, "unknown op");
}

void verify(const Graph& g) {
  for (const Node& n : g.nodes()) {
    const OpInfo& info = opInfo(n.op);
    const Value& result = g.value(n.result);
    try {
      auto check = [&](const AttrSpec& spec) {
        if (!spec.required && !n.hasAttr(spec.name)) return;
        switch (spec.kind) {
          case AttrKind::Int: n.attrInt(spec.name); break;
          case AttrKind::Float: n.attrFloat(spec.name); break;
          case AttrKind::String: n.attrString(spec.name); break;
        }
      };
      for (const AttrSpec& spec : info.attrs) check(spec);
      for (const AttrSpec& spec : commonAttrs()) check(spec);
      auto listed = [](const std::vector<AttrSpec>& specs, const std::string& key) {
        return std::any_of(specs.begin(), specs.end(), [&](const AttrSpec& s) { return key == s.name; });
      };
      for (const auto& [key, _] : n.attrs)
        if (!listed(info.attrs, key) && !listed(commonAttrs(), key)) fail(n.op, "unknown attribute '" + key + "'");
      for (ValueId v : n.operands)
        if (g.value(v).producer >= g.value(n.result).producer)
          fail(n.op, "operand %" + g.value(v).name + " is used before it is defined");
      TensorType expected = inferType(g, n.op, n.operands, n.attrs, result.type);
      if (!(expected == result.type))
        fail(n.op, "result type " + result.type.str() + " should be " + expected.str());
    } catch (const IrError& e) {
      throw IrError("%" + result.name + " = " + e.what());
    }
  }
  if (g.outputs().empty()) throw IrError("graph has no outputs");
}

}  // namespace q3c::ir
