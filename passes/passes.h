// Every pass is a function from graph to graph, one per file. See docs/passes.md.
#pragma once
#include <algorithm>
#include <map>
#include <set>

#include "ir/graph.h"
#include "passes/rewriter.h"

namespace q3c::passes {

ir::Graph quantizeWeights(const ir::Graph& g);
ir::Graph foldRmsNormWeight(const ir::Graph& g);
ir::Graph horizontalFusion(const ir::Graph& g);
ir::Graph fuseQkvRopeKv(const ir::Graph& g);
ir::Graph fuseSwiglu(const ir::Graph& g);
ir::Graph fuseResidual(const ir::Graph& g);
ir::Graph prologueRmsNorm(const ir::Graph& g);
ir::Graph flashAttention(const ir::Graph& g);
ir::Graph planMemory(const ir::Graph& g);

// Is this op one of the matmul family (may take a fused RMSNorm prologue)?
bool isMatMulFamily(ir::OpKind k);

}  // namespace q3c::passes
