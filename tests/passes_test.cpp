// Every pass keeps the numbers: the rewritten graph gives the unfused graph's logits within
// 1e-5 relative on the golden models, for each pass alone, for every prefix of the default
// pipeline, and for the whole of it. Each pass must also actually rewrite something.
#include <gtest/gtest.h>

#include <sstream>

#include "codegen/backend.h"
#include "passes/pass_manager.h"
#include "runtime/session.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

constexpr double kTolerance = 1e-5;

// Logits of a 20-token prefill followed by 3 decode steps.
std::vector<float> logitsOf(const Model& m, const ir::Graph& g) {
  auto backend = createBackend("interp");
  Session s(m, *backend, 32, &g);
  std::vector<int32_t> ids;
  for (int i = 0; i < 20; ++i) ids.push_back(static_cast<int32_t>((i * 131 + 7) % m.config.vocabSize));
  const int64_t V = m.config.vocabSize;
  const float* p = s.forward(ids);
  std::vector<float> out(p, p + 20 * V);
  for (int32_t next : {5, 17, 3}) {
    p = s.forward({next});
    out.insert(out.end(), p, p + V);
  }
  return out;
}

ir::Graph runPasses(const ir::Graph& g, std::vector<std::string> names) {
  passes::PipelineOptions opt;
  opt.passes = std::move(names);
  std::ostringstream log;
  return passes::runPipeline(g, opt, log);
}

std::string opsOf(const ir::Graph& g) {
  std::string s;
  for (const ir::Node& n : g.nodes()) s += std::string(ir::opInfo(n.op).name) + " ";
  return s;
}

struct Golden {
  std::string name;
  Model model;
  std::vector<float> reference;
};

class Passes : public ::testing::Test {
 protected:
  static std::vector<Golden>* models;
  static void SetUpTestSuite() {
    models = new std::vector<Golden>;
    for (const std::string& m : test::goldenModels()) {
      Model model = Model::load((test::goldenDir() / m).string());
      std::vector<float> ref = logitsOf(model, model.graph);
      models->push_back({m, std::move(model), std::move(ref)});
    }
  }
  static void TearDownTestSuite() { delete models; }
};
std::vector<Golden>* Passes::models = nullptr;

// The op a pass must leave behind on every golden model (empty: checked otherwise).
const std::map<std::string, std::string> kEvidence = {
    {"horizontal-fusion", "concat_rows"}, {"fuse-qkv-rope-kv", "qkv_rope_kv"}, {"fuse-swiglu", "matmul_swiglu"},
    {"fuse-residual", "matmul_add"},      {"flash-attention", "flash_attention"}, {"prologue-rmsnorm", "norm_eps"}};

TEST_F(Passes, EachPassAloneKeepsTheLogits) {
  for (const passes::PassInfo& p : passes::allPasses()) {
    for (const Golden& m : *models) {
      ir::Graph g = runPasses(m.model.graph, {p.name});
      std::string text = ir::print(g);
      if (kEvidence.count(p.name)) {
        EXPECT_NE(text.find(kEvidence.at(p.name)), std::string::npos) << p.name << " on " << m.name;
      }
      double err = test::relativeError(logitsOf(m.model, g), m.reference);
      EXPECT_LE(err, kTolerance) << p.name << " on " << m.name;
    }
  }
}

TEST_F(Passes, FoldingHappensOnlyForF32WeightsAndNeverIntoATiedEmbedding) {
  for (const Golden& m : *models) {
    ir::Graph g = runPasses(m.model.graph, {"fold-rmsnorm-weight"});
    std::string text = ir::print(g);
    bool f32 = m.model.weights.find("model.norm.weight")->dtype == ir::DType::F32;
    EXPECT_EQ(text.find("scale_cols") != std::string::npos, f32) << m.name;
    EXPECT_EQ(text.find("scale_cols(%embed_tokens"), std::string::npos) << m.name;
    // The final norm feeds the lm_head; with a tied embedding it must stay a weighted norm.
    if (m.model.config.tieWordEmbeddings) {
      ir::ValueId finalNorm = g.findValue("hidden." + std::to_string(m.model.config.numLayers));
      ASSERT_GE(finalNorm, 0) << m.name;
      EXPECT_EQ(g.producer(finalNorm).op, ir::OpKind::RmsNorm) << m.name;
    }
  }
}

TEST_F(Passes, EveryPrefixOfTheDefaultPipelineKeepsTheLogits) {
  std::vector<std::string> prefix;
  for (const passes::PassInfo& p : passes::allPasses()) {
    prefix.push_back(p.name);
    for (const Golden& m : *models) {
      double err = test::relativeError(logitsOf(m.model, runPasses(m.model.graph, prefix)), m.reference);
      EXPECT_LE(err, kTolerance) << "up to " << p.name << " on " << m.name;
    }
  }
}

TEST_F(Passes, DefaultPipelineFusesEveryLayer) {
  for (const Golden& m : *models) {
    ir::Graph g = runPasses(m.model.graph, {});
    std::string ops = opsOf(g);
    auto count = [&](const std::string& op) {
      size_t n = 0;
      for (size_t at = ops.find(op + " "); at != std::string::npos; at = ops.find(op + " ", at + 1))
        if (at == 0 || ops[at - 1] == ' ') ++n;
      return static_cast<int64_t>(n);
    };
    const int64_t L = m.model.config.numLayers;
    EXPECT_EQ(count("qkv_rope_kv"), L) << m.name;
    EXPECT_EQ(count("matmul_swiglu"), L) << m.name;
    EXPECT_EQ(count("matmul_add"), 2 * L) << m.name;
    EXPECT_EQ(count("flash_attention"), L) << m.name;
    // Every norm is computed inside the matmul it feeds, the final one inside the lm_head.
    EXPECT_EQ(count("rms_norm") + count("normalize"), 0) << m.name;
    EXPECT_EQ(count("silu") + count("mul") + count("add") + count("rope") + count("kv_append"), 0) << m.name;
    EXPECT_GT(std::get<int64_t>(g.attrs.at("arena_bytes_per_token")), 0);
  }
}

TEST(PassManager, OptionsSelectDisablePrintAndTime) {
  Model m = Model::load((test::goldenDir() / "tiny-f32-tied").string());
  passes::PipelineOptions opt;
  opt.disabled = {"flash-attention"};
  opt.printAfter = {"fuse-swiglu"};
  opt.printBefore = {"dce"};
  opt.timePasses = true;
  std::ostringstream log;
  ir::Graph g = passes::runPipeline(m.graph, opt, log);
  std::string text = log.str();
  EXPECT_NE(text.find("IR after fuse-swiglu"), std::string::npos);
  EXPECT_NE(text.find("IR before dce"), std::string::npos);
  EXPECT_EQ(text.find("IR after fuse-residual"), std::string::npos);
  EXPECT_NE(text.find("pass plan-memory"), std::string::npos);
  EXPECT_EQ(text.find("pass flash-attention"), std::string::npos);  // disabled: not run, not timed
  EXPECT_EQ(ir::print(g).find("flash_attention"), std::string::npos);
  EXPECT_NE(ir::print(g).find("= attention("), std::string::npos);
  EXPECT_THROW(passes::parsePassList("dce,warp-drive"), ir::IrError);
  EXPECT_EQ(passes::parsePassList("dce,fuse-swiglu"), (std::vector<std::string>{"dce", "fuse-swiglu"}));
}

}  // namespace
}  // namespace q3c
