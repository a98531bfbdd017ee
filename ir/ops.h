// The op table: every op of the IR, fused ones included, is one row here (name, operand count,
// attributes, shape rule). Adding an op means adding one enum value and one row.
#pragma once
#include <string>
#include <vector>

#include "ir/types.h"

namespace q3c::ir {

enum class OpKind {
  Input,      // () -> declared type; a graph input (token ids)
  Weight,     // () -> declared type; a constant that names a WeightStore tensor
  Embed,      // (table[V,H], ids:i32[T]) -> f32[T,H]
  RmsNorm,    // (x[...,D], w[D]) {eps} -> f32 like x; normalizes over the last dim
  MatMul,     // (x[...,K], w[N,K]) -> f32[...,N]; w in Hugging Face (out, in) layout
  Reshape,    // (x) -> declared type with the same element count
  Rope,       // (x[T,H,D]) {rope attrs} -> f32 like x; positions are C-T .. C-1
  KvAppend,   // (x[T,KV,D]) {layer, slot} -> f32[C,KV,D]; appends to the cache, returns it all
  Attention,  // (q[T,H,D], k[C,KV,D], v[C,KV,D]) {scale} -> f32[T,H,D]; causal, grouped-query
  Silu,       // (x) -> f32 like x
  Mul,        // (a, b) -> f32, same shapes
  Add,        // (a, b) -> f32, same shapes
};

enum class AttrKind { Int, Float, String };

struct AttrSpec {
  const char* name;
  AttrKind kind;
};

struct OpInfo {
  OpKind kind;
  const char* name;
  int numOperands;
  std::vector<AttrSpec> attrs;  // every listed attribute is required
  bool declaresType;            // result type is given, not inferred (input, weight, reshape)
};

const OpInfo& opInfo(OpKind k);
bool lookupOp(const std::string& name, OpKind& out);
const std::vector<OpInfo>& allOps();

}  // namespace q3c::ir
