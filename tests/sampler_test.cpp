// The sampler against distributions computed by hand: each filter alone and in transformers'
// order, the penalties, seeds, generation_config.json defaults, and no allocation per token.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <new>
#include <numeric>
#include <random>

#include "frontend/error.h"
#include "runtime/sampler.h"
#include "tests/test_support.h"

// GCC sees the replaced delete call free() on memory from operator new and warns; they pair up.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Counts heap allocations while `countAllocations` is on, to show that sampling allocates nothing.
namespace {
std::atomic<bool> countAllocations{false};
std::atomic<int64_t> allocations{0};
}  // namespace

void* operator new(size_t n) {
  if (countAllocations.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace q3c {
namespace {

// Draws: 200,000 per distribution; a frequency's standard deviation is at most
// sqrt(0.25 / 200000) = 0.0011, so a tolerance of 0.006 is more than 5 standard deviations.
constexpr int kDraws = 200000;
constexpr double kTolerance = 0.006;

std::vector<float> logitsOf(const std::vector<double>& probs) {
  std::vector<float> l;
  for (double p : probs) l.push_back(static_cast<float>(std::log(p)));
  return l;
}

SamplerOptions sampling(float temperature = 1.0f) {
  SamplerOptions o;
  o.doSample = true;
  o.temperature = temperature;
  o.seed = 1234;
  return o;
}

std::vector<double> frequencies(const std::vector<float>& logits, const SamplerOptions& opt, int draws = kDraws) {
  Sampler s(static_cast<int64_t>(logits.size()), opt);
  std::vector<double> f(logits.size());
  for (int i = 0; i < draws; ++i) f[static_cast<size_t>(s.sample(logits.data()))] += 1.0 / draws;
  return f;
}

void expectDistribution(const std::vector<double>& got, const std::vector<double>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == 0) {
      EXPECT_EQ(got[i], 0.0) << what << ": token " << i << " must never be drawn";
    } else {
      EXPECT_NEAR(got[i], want[i], kTolerance) << what << ": token " << i;
    }
  }
}

std::vector<float> randomLogits(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, 3.0f);
  std::vector<float> l(n);
  for (float& x : l) x = d(rng);
  return l;
}

// The probabilities below, by id: 0.5, 0.25, 0.15, 0.1.
const std::vector<double> kProbs = {0.5, 0.25, 0.15, 0.1};

TEST(Sampler, GreedyIsArgmax) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> l = randomLogits(1000, seed);
    Sampler s(1000, SamplerOptions{});
    EXPECT_EQ(s.sample(l.data()), std::max_element(l.begin(), l.end()) - l.begin());
  }
  // Temperature 0 means greedy even when sampling is asked for.
  std::vector<float> l = randomLogits(1000, 99);
  Sampler s(1000, sampling(0.0f));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(l.data()), std::max_element(l.begin(), l.end()) - l.begin());
}

TEST(Sampler, TopKOfOneEqualsGreedy) {
  SamplerOptions o = sampling(1.5f);
  o.topK = 1;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::vector<float> l = randomLogits(5000, seed);
    Sampler s(5000, o);
    for (int i = 0; i < 5; ++i) EXPECT_EQ(s.sample(l.data()), std::max_element(l.begin(), l.end()) - l.begin());
  }
}

TEST(Sampler, NeverChoosesIdsPastTheTokenizer) {
  // Models pad the vocabulary; the padding ids have no text and must not be drawn or picked.
  std::vector<float> l = {0.0f, 0.0f, 5.0f, 5.0f};
  Sampler greedy(4, SamplerOptions{}, 2);
  EXPECT_LT(greedy.sample(l.data()), 2);
  Sampler s(4, sampling(), 2);
  for (int i = 0; i < 1000; ++i) EXPECT_LT(s.sample(l.data()), 2);
}

TEST(Sampler, TemperatureMatchesTheSoftmax) {
  expectDistribution(frequencies(logitsOf(kProbs), sampling(1.0f)), kProbs, "T 1");
  // T 2: p ~ sqrt(p): 0.7071, 0.5, 0.3873, 0.3162, sum 1.9106.
  expectDistribution(frequencies(logitsOf(kProbs), sampling(2.0f)), {0.3701, 0.2617, 0.2027, 0.1655}, "T 2");
  // T 0.5: p ~ p^2: 0.25, 0.0625, 0.0225, 0.01, sum 0.345.
  expectDistribution(frequencies(logitsOf(kProbs), sampling(0.5f)), {0.7246, 0.1812, 0.0652, 0.0290}, "T 0.5");
}

