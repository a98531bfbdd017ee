// The generation loop on a golden model: greedy equals transformers' continuation and
// generateGreedy; a prompt that extends the cached tokens reuses them and gives the same answer
// as a fresh run; every stop (end of sequence, token limit, full context, stop flag) ends it.
#include <gtest/gtest.h>

#include "codegen/backend.h"
#include "frontend/error.h"
#include "runtime/generator.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

const std::string kModel = "tiny-f32-tied";

class GeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (test::goldenDir() / kModel).string();
    model_ = std::make_unique<Model>(Model::load(dir_));
    WeightStore ref = WeightStore::open(dir_ + "/reference.safetensors");
    prompt_ = test::tensorI32(*ref.find("L37.input_ids"));
    greedy_ = test::tensorI32(*ref.find("L37.greedy"));
    margin_ = test::tensorF32(*ref.find("L37.greedy_margin"));
    backend_ = createBackend("interp");
  }

  Sampler greedySampler() { return Sampler(model_->config.vocabSize, SamplerOptions{}); }

  std::string dir_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Backend> backend_;
  std::vector<int32_t> prompt_, greedy_;
  std::vector<float> margin_;
};

TEST_F(GeneratorTest, GreedyMatchesTransformersAndGenerateGreedy) {
  Session s(*model_, *backend_, 128);
  Generator g(s, 128);
  Sampler sampler = greedySampler();
  GenerationOptions opt;
  opt.maxNew = static_cast<int64_t>(greedy_.size());
  std::vector<int32_t> streamed;
  opt.onToken = [&](int32_t id) { streamed.push_back(id); };
  GenerationResult r = g.generate(prompt_, sampler, opt);
  ASSERT_EQ(r.tokens.size(), greedy_.size());
  EXPECT_EQ(streamed, r.tokens);
  EXPECT_EQ(r.stop, StopReason::MaxTokens);
  for (size_t i = 0; i < greedy_.size() && margin_[i] > 1e-3; ++i) ASSERT_EQ(r.tokens[i], greedy_[i]) << "step " << i;

  Session other(*model_, *backend_, 128);
  GenerateOptions go;
  go.maxNew = opt.maxNew;
  go.stopAtEos = false;
  EXPECT_EQ(r.tokens, generateGreedy(other, prompt_, {}, go));

  EXPECT_EQ(r.stats.promptTokens, static_cast<int64_t>(prompt_.size()));
  EXPECT_EQ(r.stats.newTokens, static_cast<int64_t>(greedy_.size()));
  EXPECT_GT(r.stats.prefillTokensPerSecond(), 0);
  EXPECT_GT(r.stats.decodeTokensPerSecond(), 0);
  EXPECT_NE(r.stats.describe().find("tok/s"), std::string::npos);
}

TEST_F(GeneratorTest, ANextTurnReusesTheCacheAndAnswersAsAFreshRun) {
  Session s(*model_, *backend_, 256);
  Generator g(s, 256);
  Sampler sampler = greedySampler();
  GenerationOptions opt;
  opt.maxNew = 8;
  GenerationResult first = g.generate(prompt_, sampler, opt);
  // The cache holds the prompt and every answer token but the last (never fed back).
  ASSERT_EQ(g.cachedTokens().size(), prompt_.size() + first.tokens.size() - 1);

  std::vector<int32_t> next = prompt_;
  next.insert(next.end(), first.tokens.begin(), first.tokens.end());
  next.insert(next.end(), {5, 17, 300});
  GenerationResult second = g.generate(next, sampler, opt);
  EXPECT_EQ(second.stats.cachedTokens, static_cast<int64_t>(prompt_.size() + first.tokens.size() - 1));
  EXPECT_EQ(second.stats.promptTokens, 4);

  Session freshSession(*model_, *backend_, 256);
  Generator fresh(freshSession, 256);
  GenerationResult want = fresh.generate(next, sampler, opt);
  EXPECT_EQ(want.stats.cachedTokens, 0);
  EXPECT_EQ(second.tokens, want.tokens);

  // A prompt that only shares a prefix (an edited turn, or reasoning the template dropped)
  // keeps that prefix, runs the rest, and answers as a fresh run would.
  std::vector<int32_t> edited = prompt_;
  edited[3] = edited[3] == 1 ? 2 : 1;
  GenerationResult third = g.generate(edited, sampler, opt);
  EXPECT_EQ(third.stats.cachedTokens, 3);
  EXPECT_EQ(third.stats.promptTokens, static_cast<int64_t>(edited.size()) - 3);
  Session editedSession(*model_, *backend_, 256);
  Generator editedFresh(editedSession, 256);
  EXPECT_EQ(third.tokens, editedFresh.generate(edited, sampler, opt).tokens);

  // The same prompt again: all but its last token come from the cache.
  GenerationResult again = g.generate(edited, sampler, opt);
  EXPECT_EQ(again.stats.cachedTokens, static_cast<int64_t>(edited.size()) - 1);
  EXPECT_EQ(again.tokens, third.tokens);
}

TEST_F(GeneratorTest, EveryStopEndsTheAnswer) {
  Session s(*model_, *backend_, 64);
  Generator g(s, 64);
  Sampler sampler = greedySampler();

  GenerationOptions eos;
  eos.maxNew = 20;
  eos.eosIds = {greedy_[2]};
  GenerationResult r = g.generate(prompt_, sampler, eos);
  EXPECT_EQ(r.stop, StopReason::Eos);
  EXPECT_EQ(r.tokens.back(), greedy_[2]);

  // Context 64, prompt 37: the prompt's logits give one token, each of the 27 free positions one more.
  GenerationOptions many;
  many.maxNew = 1000;
  r = g.generate(prompt_, sampler, many);
  EXPECT_EQ(r.stop, StopReason::ContextFull);
  EXPECT_EQ(r.tokens.size(), 64 - prompt_.size() + 1);

  std::atomic<bool> stop{true};
  GenerationOptions stopped;
  stopped.stop = &stop;
  r = g.generate(prompt_, sampler, stopped);
  EXPECT_EQ(r.stop, StopReason::Interrupted);
  EXPECT_TRUE(r.tokens.empty());
  stop = false;
  int n = 0;
  stopped.onToken = [&](int32_t) {
    if (++n == 3) stop = true;  // as a Ctrl-C during the third token would
  };
  r = g.generate(prompt_, sampler, stopped);
  EXPECT_EQ(r.stop, StopReason::Interrupted);
  EXPECT_EQ(r.tokens.size(), 3u);

  std::vector<int32_t> tooLong(65, 1);
  EXPECT_THROW(g.generate(tooLong, sampler, many), Error);
  EXPECT_THROW(g.generate({}, sampler, many), Error);
  EXPECT_THROW(g.generate({1, 99999}, sampler, many), Error);
}

TEST(Generator, CommonPrefix) {
  EXPECT_EQ(commonPrefix({1, 2, 3}, {1, 2, 4}), 2u);
  EXPECT_EQ(commonPrefix({1, 2}, {1, 2, 3}), 2u);
  EXPECT_EQ(commonPrefix({}, {1}), 0u);
}

}  // namespace
}  // namespace q3c
