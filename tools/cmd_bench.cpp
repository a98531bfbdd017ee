// q3c bench: prefill and decode speed of a model (median of repeats), with the compile time,
// and the memory read bandwidth measured in the same run so the decode figure has its bound.
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

#include "runtime/session.h"
#include "tools/commands.h"

namespace q3c::tools {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// GB/s of summing a buffer much larger than the caches, with `threads` threads.
double readBandwidth(int threads) {
  const size_t bytes = size_t(1) << 30, n = bytes / sizeof(float);
  std::vector<float> buf(n, 1.0f);  // touched once here, so the timing sees no page faults
  std::vector<double> runs;
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<std::thread> pool;
    std::vector<float> sums(threads);
    auto t0 = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        const float* p = buf.data() + n / threads * t;
        float acc[16] = {};
        for (size_t i = 0; i + 16 <= n / threads; i += 16)
          for (int j = 0; j < 16; ++j) acc[j] += p[i + j];
        for (float a : acc) sums[t] += a;
      });
    for (auto& th : pool) th.join();
    runs.push_back(static_cast<double>(bytes) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e-9);
    if (sums[0] == 42) std::printf(" ");  // keep the sums alive
  }
  return median(runs);
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  struct Opts {
    std::string dir;
    int64_t prompt = 64, decode = 16, repeats = 3;
    bool json = false, lock = false;
    BackendFlags backend{"jit"};
    PipelineFlags pipeline;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure prefill and decode speed (median of repeats) beside the memory bandwidth");
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory")->required();
  cmd->add_option("-p,--prompt", o->prompt, "prompt tokens to prefill")->capture_default_str()->check(positiveInteger());
  cmd->add_option("-n,--decode", o->decode, "tokens to decode")->capture_default_str()->check(positiveInteger());
  cmd->add_option("-r,--repeats", o->repeats, "repeats (the median is reported)")->capture_default_str()->check(positiveInteger());
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->add_flag("--mlock", o->lock,
                "lock the weights and buffers in memory, so the kernel cannot reclaim mapped weight pages between "
                "repeats (this VM reclaims idle memory proactively)");
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    Model model = Model::load(o->dir);
    if (o->lock && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
      std::fprintf(stderr, "bench: mlockall failed (%s); measuring without it\n", std::strerror(errno));
    auto backend = o->backend.create();
    ir::Graph graph = o->pipeline.apply(model.graph, backend->runsPassesByDefault());
    int64_t t0 = nowNs();
    Session session(model, *backend, o->prompt + o->decode, &graph, o->backend.threads);
    const double compileSecs = secondsSince(t0);
    std::vector<int32_t> prompt(static_cast<size_t>(o->prompt));
    for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 7919 + 11) % model.config.vocabSize);
    std::vector<double> prefill, decode;
    for (int64_t rep = 0; rep <= o->repeats; ++rep) {  // repeat 0 warms the page cache and is not counted
      session.reset();
      int64_t a = nowNs();
      session.forward(prompt);
      double p = secondsSince(a);
      int64_t b = nowNs();
      for (int64_t i = 0; i < o->decode; ++i) session.forward({static_cast<int32_t>((i * 31 + 5) % model.config.vocabSize)});
      double d = secondsSince(b);
      if (rep == 0) continue;
      prefill.push_back(static_cast<double>(o->prompt) / p);
      decode.push_back(static_cast<double>(o->decode) / d);
    }
    const int threads = session.threads();
    const double bw1 = readBandwidth(threads);
    const double weightBytes = static_cast<double>(model.weights.totalBytes());
    const double pre = median(prefill), dec = median(decode);
    const double boundTokS = bw1 * 1e9 / weightBytes;  // every weight read once per token
    if (o->json) {
      std::printf("{\"backend\": \"%s\", \"prompt\": %lld, \"decode\": %lld, \"prefill_tokens_per_s\": %.3f, "
                  "\"decode_tokens_per_s\": %.3f, \"compile_s\": %.3f, \"bandwidth_gb_s\": %.2f, "
                  "\"weight_bytes_per_token\": %.0f, \"threads\": %d}\n",
                  o->backend.backend.c_str(), static_cast<long long>(o->prompt), static_cast<long long>(o->decode), pre, dec,
                  compileSecs, bw1, weightBytes, threads);
      return;
    }
    if (std::string d = session.executable().describe(); !d.empty()) std::printf("%s\n", d.c_str());
    std::printf("compile+load  %.3f s\n", compileSecs);
    std::printf("prefill       %8.2f tok/s  (median of %lld, %lld tokens)\n", pre, static_cast<long long>(o->repeats),
                static_cast<long long>(o->prompt));
    std::printf("decode        %8.2f tok/s  (median of %lld, %lld tokens)\n", dec, static_cast<long long>(o->repeats),
                static_cast<long long>(o->decode));
    std::printf("bound         %8.2f tok/s  = %.1f GB/s read bandwidth (%d threads, this run) / %.2f GB of weights per token\n",
                boundTokS, bw1, threads, weightBytes * 1e-9);
  });
}

}  // namespace q3c::tools