TEST(Sampler, TopKKeepsTheKMostLikely) {
  SamplerOptions o = sampling();
  o.topK = 2;
  expectDistribution(frequencies(logitsOf(kProbs), o), {2.0 / 3, 1.0 / 3, 0, 0}, "top-k 2");
  // The same with shuffled ids.
  expectDistribution(frequencies(logitsOf({0.15, 0.5, 0.1, 0.25}), o), {0, 2.0 / 3, 0, 1.0 / 3}, "top-k 2 shuffled");
}

TEST(Sampler, TopPKeepsTheSmallestSetReachingP) {
  SamplerOptions o = sampling();
  o.topP = 0.7f;  // 0.5 < 0.7, 0.75 >= 0.7: the first two
  expectDistribution(frequencies(logitsOf(kProbs), o), {2.0 / 3, 1.0 / 3, 0, 0}, "top-p 0.7");
  o.topP = 0.8f;  // 0.75 < 0.8: three
  expectDistribution(frequencies(logitsOf(kProbs), o), {0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0}, "top-p 0.8");
  o.topP = 0.3f;  // the most likely alone
  expectDistribution(frequencies(logitsOf(kProbs), o), {1, 0, 0, 0}, "top-p 0.3");
}

TEST(Sampler, TopPOverALargeVocabularyKeepsExactlyTheNucleus) {
  // Many similar tokens, so the nucleus holds hundreds of them: the sampler sorts in steps.
  const size_t V = 4000;
  std::vector<float> l = randomLogits(V, 7);
  for (float& x : l) x *= 0.1f;
  std::vector<size_t> order(V);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return l[a] > l[b]; });
  double total = 0;
  for (float x : l) total += std::exp(static_cast<double>(x));
  std::vector<double> want(V);
  double before = 0, kept = 0;
  for (size_t i : order) {
    if (before >= 0.6 * total) break;
    before += std::exp(static_cast<double>(l[i]));
    want[i] = std::exp(static_cast<double>(l[i]));
    kept += want[i];
  }
  size_t nucleus = 0;
  for (double& w : want) {
    nucleus += w > 0;
    w /= kept;
  }
  ASSERT_GT(nucleus, 500u);
  SamplerOptions o = sampling();
  o.topP = 0.6f;
  std::vector<double> got = frequencies(l, o, 10000);
  for (size_t i = 0; i < V; ++i)
    if (want[i] == 0) {
      ASSERT_EQ(got[i], 0.0) << "token " << i << " is outside the nucleus";
    }
}

TEST(Sampler, MinPDropsTokensBelowAFractionOfTheBest) {
  SamplerOptions o = sampling();
  o.minP = 0.4f;  // threshold 0.2: 0.5 and 0.25 stay
  expectDistribution(frequencies(logitsOf(kProbs), o), {2.0 / 3, 1.0 / 3, 0, 0}, "min-p 0.4");
  o.minP = 0.25f;  // threshold 0.125: three stay
  expectDistribution(frequencies(logitsOf(kProbs), o), {0.5 / 0.9, 0.25 / 0.9, 0.15 / 0.9, 0}, "min-p 0.25");
  // After the temperature, as in transformers: T 2 gives 0.3701, 0.2617, 0.2027, 0.1655; relative
  // to the best 1, 0.707, 0.548, 0.447; min-p 0.5 keeps three.
  o = sampling(2.0f);
  o.minP = 0.5f;
  expectDistribution(frequencies(logitsOf(kProbs), o), {0.3701 / 0.8345, 0.2617 / 0.8345, 0.2027 / 0.8345, 0},
                     "T 2, min-p 0.5");
}

