// Running a model step by step: prefill + decode with the KV cache gives the logits of one full
// forward pass, for the golden models and for shapes they do not cover (multi-query attention,
// head_dim not a power of two, YaRN with another factor, prompts over 1000 tokens).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "codegen/backend.h"
#include "frontend/error.h"
#include "frontend/synth.h"
#include "runtime/part_ranges.h"
#include "runtime/session.h"
#include "runtime/thread_pool.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

std::vector<int32_t> randomIds(int64_t n, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (int32_t& id : ids) id = static_cast<int32_t>(rng() % static_cast<uint32_t>(vocab));
  return ids;
}

// Full forward over `ids` vs. prefill of the first `prefill` tokens, then chunks of `chunk`.
double chunkedVsFull(const Model& model, const std::vector<int32_t>& ids, size_t prefill, size_t chunk) {
  auto backend = createBackend("interp");
  const int64_t V = model.config.vocabSize;
  Session full(model, *backend, static_cast<int64_t>(ids.size()));
  const float* all = full.forward(ids);
  std::vector<float> want(all, all + ids.size() * V);

  Session step(model, *backend, static_cast<int64_t>(ids.size()));
  std::vector<float> got;
  for (size_t at = 0; at < ids.size();) {
    size_t n = at == 0 ? prefill : std::min(chunk, ids.size() - at);
    std::vector<int32_t> part(ids.begin() + at, ids.begin() + at + n);
    const float* l = step.forward(part);
    got.insert(got.end(), l, l + n * V);
    at += n;
  }
  EXPECT_EQ(step.position(), static_cast<int64_t>(ids.size()));
  return test::relativeError(got, want);
}

TEST(Session, PrefillThenDecodeEqualsFullForwardOnGoldenModels) {
  for (const std::string& m : test::goldenModels()) {
    Model model = Model::load((test::goldenDir() / m).string());
    std::vector<int32_t> ids = randomIds(40, model.config.vocabSize, 7);
    double err = chunkedVsFull(model, ids, 30, 1);
    EXPECT_LE(err, 1e-5) << m;
    EXPECT_LE(chunkedVsFull(model, ids, 11, 7), 1e-5) << m;
  }
}

SynthShape oddShape() {
  // Multi-query, head_dim 48, heads x head_dim != hidden, intermediate not a multiple of 16,
  // YaRN with factor 8 over an original context of 128.
  SynthShape s{"odd", 512, 96, 200, 2, 6, 1, 48, 4096, false, 2};
  s.ropeTheta = 1e6;
  s.ropeType = "yarn";
  s.ropeFactor = 8.0;
  s.ropeOriginalMax = 128;
  return s;
}

TEST(Session, LongPromptOnOddShapeMatchesAcrossChunking) {
  test::TempDir tmp;
  Model model = test::synthesizedModel(oddShape(), tmp, ir::DType::F32);
  EXPECT_EQ(model.config.rope.scaling, "yarn");
  EXPECT_EQ(model.config.numKvHeads, 1);
  std::vector<int32_t> ids = randomIds(1100, model.config.vocabSize, 3);
  double err = chunkedVsFull(model, ids, 1090, 1);  // the last 10 tokens decoded past position 1000
  EXPECT_LE(err, 1e-5);

  auto backend = createBackend("interp");
  Session s(model, *backend, 1100);
  const float* logits = s.forward(ids);
  for (int64_t i = 0; i < 1100 * model.config.vocabSize; ++i) ASSERT_TRUE(std::isfinite(logits[i])) << i;
}

TEST(Session, ChunkedPrefillGivesTheLastTokensLogits) {
  Model model = Model::load((test::goldenDir() / "tiny-yarn").string());
  for (const char* name : {"interp", "llvm", "jit"}) {
  SCOPED_TRACE(name);
  BackendOptions opt;
  opt.precision = "f32";
  auto backend = createBackend(name, opt);
  std::vector<int32_t> ids = randomIds(300, model.config.vocabSize, 11);
  const int64_t V = model.config.vocabSize;
  Session full(model, *backend, 300);
  const float* all = full.forward(ids);
  std::vector<float> want(all + 299 * V, all + 300 * V);
  for (int64_t chunk : {int64_t(1), int64_t(7), Session::kPrefillChunk, int64_t(1000)}) {
    Session s(model, *backend, 300);
    const float* last = s.prefill(ids, chunk);
    EXPECT_LE(test::relativeError(std::vector<float>(last, last + V), want), 1e-5) << "chunk " << chunk;
    EXPECT_EQ(s.position(), 300);
  }
  Session bad(model, *backend, 300);
  ids[250] = static_cast<int32_t>(V);  // rejected before the first chunk runs
  EXPECT_THROW(bad.prefill(ids, 100), Error);
  EXPECT_EQ(bad.position(), 0);
  }
}

