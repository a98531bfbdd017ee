#include "passes/pass_manager.h"

#include <chrono>
#include <cstdio>

#include "passes/passes.h"

namespace q3c::passes {

const std::vector<PassInfo>& allPasses() {
  static const std::vector<PassInfo> passes = {
      {"quantize-weights", "weight-only int8/int4 in groups, as the graph attributes quant and quant_group ask (--quant)",
       quantizeWeights},
      {"fold-rmsnorm-weight", "fold an RMSNorm weight into the f32 weights of the matmuls it feeds", foldRmsNormWeight},
      {"horizontal-fusion", "one matmul for matmuls that share their input (q/k/v, gate/up)", horizontalFusion},
      {"fuse-qkv-rope-kv", "per-head q/k RMSNorm, RoPE and the KV-cache append into the QKV matmul", fuseQkvRopeKv},
      {"fuse-swiglu", "SiLU(gate) * up into the gate/up matmul", fuseSwiglu},
      {"fuse-residual", "the residual add into the matmul that feeds it (o_proj, down_proj)", fuseResidual},
      {"prologue-rmsnorm", "the RMSNorm row scale computed where the matmul reads its input", prologueRmsNorm},
      {"flash-attention", "online-softmax attention in blocks, decode split over the context", flashAttention},
      {"dce", "drop values nothing depends on", eliminateDeadCode},
      {"plan-memory", "place activations in one arena by liveness; count bytes moved per token", planMemory},
  };
  return passes;
}

bool isMatMulFamily(ir::OpKind k) { return ir::opInfo(k).normWeightOperand; }

std::vector<std::string> parsePassList(const std::string& text) {
  std::vector<std::string> names;
  size_t at = 0;
  while (at <= text.size()) {
    size_t comma = text.find(',', at);
    std::string name = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
    at = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (name.empty()) continue;
    bool known = false;
    std::string all;
    for (const PassInfo& p : allPasses()) {
      known = known || name == p.name;
      all += (all.empty() ? "" : ", ") + std::string(p.name);
    }
    if (!known) throw ir::IrError("unknown pass '" + name + "' (passes: " + all + ")");
    names.push_back(name);
  }
  return names;
}

ir::Graph runPipeline(const ir::Graph& input, const PipelineOptions& opt, std::ostream& log) {
  std::vector<const PassInfo*> order;
  if (opt.passes.empty()) {
    for (const PassInfo& p : allPasses()) order.push_back(&p);
  } else {
    for (const std::string& name : opt.passes)
      for (const PassInfo& p : allPasses())
        if (name == p.name) order.push_back(&p);
  }
  auto wants = [](const std::set<std::string>& set, const char* name) { return set.count("all") || set.count(name); };
  ir::Graph g = input;
  for (const PassInfo* p : order) {
    if (opt.disabled.count(p->name)) continue;
    if (wants(opt.printBefore, p->name)) log << "// ----- IR before " << p->name << " -----\n" << ir::print(g);
    auto start = std::chrono::steady_clock::now();
    g = p->run(g);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (opt.verifyEach) {
      try {
        ir::verify(g);
      } catch (const ir::IrError& e) {
        throw ir::IrError(std::string("after pass ") + p->name + ": " + e.what());
      }
    }
    if (opt.timePasses) {
      char line[160];
      std::snprintf(line, sizeof line, "pass %-22s %8.3f ms  %5zu nodes\n", p->name, ms, g.nodes().size());
      log << line;
    }
    if (wants(opt.printAfter, p->name)) log << "// ----- IR after " << p->name << " -----\n" << ir::print(g);
  }
  return g;
}

}  // namespace q3c::passes
