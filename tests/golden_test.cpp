// The interpreter against Hugging Face transformers on every case of every model in
// shared/golden: logits, per-layer hidden states and greedy continuations.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "codegen/backend.h"
#include "runtime/session.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

using test::relativeError;

constexpr double kLogitTolerance = 1e-4;   // relative to max |logit|, as the issue demands
constexpr double kHiddenTolerance = 1e-4;  // relative to max |hidden| of that layer

struct GoldenCase {
  std::string model;
  int seqLen;
};

std::vector<GoldenCase> allCases() {
  std::vector<GoldenCase> cases;
  for (const std::string& m : test::goldenModels()) {
    std::ifstream in(test::goldenDir() / m / "reference.json");
    auto j = nlohmann::json::parse(in, nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& c : j["cases"]) cases.push_back({m, c["seq_len"].get<int>()});
  }
  return cases;
}

class Golden : public ::testing::TestWithParam<GoldenCase> {
 protected:
  static void SetUpTestSuite() {}
  std::string dir() const { return (test::goldenDir() / GetParam().model).string(); }
  std::string key(const std::string& what) const { return "L" + std::to_string(GetParam().seqLen) + "." + what; }
};

TEST(GoldenData, IsPresent) {
  // Without the shared folder every golden test would silently vanish; fail loudly instead.
  EXPECT_GE(test::goldenModels().size(), 3u) << "no golden models under " << test::goldenDir();
  EXPECT_GE(allCases().size(), 3u);
}

TEST_P(Golden, LogitsAndHiddenStatesMatchTransformers) {
  Model model = Model::load(dir());
  WeightStore ref = WeightStore::open((test::goldenDir() / GetParam().model / "reference.safetensors").string());
  std::vector<int32_t> ids = test::tensorI32(*ref.find(key("input_ids")));
  auto backend = createBackend("interp");
  Session s(model, *backend, static_cast<int64_t>(ids.size()));
  const float* logits = s.forward(ids);

  std::vector<float> want = test::tensorF32(*ref.find(key("logits")));
  std::vector<float> got(logits, logits + want.size());
  double err = relativeError(got, want);
  EXPECT_LE(err, kLogitTolerance) << "logits of " << GetParam().model << " " << key("");
  RecordProperty("logit_rel_error", std::to_string(err));
  std::printf("[ golden ] %s %s logits rel err %.3g\n", GetParam().model.c_str(), key("").c_str(), err);

  for (int64_t i = 0; i <= model.config.numLayers; ++i) {
    std::string name = "hidden." + std::to_string(i);
    std::vector<float> h = s.executable().valueOf(name);
    ASSERT_FALSE(h.empty()) << name << " was not kept";
    EXPECT_LE(relativeError(h, test::tensorF32(*ref.find(key(name)))), kHiddenTolerance) << name;
  }
}

TEST_P(Golden, GreedyContinuationMatchesUntilNearTie) {
  Model model = Model::load(dir());
  WeightStore ref = WeightStore::open((test::goldenDir() / GetParam().model / "reference.safetensors").string());
  std::vector<int32_t> ids = test::tensorI32(*ref.find(key("input_ids")));
  std::vector<int32_t> want = test::tensorI32(*ref.find(key("greedy")));
  std::vector<float> margin = test::tensorF32(*ref.find(key("greedy_margin")));
  double maxLogit = test::maxAbs(test::tensorF32(*ref.find(key("logits"))));

  auto backend = createBackend("interp");
  Session s(model, *backend, static_cast<int64_t>(ids.size() + want.size()));
  GenerateOptions opt;
  opt.maxNew = static_cast<int64_t>(want.size());
  opt.stopAtEos = false;
  std::vector<int32_t> got = generateGreedy(s, ids, model.eosIds, opt);
  ASSERT_EQ(got.size(), want.size());
  // Past a step whose top-2 margin is within our logit error, either token is right.
  size_t compared = 0;
  for (size_t i = 0; i < want.size() && margin[i] > kLogitTolerance * maxLogit; ++i, ++compared)
    ASSERT_EQ(got[i], want[i]) << "greedy step " << i << " (margin " << margin[i] << ")";
  std::printf("[ golden ] %s %s greedy agrees on %zu of %zu steps\n", GetParam().model.c_str(), key("").c_str(), compared,
              want.size());
}

INSTANTIATE_TEST_SUITE_P(AllCases, Golden, ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) {
                           std::string n = info.param.model + "_L" + std::to_string(info.param.seqLen);
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace q3c