TEST(ThreadPool, EveryPartRunsOncePerDispatch) {
  for (int threads : {1, 2, 4})
    for (int parts : {0, 1, 3 * threads + 1}) {  // 0: one per thread
      ThreadPool pool(threads);
      ASSERT_EQ(pool.size(), threads);
      const int expected = parts ? parts : threads;
      std::vector<int64_t> counts(static_cast<size_t>(expected), 0);
      // Which thread ran each part, as the pool numbers it and as the system does.
      std::vector<int> indices(static_cast<size_t>(expected), -1);
      std::vector<std::thread::id> ids(static_cast<size_t>(expected));
      struct Ctx {
        std::vector<int64_t>* counts;
        std::vector<int>* indices;
        std::vector<std::thread::id>* ids;
        std::atomic<int> parts{0};
      } ctx{&counts, &indices, &ids};
      std::map<std::thread::id, std::set<int>> indicesOf;
      for (int rep = 0; rep < 2000; ++rep) {
        pool.run(
            [](void* c, int part, int parts, int thread) {
              auto* x = static_cast<Ctx*>(c);
              (*x->counts)[static_cast<size_t>(part)] += 1;
              (*x->indices)[static_cast<size_t>(part)] = thread;
              (*x->ids)[static_cast<size_t>(part)] = std::this_thread::get_id();
              x->parts.store(parts);
            },
            &ctx, parts);
        for (size_t p = 0; p < indices.size(); ++p) {
          ASSERT_GE(indices[p], 0);
          ASSERT_LT(indices[p], threads);
          EXPECT_EQ(indices[p] == 0, ids[p] == std::this_thread::get_id()) << "the caller is thread 0";
          indicesOf[ids[p]].insert(indices[p]);
        }
      }
      for (int64_t c : counts) EXPECT_EQ(c, 2000) << threads << " threads, " << expected << " parts";
      EXPECT_EQ(ctx.parts.load(), expected);
      for (const auto& [id, seen] : indicesOf) EXPECT_EQ(seen.size(), 1u) << "a thread keeps its index";
    }
  EXPECT_GE(ThreadPool::physicalCores(), 1);
}

TEST(PartRanges, EachThreadTakesItsShareInOrderThenTheBackOfTheFullest) {
  PartRanges ranges(2);
  ranges.reset(7, 8);  // thread 0: parts 0-3, thread 1: parts 4-7
  EXPECT_EQ(ranges.claim(0, 7), 0);
  EXPECT_EQ(ranges.claim(0, 7), 1);
  for (int part : {4, 5, 6, 7}) EXPECT_EQ(ranges.claim(1, 7), part);
  EXPECT_EQ(ranges.claim(1, 7), 3);  // thread 0's share, from its back
  EXPECT_EQ(ranges.claim(0, 7), 2);
  EXPECT_EQ(ranges.claim(0, 7), -1);
  EXPECT_EQ(ranges.claim(1, 7), -1);

  ranges.reset(8, 3);  // uneven: thread 0 gets part 0, thread 1 parts 1-2
  EXPECT_EQ(ranges.claim(0, 7), -1) << "a claim for an earlier dispatch takes nothing";
  EXPECT_EQ(ranges.claim(0, 8), 0);
  EXPECT_EQ(ranges.claim(0, 8), 2);
  EXPECT_EQ(ranges.claim(1, 8), 1);
  EXPECT_EQ(ranges.claim(1, 8), -1);

  PartRanges three(3);
  three.reset(1, 9);  // shares 0-2, 3-5, 6-8
  for (int part : {0, 1, 2}) EXPECT_EQ(three.claim(0, 1), part);
  EXPECT_EQ(three.claim(2, 1), 6);
  EXPECT_EQ(three.claim(0, 1), 5) << "thread 1's share has the most left";
  EXPECT_EQ(three.claim(0, 1), 4) << "two left in each of the others' shares: the first";
  EXPECT_THROW(three.reset(2, PartRanges::kMaxParts + 1), std::invalid_argument);
}

TEST(ThreadPool, AStalledThreadsShareIsTakenByTheOthers) {
  ThreadPool pool(2);
  struct Ctx {
    std::thread::id caller = std::this_thread::get_id();
    std::atomic<int> byCaller{0}, runs{0};
  } ctx;
  // Every part the caller runs takes 50 ms: the worker, done with its own eight parts, takes
  // the caller's from the back, so the caller runs far fewer than its share of eight.
  pool.run(
      [](void* c, int, int, int thread) {
        auto* x = static_cast<Ctx*>(c);
        x->runs.fetch_add(1);
        if (thread == 0) {
          EXPECT_EQ(std::this_thread::get_id(), x->caller);
          x->byCaller.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      },
      &ctx, 16);
  EXPECT_EQ(ctx.runs.load(), 16);
  EXPECT_LT(ctx.byCaller.load(), 8);
}

TEST(Session, RejectsTokensOutsideTheVocabulary) {
  Model model = Model::load((test::goldenDir() / "tiny-f32-tied").string());
  auto backend = createBackend("interp");
  Session s(model, *backend, 8);
  try {
    s.forward({1, 4096});
    FAIL() << "id 4096 accepted with a vocabulary of 4096";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "token id 4096 is outside the vocabulary (0..4095)");
  }
  EXPECT_THROW(s.forward({-1}), Error);
  EXPECT_EQ(s.position(), 0);  // nothing was appended by the rejected calls
}

TEST(Session, ContextFullIsAnError) {
  Model model = Model::load((test::goldenDir() / "tiny-f32-tied").string());
  auto backend = createBackend("interp");
  Session s(model, *backend, 4);
  s.forward({1, 2, 3});
  EXPECT_THROW(s.forward({4, 5}), Error);
  s.forward({4});
  EXPECT_EQ(s.position(), 4);
}

}  // namespace
}  // namespace q3c
