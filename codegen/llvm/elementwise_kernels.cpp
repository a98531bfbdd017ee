// The small kernels the unfused parts of a graph need: embed, rms_norm, normalize, rope,
// kv_append, slice_cols, silu, mul, add. Plain loops over rows; LLVM's vectorizer widens them.
#include <llvm/IR/Constants.h>
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/kernels.h"
#include "codegen/llvm/kv_layout.h"
#include "frontend/error.h"
#include "ir/rope.h"

namespace q3c::llvmgen {

using ir::OpKind;
using llvm::Value;

KernelPlan planElementwise(const ir::Graph& g, const ir::Node& n, const ConstantTable& constants) {
  const ir::TensorType& rt = g.value(n.result).type;
  const int64_t last = rt.shape.empty() ? 1 : rt.shape.back().value;
  const int64_t rows = rowsPerToken(rt);  // rows per token of T
  const int64_t perToken = rows * last;
  KernelPlan p;
  p.name = std::string(ir::opInfo(n.op).name) + "_" + std::to_string(perToken);
  p.key = attrsKey(n) + " result=" + rt.str();
  for (ir::ValueId v : n.operands) p.key += " " + std::string(ir::dtypeName(dtypeOf(g, constants, v))) + g.value(v).type.str();
  auto valueArgs = [&](std::initializer_list<ir::ValueId> vs) {
    for (ir::ValueId v : vs) p.args.push_back({ArgRef::Value, v});
  };
  switch (n.op) {
    case OpKind::Embed: {
      const ir::DType dt = dtypeOf(g, constants, n.operands[0]);
      const ir::QuantFormat quant = constants.at(n.operands[0]).quant;
      const int64_t rowBytes = constants.rowBytes(n.operands[0]);
      if (ir::isQuantized(dt)) p.key += " quant=" + ir::quantFormatName(quant);
      valueArgs({n.operands[0], n.result});
      p.args.insert(p.args.begin() + 1, ArgRef{ArgRef::Ids});  // table, ids, out
      p.emit = [=](KernelBuilder& kb) {
        auto& B = kb.b();
        Value *table = kb.ptr(0), *ids = kb.ptr(1), *out = kb.ptr(2);
        kb.loop(kb.i(0), kb.T(), 1, [&](Value* t) {
          Value* id = B.CreateSExt(B.CreateLoad(B.getInt32Ty(), kb.gep(ids, t, B.getInt32Ty())), kb.i64());
          Value* src = B.CreateMul(id, kb.i(last));
          Value* dst = B.CreateMul(t, kb.i(last));
          if (ir::isQuantized(dt)) {  // the row dequantized (a quantized row is whole groups of 16 or 32)
            Value* row = kb.gep(table, B.CreateMul(id, kb.i(rowBytes)), B.getInt8Ty());
            emitDequantRange(kb, quant, last, row, kb.i(0), kb.i(last), out, dst, ir::DType::F32);
            return;
          }
          kb.loop(kb.i(0), kb.i(last), 1, [&](Value* d) {
            kb.storeScalar(kb.loadScalar(table, B.CreateAdd(src, d), dt), out, B.CreateAdd(dst, d));
          });
        });
        kb.finish();
      };
      return p;
    }
    case OpKind::RmsNorm:
    case OpKind::Normalize: {
      const bool weighted = n.op == OpKind::RmsNorm;
      const ir::DType wd = weighted ? dtypeOf(g, constants, n.operands[1]) : ir::DType::F32;
      const float eps = static_cast<float>(n.attrFloat("eps"));
      valueArgs({n.operands[0], n.result});
      if (weighted) valueArgs({n.operands[1]});
      p.emit = [=](KernelBuilder& kb) {
        auto& B = kb.b();
        Value *x = kb.ptr(0), *out = kb.ptr(1), *w = weighted ? kb.ptr(2) : nullptr;
        Value* total = B.CreateMul(kb.T(), kb.i(perToken));
        kb.loop(kb.i(0), total, 1, [&](Value* i) {
          kb.storeScalar(kb.loadScalar(x, i, ir::DType::F32), out, i);
        });
        kb.loop(kb.i(0), B.CreateMul(kb.T(), kb.i(rows)), 1, [&](Value* r) {
          emitRmsNormInPlace(kb, out, B.CreateMul(r, kb.i(last)), last, eps, w, wd);
        });
        kb.finish();
      };
      return p;
    }
    case OpKind::Rope: {
      ir::RopeParams rope = ir::RopeParams::fromNode(n);
      std::vector<float> inv = ir::ropeInvFreq(rope, last);
      const float af = static_cast<float>(rope.attentionFactor);
      const int64_t heads = rows, half = last / 2;
      valueArgs({n.operands[0], n.result});
      p.args.push_back({ArgRef::Scratch});
      p.scratchFloatsPerToken = last;  // cos and sin tables
      p.emit = [=](KernelBuilder& kb) {
        auto& B = kb.b();
        Value *x = kb.ptr(0), *out = kb.ptr(1), *cosT = kb.ptr(2);
        Value* sinT = kb.gep(cosT, B.CreateMul(kb.T(), kb.i(half)));
        emitRopeTables(kb, inv, af, cosT, sinT);
        kb.loop(kb.i(0), kb.T(), 1, [&](Value* t) {
          kb.loop(kb.i(0), kb.i(heads), 1, [&](Value* h) {
            Value* base = B.CreateMul(B.CreateAdd(B.CreateMul(t, kb.i(heads)), h), kb.i(last));
            emitRotateHead(kb, x, base, out, base, cosT, sinT, t, half);
          });
        });
        kb.finish();
      };
      return p;
    }
    case OpKind::KvAppend: {  // rows [T, KV, D] to the cache's layout (kv_layout.h)
      const int64_t layer = n.attrInt("layer");
      const int64_t KV = rt.shape[1].value, D = rt.shape[2].value;
      const bool keys = n.attrString("slot") == "k";
      p.args = {{ArgRef::Value, n.operands[0]}, {keys ? ArgRef::KCache : ArgRef::VCache, -1, layer}};
      p.name = std::string("kv_append_") + (keys ? "k" : "v") + std::to_string(KV * D);
      p.emit = [=](KernelBuilder& kb) {
        auto& B = kb.b();
        Value *x = kb.ptr(0), *cache = kb.ptr(1);
        kb.loop(kb.i(0), kb.T(), 1, [&](Value* t) {
          Value* pos = B.CreateAdd(kb.past(), t);
          kb.loop(kb.i(0), kb.i(KV), 1, [&](Value* h) {
            Value* src = B.CreateMul(B.CreateAdd(B.CreateMul(t, kb.i(KV)), h), kb.i(D));
            (keys ? emitStoreKey : emitStoreValue)(kb, x, src, cache, pos, h, KV, D);
          });
        });
        kb.finish();
      };
      return p;
    }
    case OpKind::SliceCols: {
      const int64_t inN = g.value(n.operands[0]).type.shape.back().value, begin = n.attrInt("begin");
      valueArgs({n.operands[0], n.result});
      p.emit = [=](KernelBuilder& kb) {
        auto& B = kb.b();
        Value *x = kb.ptr(0), *out = kb.ptr(1);
        kb.loop(kb.i(0), B.CreateMul(kb.T(), kb.i(rows)), 1, [&](Value* r) {
          kb.loop(kb.i(0), kb.i(last), 1, [&](Value* c) {
            Value* src = B.CreateAdd(B.CreateMul(r, kb.i(inN)), B.CreateAdd(c, kb.i(begin)));
            kb.storeScalar(kb.loadScalar(x, src, ir::DType::F32), out, B.CreateAdd(B.CreateMul(r, kb.i(last)), c));
          });
        });
        kb.finish();
      };
      return p;
    }
    case OpKind::Silu:
    case OpKind::Mul:
    case OpKind::Add: {
      const OpKind op = n.op;
      valueArgs({n.operands[0]});
      if (op != OpKind::Silu) valueArgs({n.operands[1]});
      valueArgs({n.result});
      p.emit = [=](KernelBuilder& kb) {
        auto& B = kb.b();
        Value* a = kb.ptr(0);
        Value* b = op == OpKind::Silu ? nullptr : kb.ptr(1);
        Value* out = kb.ptr(op == OpKind::Silu ? 1 : 2);
        kb.loop(kb.i(0), B.CreateMul(kb.T(), kb.i(perToken)), 1, [&](Value* i) {
          Value* x = kb.loadScalar(a, i, ir::DType::F32);
          Value* r;
          if (op == OpKind::Silu) r = B.CreateFDiv(x, B.CreateFAdd(kb.f(1.0f), kb.expf(B.CreateFNeg(x))));
          else if (op == OpKind::Mul) r = B.CreateFMul(x, kb.loadScalar(b, i, ir::DType::F32));
          else r = B.CreateFAdd(x, kb.loadScalar(b, i, ir::DType::F32));
          kb.storeScalar(r, out, i);
        });
        kb.finish();
      };
      return p;
    }
    default:
      throw Error(std::string("llvm backend: no kernel for op '") + ir::opInfo(n.op).name + "'");
  }
}

}  // namespace q3c::llvmgen
