// q3c synth: deterministic weights, the real sharded layout, and models that load and run.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "codegen/backend.h"
#include "frontend/error.h"
#include "frontend/synth.h"
#include "runtime/session.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

namespace fs = std::filesystem;

SynthShape smallSharded() { return SynthShape{"small", 1000, 64, 96, 3, 4, 2, 16, 2048, false, 3}; }

std::string synth(const std::string& dir, SynthShape shape, uint64_t seed, ir::DType dt = ir::DType::BF16) {
  SynthOptions o;
  o.shape = shape;
  o.seed = seed;
  o.dtype = dt;
  o.outDir = dir;
  synthesizeModel(o);
  return dir;
}

TEST(Synth, SameSeedSameBytesOtherSeedOtherBytes) {
  test::TempDir tmp;
  synth(tmp / "a", synthPreset("tiny"), 1);
  synth(tmp / "b", synthPreset("tiny"), 1);
  synth(tmp / "c", synthPreset("tiny"), 2);
  std::string a = test::readFile(tmp / "a/model.safetensors");
  EXPECT_EQ(a, test::readFile(tmp / "b/model.safetensors"));
  EXPECT_NE(a, test::readFile(tmp / "c/model.safetensors"));
}

TEST(Synth, WritesTheShardedLayoutWithItsIndex) {
  test::TempDir tmp;
  std::string dir = synth(tmp / "m", smallSharded(), 0);
  for (const char* f : {"config.json", "generation_config.json", "model.safetensors.index.json",
                        "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                        "model-00003-of-00003.safetensors"})
    EXPECT_TRUE(fs::exists(fs::path(dir) / f)) << f;
  EXPECT_FALSE(fs::exists(fs::path(dir) / "model.safetensors"));
  auto index = nlohmann::json::parse(test::readFile(dir + "/model.safetensors.index.json"));
  EXPECT_EQ(index["weight_map"]["lm_head.weight"], "model-00003-of-00003.safetensors");
  EXPECT_EQ(index["weight_map"]["model.embed_tokens.weight"], "model-00001-of-00003.safetensors");

  Model model = Model::load(dir);
  EXPECT_FALSE(model.config.tieWordEmbeddings);
  EXPECT_EQ(model.weights.totalBytes(), index["metadata"]["total_size"].get<size_t>());
  EXPECT_EQ(model.eosIds, (std::vector<int32_t>{151645, 151643}));
  auto backend = createBackend("interp");
  Session s(model, *backend, 16);
  const float* logits = s.forward({1, 2, 3});
  for (int i = 0; i < 3 * 1000; ++i) ASSERT_TRUE(std::isfinite(logits[i]));
}

TEST(Synth, PresetsHaveTheRealModelsShapes) {
  SynthShape s4 = synthPreset("qwen3-4b");
  EXPECT_EQ(s4.hidden, 2560);
  EXPECT_EQ(s4.intermediate, 9728);
  EXPECT_EQ(s4.layers, 36);
  EXPECT_EQ(s4.heads, 32);
  EXPECT_EQ(s4.kvHeads, 8);
  EXPECT_EQ(s4.headDim, 128);
  EXPECT_EQ(s4.vocab, 151936);
  EXPECT_TRUE(s4.tied);
  EXPECT_EQ(s4.shards, 3);
  EXPECT_FALSE(synthPreset("qwen3-8b").tied);
  EXPECT_EQ(synthPreset("qwen3-0.6b").hidden, 1024);
  EXPECT_THROW(synthPreset("qwen3-70b"), Error);
}

TEST(Synth, ActivationsStayFiniteThroughDeepModels) {
  // 36 layers like Qwen3-4B, narrow so it is quick: the residual must not blow up.
  test::TempDir tmp;
  SynthShape deep{"deep", 2000, 128, 256, 36, 4, 2, 32, 4096, true, 1};
  Model model = Model::load(synth(tmp / "d", deep, 5));
  auto backend = createBackend("interp");
  Session s(model, *backend, 64);
  std::vector<int32_t> ids(48);
  for (int i = 0; i < 48; ++i) ids[i] = i * 37 % 2000;
  s.forward(ids);
  std::vector<float> last = s.executable().valueOf("l35.out");
  ASSERT_FALSE(last.empty());
  double m = test::maxAbs(last);
  EXPECT_TRUE(std::isfinite(m));
  EXPECT_LT(m, 1e3);
}

}  // namespace
}  // namespace q3c