TEST(Sampler, FiltersApplyInTransformersOrder) {
  // top-k 3 renormalizes to 0.556, 0.278, 0.167 before top-p 0.8 looks: two stay (without
  // top-k, top-p 0.8 keeps three).
  SamplerOptions o = sampling();
  o.topK = 3;
  o.topP = 0.8f;
  expectDistribution(frequencies(logitsOf(kProbs), o), {2.0 / 3, 1.0 / 3, 0, 0}, "top-k 3, top-p 0.8");
  // The temperature comes first: T 2 flattens to 0.3701, 0.2617, 0.2027, 0.1655, and top-p 0.6
  // then keeps two (0.3701 < 0.6 <= 0.6318).
  o = sampling(2.0f);
  o.topP = 0.6f;
  expectDistribution(frequencies(logitsOf(kProbs), o), {0.3701 / 0.6318, 0.2617 / 0.6318, 0, 0}, "T 2, top-p 0.6");
}

TEST(Sampler, SameSeedSameDrawsOtherSeedOtherDraws) {
  std::vector<float> l = randomLogits(2000, 3);
  auto draws = [&](uint64_t seed) {
    SamplerOptions o = sampling(1.0f);
    o.seed = seed;
    o.topK = 50;
    o.topP = 0.95f;
    Sampler s(2000, o);
    std::vector<int32_t> out;
    for (int i = 0; i < 500; ++i) out.push_back(s.sample(l.data()));
    return out;
  };
  EXPECT_EQ(draws(42), draws(42));
  EXPECT_NE(draws(42), draws(43));
}

TEST(Sampler, RepetitionPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplerOptions o;  // greedy
  o.repetitionPenalty = 2.0f;
  {
    // Token 0 (2.0, in the prompt) becomes 1.0, below token 2 (1.5).
    std::vector<float> l = {2.0f, -1.0f, 1.5f, 0.5f};
    Sampler s(4, o);
    std::vector<int32_t> context = {0, 1};
    s.begin(context);
    EXPECT_EQ(s.sample(l.data()), 2);
  }
  {
    // Token 1 (-0.1, in the prompt) becomes -0.2, below token 2 (-0.15).
    std::vector<float> l = {-0.5f, -0.1f, -0.15f};
    Sampler s(3, o);
    std::vector<int32_t> context = {1};
    s.begin(context);
    EXPECT_EQ(s.sample(l.data()), 2);
  }
  {
    // Generated tokens count too, and the penalty does not grow with repeats: 1.0 vs 0.8 gives
    // 0, then 0.5 vs 0.8 gives 1, then 0.5 vs 0.4 gives 0, and again 0.
    std::vector<float> l = {1.0f, 0.8f};
    Sampler s(2, o);
    s.begin({});
    std::vector<int32_t> got;
    for (int i = 0; i < 4; ++i) got.push_back(s.sample(l.data()));
    EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 0, 0}));
  }
  {
    // The sampled distribution: logits log(0.5, 0.25, 0.15, 0.1) with token 0 in the prompt and
    // penalty 2: log 0.5 = -0.693 becomes -1.386 (p 0.25), so the weights are 0.25, 0.25, 0.15, 0.1.
    SamplerOptions so = sampling();
    so.repetitionPenalty = 2.0f;
    Sampler s(4, so);
    std::vector<float> l = logitsOf(kProbs);
    std::vector<double> f(4);
    std::vector<int32_t> context = {0};
    for (int i = 0; i < kDraws; ++i) {
      s.begin(context);  // forget the draw itself: only the prompt is penalized
      f[static_cast<size_t>(s.sample(l.data()))] += 1.0 / kDraws;
    }
    expectDistribution(f, {0.25 / 0.75, 0.25 / 0.75, 0.15 / 0.75, 0.1 / 0.75}, "repetition penalty 2");
  }
}

TEST(Sampler, PresencePenaltySubtractsOncePerGeneratedToken) {
  SamplerOptions o;
  o.presencePenalty = 0.5f;
  std::vector<float> l = {1.0f, 0.9f, 0.0f};
  Sampler s(3, o);
  std::vector<int32_t> context = {0};  // the prompt is not penalized
  s.begin(context);
  std::vector<int32_t> got;
  for (int i = 0; i < 4; ++i) got.push_back(s.sample(l.data()));
  // 1.0 > 0.9: 0; 0.5 < 0.9: 1; 0.5 > 0.4: 0; once per token, so 0 again (a frequency penalty
  // would now give 1).
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 0, 0}));
  // A new answer starts without penalties.
  s.begin(context);
  EXPECT_EQ(s.sample(l.data()), 0);
}

