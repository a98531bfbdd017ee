// config.json in both layouts, and clear errors for configs q3c cannot run.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "frontend/error.h"
#include "frontend/model_config.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

using nlohmann::json;

json goldenConfig(const std::string& model, const char* file = "config.json") {
  return json::parse(test::readFile((test::goldenDir() / model / file).string()));
}

std::string errorOf(const json& j) {
  try {
    ModelConfig::fromJsonText(j.dump(), "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelConfig, BothLayoutsGiveTheSameModel) {
  for (const std::string& m : test::goldenModels()) {
    std::string dir = (test::goldenDir() / m).string();
    ModelConfig legacy = ModelConfig::load(dir);
    ModelConfig v5 = ModelConfig::load(dir + "/config.transformers.json");
    EXPECT_EQ(legacy.hiddenSize, v5.hiddenSize) << m;
    EXPECT_EQ(legacy.numKvHeads, v5.numKvHeads) << m;
    EXPECT_EQ(legacy.headDim, v5.headDim) << m;
    EXPECT_EQ(legacy.tieWordEmbeddings, v5.tieWordEmbeddings) << m;
    EXPECT_EQ(legacy.rope.toAttrs(), v5.rope.toAttrs()) << m;
  }
}

TEST(ModelConfig, ReadsYarnAndDefaults) {
  ModelConfig c = ModelConfig::load((test::goldenDir() / "tiny-yarn").string());
  EXPECT_EQ(c.rope.scaling, "yarn");
  EXPECT_EQ(c.rope.factor, 4.0);
  EXPECT_EQ(c.rope.originalMaxPosition, 64);
  EXPECT_EQ(c.rope.theta, 10000.0);
  EXPECT_NEAR(c.rope.attentionFactor, 0.1 * std::log(4.0) + 1.0, 1e-12);
  EXPECT_EQ(c.numKvHeads, 1);

  json j = goldenConfig("tiny-f32-tied");
  j.erase("num_key_value_heads");  // defaults to the query heads
  j.erase("head_dim");             // defaults to hidden / heads
  ModelConfig d = ModelConfig::fromJsonText(j.dump(), "x");
  EXPECT_EQ(d.numKvHeads, d.numHeads);
  EXPECT_EQ(d.headDim, d.hiddenSize / d.numHeads);
}

TEST(ModelConfig, RejectsBadConfigsClearly) {
  json base = goldenConfig("tiny-f32-tied");
  auto with = [&](const std::function<void(json&)>& edit) {
    json j = base;
    edit(j);
    return errorOf(j);
  };
  EXPECT_NE(with([](json& j) { j.erase("hidden_size"); }).find("missing field 'hidden_size'"), std::string::npos);
  EXPECT_NE(with([](json& j) { j["num_key_value_heads"] = 3; }).find("not divisible by num_key_value_heads"),
            std::string::npos);
  EXPECT_NE(with([](json& j) { j["rope_scaling"] = {{"rope_type", "longrope"}, {"factor", 2}}; })
                .find("unsupported rope type 'longrope'"),
            std::string::npos);
  EXPECT_NE(with([](json& j) { j["model_type"] = "llama"; }).find("unsupported model_type 'llama'"), std::string::npos);
  EXPECT_NE(with([](json& j) { j["vocab_size"] = -5; }).find("'vocab_size' must be a positive integer"),
            std::string::npos);
  EXPECT_NE(with([](json& j) { j["hidden_size"] = "128"; }).find("'hidden_size' must be a positive integer"),
            std::string::npos);
  EXPECT_NE(with([](json& j) { j["rope_scaling"] = {{"rope_type", "yarn"}}; }).find("needs a 'factor'"),
            std::string::npos);
  EXPECT_NE(with([](json& j) { j["head_dim"] = 33; }).find("head_dim must be even"), std::string::npos);
  EXPECT_NE(with([](json& j) { j["hidden_act"] = "gelu"; }).find("unsupported hidden_act"), std::string::npos);
  try {
    ModelConfig::fromJsonText("{\"model_type\": ", "cfg.json");
    FAIL() << "bad JSON accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "cfg.json: not valid JSON");
  }
  try {
    ModelConfig::load("/nonexistent/dir");
    FAIL() << "missing file accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open"), std::string::npos);
  }
}

}  // namespace
}  // namespace q3c
