// Shape rules of the op table and the verifier built on them.
#include <algorithm>

#include "ir/graph.h"

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
                     const TensorType& declared) {
  const OpInfo& info = opInfo(op);
  if (static_cast<int>(operands.size()) != info.numOperands)
    fail(op, "expects " + std::to_string(info.numOperands) + " operands, got " +
                 std::to_string(operands.size()));
  auto type = [&](int i) -> const TensorType& { return g.value(operands[i]).type; };
  switch (op) {
    case OpKind::Input:
    case OpKind::Weight:
      return declared;
    case OpKind::Reshape:
      if (!sameElementCount(type(0).shape, declared.shape))
        fail(op, "cannot reshape " + type(0).str() + " to " + declared.str());
      if (declared.dtype != type(0).dtype) fail(op, "reshape cannot change the dtype");
      return declared;
    case OpKind::Embed: {
      const TensorType &table = type(0), &ids = type(1);
      expectRank(op, table, 2, "table");
      if (!isFloat(table.dtype)) fail(op, "table must be a float tensor");
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
    case OpKind::MatMul: {
      const TensorType &x = type(0), &w = type(1);
      expectF32(op, x, "input");
      if (x.shape.empty()) fail(op, "input must have rank >= 1");
      expectRank(op, w, 2, "weight");
      if (!isFloat(w.dtype)) fail(op, "weight must be a float tensor");
      if (!(w.shape[1] == x.shape.back()))
        fail(op, "weight " + w.str() + " is not [N," + x.shape.back().str() + "] for input " + x.str());
      TensorType r = x;
      r.shape.back() = w.shape[0];
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
    case OpKind::Attention: {
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
      for (const AttrSpec& spec : info.attrs) {
        switch (spec.kind) {
          case AttrKind::Int: n.attrInt(spec.name); break;
          case AttrKind::Float: n.attrFloat(spec.name); break;
          case AttrKind::String: n.attrString(spec.name); break;
        }
      }
      for (const auto& [key, _] : n.attrs)
        if (std::none_of(info.attrs.begin(), info.attrs.end(),
                         [&](const AttrSpec& s) { return key == s.name; }))
          fail(n.op, "unknown attribute '" + key + "'");
      for (ValueId v : n.operands)
        if (g.value(v).producer >= g.value(n.result).producer)
          fail(n.op, "operand %" + g.value(v).name + " is used before it is defined");
      TensorType expected = inferType(g, n.op, n.operands, result.type);
      if (!(expected == result.type))
        fail(n.op, "result type " + result.type.str() + " should be " + expected.str());
    } catch (const IrError& e) {
      throw IrError("%" + result.name + " = " + e.what());
    }
  }
  if (g.outputs().empty()) throw IrError("graph has no outputs");
}

}  // namespace q3c::ir
