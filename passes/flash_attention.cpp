// flash-attention: attention becomes flash_attention, which never holds a whole row of scores:
// keys come in blocks with a running max and sum (online softmax). A decode step (T = 1)
// splits the context into `splits` parts computed independently and merged, so one query can
// use several threads. Block and split counts are attributes: a schedule, not code.
#include "passes/passes.h"

namespace q3c::passes {

constexpr int64_t kBlock = 64;   // keys per block: 64 x head_dim floats stay in L1
constexpr int64_t kSplits = 4;   // decode: context parts merged at the end

ir::Graph flashAttention(const ir::Graph& g) {
  Rewriter rw(g);
  return rw.run([&](const ir::Node& n) {
    if (n.op != ir::OpKind::Attention) return false;
    rw.replace(n, ir::OpKind::FlashAttention, rw.mappedOperands(n),
               {{"scale", n.attrs.at("scale")}, {"block", kBlock}, {"splits", kSplits}});
    return true;
  });
}

}  // namespace q3c::passes