TEST(Sampler, SamplingAllocatesNothing) {
  SamplerOptions o = sampling(0.7f);
  o.topK = 20;
  o.topP = 0.8f;
  o.minP = 0.01f;
  o.repetitionPenalty = 1.1f;
  o.presencePenalty = 1.0f;
  std::vector<float> l = randomLogits(151936, 5);
  std::vector<int32_t> context = {1, 2, 3};
  for (int topK : {20, 0}) {
    SamplerOptions full = o;
    full.topK = topK;
    Sampler t(151936, full);
    t.begin(context);
    allocations = 0;
    countAllocations = true;
    for (int i = 0; i < 200; ++i) t.sample(l.data());
    countAllocations = false;
    EXPECT_EQ(allocations.load(), 0) << "top-k " << topK;
  }
}

TEST(SamplerOptions, ReadsGenerationConfigJson) {
  test::TempDir tmp;
  test::writeFile(tmp / "generation_config.json",
                  R"({"bos_token_id": 151643, "do_sample": true, "eos_token_id": [151645, 151643], "temperature": 0.6,
                      "top_k": 20, "top_p": 0.95, "min_p": null, "repetition_penalty": 1.05})");
  SamplerOptions o = SamplerOptions::fromGenerationConfig(tmp.path());
  EXPECT_TRUE(o.doSample);
  EXPECT_FLOAT_EQ(o.temperature, 0.6f);
  EXPECT_EQ(o.topK, 20);
  EXPECT_FLOAT_EQ(o.topP, 0.95f);
  EXPECT_FLOAT_EQ(o.minP, 0.0f);
  EXPECT_FLOAT_EQ(o.repetitionPenalty, 1.05f);
  EXPECT_FALSE(o.greedy());

  // Without the file: transformers' defaults, which decode greedily.
  test::TempDir empty;
  SamplerOptions d = SamplerOptions::fromGenerationConfig(empty.path());
  EXPECT_TRUE(d.greedy());
  EXPECT_EQ(d.topK, 50);

  test::writeFile(tmp / "generation_config.json", R"({"temperature": "hot"})");
  EXPECT_THROW(SamplerOptions::fromGenerationConfig(tmp.path()), Error);
  test::writeFile(tmp / "generation_config.json", R"({"top_p": 1.5})");
  EXPECT_THROW(SamplerOptions::fromGenerationConfig(tmp.path()), Error);
  test::writeFile(tmp / "generation_config.json", "{not json");
  EXPECT_THROW(SamplerOptions::fromGenerationConfig(tmp.path()), Error);
}

TEST(SamplerOptions, ModelCardSettingsPerMode) {
  SamplerOptions o;
  o.presencePenalty = 1.5f;
  o.applyModelCard(true);
  EXPECT_TRUE(o.doSample);
  EXPECT_FLOAT_EQ(o.temperature, 0.6f);
  EXPECT_FLOAT_EQ(o.topP, 0.95f);
  EXPECT_EQ(o.topK, 20);
  EXPECT_FLOAT_EQ(o.minP, 0.0f);
  o.applyModelCard(false);
  EXPECT_FLOAT_EQ(o.temperature, 0.7f);
  EXPECT_FLOAT_EQ(o.topP, 0.8f);
  EXPECT_EQ(o.topK, 20);
  EXPECT_FLOAT_EQ(o.presencePenalty, 1.5f);  // kept
}

TEST(SamplerOptions, RejectsValuesOutOfRange) {
  auto bad = [](auto change) {
    SamplerOptions o;
    change(o);
    return o;
  };
  EXPECT_THROW(bad([](SamplerOptions& o) { o.temperature = -1; }).validate(), Error);
  EXPECT_THROW(bad([](SamplerOptions& o) { o.topP = 0; }).validate(), Error);
  EXPECT_THROW(bad([](SamplerOptions& o) { o.minP = 1.5f; }).validate(), Error);
  EXPECT_THROW(bad([](SamplerOptions& o) { o.topK = -1; }).validate(), Error);
  EXPECT_THROW(bad([](SamplerOptions& o) { o.repetitionPenalty = 0; }).validate(), Error);
  EXPECT_THROW(Sampler(4, bad([](SamplerOptions& o) { o.topP = 2; })), Error);
  EXPECT_NO_THROW(SamplerOptions{}.validate());
}

}  // namespace
}  // namespace q3c
