// The op table: every op of the IR, fused ones included, is one row here (name, operand count,
// attributes, shape rule). Adding an op means adding one enum value and one row.
#pragma once
#include <string>
#include <vector>

#include "ir/types.h"

namespace q3c::ir {

enum class OpKind {
  Input,      // () -> declared type; a graph input (token ids)
  Weight,     // () -> declared type; a constant that names a WeightStore tensor ({quant, group}
              // when the tensor is stored quantized: q8/q4)
  Embed,      // (table[V,H], ids:i32[T]) -> f32[T,H]
  RmsNorm,    // (x[...,D], w[D]) {eps} -> f32 like x; normalizes over the last dim
  MatMul,     // (x[...,K], w[N,K]) -> f32[...,N]; w in Hugging Face (out, in) layout
              // The matmul family (matmul, matmul_swiglu, matmul_add, qkv_rope_kv) may carry a
              // fused RMSNorm prologue: attribute norm_eps, and optionally a last operand g[K];
              // the input rows are then normalized (and scaled by g) before the product.
  Reshape,    // (x) -> declared type with the same element count
  Rope,       // (x[T,H,D]) {rope attrs} -> f32 like x; positions are C-T .. C-1
  KvAppend,   // (x[T,KV,D]) {layer, slot} -> f32[C,KV,D]; appends to the cache, returns it all
  Attention,  // (q[T,H,D], k[C,KV,D], v[C,KV,D]) {scale} -> f32[T,H,D]; causal, grouped-query
  Silu,       // (x) -> f32 like x
  Mul,        // (a, b) -> f32, same shapes
  Add,        // (a, b) -> f32, same shapes

  // Load-time constants: computed once from weights, never per token.
  ScaleCols,   // (w[N,K], g[K]) -> f32[N,K]: w with column k scaled by g[k] (folded RMSNorm weight)
  ConcatRows,  // (w1[N1,K], w2[N2,K], ...) -> [N1+N2+..,K]: stacked weights of a horizontal fusion
  Quantize,    // (w[N,K]) {quant, group} -> q8/q4[N,K]: the weight quantized in groups (ir/quant.h)

  // Produced by passes.
  Normalize,     // (x[...,D]) {eps} -> f32 like x: RMSNorm without a weight
  SliceCols,     // (x[...,N]) {begin, end} -> f32[...,end-begin]
  MatMulSwiglu,  // (x[...,K], w[2I,K]) -> f32[...,I]: silu(x w[:I]^T) * (x w[I:]^T)
  MatMulAdd,     // (x[...,K], w[N,K], r[...,N]) -> f32[...,N]: x w^T + r
  QkvRopeKv,     // (x[T,K], w[(H+2KV)D,K], qn[D], kn[D]) {heads, kv_heads, eps, layer, rope attrs}
                 //   -> q f32[T,H,D]; per-head q/k RMSNorm, RoPE, k and v appended to the cache
  KvRead,        // (after) {layer, slot, kv_heads, head_dim} -> f32[C,KV,D]: the cache once `after` ran
  FlashAttention,  // like Attention {scale, block, splits}: online softmax over blocks of the context
};

enum class AttrKind { Int, Float, String };

struct AttrSpec {
  const char* name;
  AttrKind kind;
  bool required = true;
};

struct OpInfo {
  OpKind kind;
  const char* name;
  int numOperands;              // -1: two or more
  bool normWeightOperand;       // may take one more operand: the weight of a fused RMSNorm prologue
  std::vector<AttrSpec> attrs;  // attributes not listed here are rejected
  bool declaresType;            // result type is given, not inferred (input, weight, reshape)
};

const OpInfo& opInfo(OpKind k);
// Ops whose operand 1 is a [N, K] weight multiplied with the input rows: the matmul family
// and the fused q/k/v projection.
bool isWeightProduct(OpKind k);
// Attributes any op may carry: schedule data that passes attach (e.g. the memory plan).
const std::vector<AttrSpec>& commonAttrs();
// The attributes of the rope op, shared by the ops that fuse RoPE.
const std::vector<AttrSpec>& ropeAttrs();
bool lookupOp(const std::string& name, OpKind& out);
const std::vector<OpInfo>& allOps();

}  // namespace q3c::ir
