// q3c bench: prefill and decode speed of a model (median of repeats), each beside its bound
// measured in the same run: decode against the memory read bandwidth (every weight and the KV
// cache read once per token; beside it, a plain read of a step's bytes judged the same way),
// prefill against the peak throughput of the dot instruction the matmuls use. Also the start-up
// time (compile + weight packing) and peak RSS.
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <set>
#include <memory>

#include "codegen/xbyak/peak.h"
#include "runtime/session.h"
#include "tools/bench_bounds.h"
#include "tools/bench_profile.h"
#include "ir/quant.h"
#include "tools/commands.h"

namespace q3c::tools {

namespace {

constexpr int64_t kProbeEvery = 8;  // decode steps between two bandwidth samples

struct Stats {
  double median, min, max;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  if (v.empty()) return {0, 0, 0};
  return {v[v.size() / 2], v.front(), v.back()};
}

double peakRssGb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) * 1024 * 1e-9;
}

}  // namespace

void addBenchCommand(CLI::App& app) {
  struct Opts {
    std::string dir;
    int64_t prompt = 512, decode = 64, repeats = 3;
    bool json = false, lock = false, profile = false;
    BackendFlags backend{"jit"};
    PipelineFlags pipeline;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure prefill and decode speed (median of repeats) beside the memory and compute bounds of this CPU");
  cmd->add_option("MODEL_DIR", o->dir, "Hugging Face model directory")->required();
  cmd->add_option("-p,--prompt", o->prompt, "prompt tokens to prefill")->capture_default_str()->check(positiveInteger());
  cmd->add_option("-n,--decode", o->decode, "tokens to decode after the prompt")->capture_default_str()->check(positiveInteger());
  cmd->add_option("-r,--repeats", o->repeats, "repeats (the median is reported; one more warms up first)")
      ->capture_default_str()
      ->check(positiveInteger());
  cmd->add_flag("--json", o->json, "print one JSON object instead of the table");
  cmd->add_flag("--mlock", o->lock,
                "lock the weights and buffers in memory, so the kernel cannot reclaim mapped weight pages between "
                "repeats (this VM reclaims idle memory proactively)");
  cmd->add_flag("--profile", o->profile,
                "after the repeats, one more prefill and decode with every kernel call timed: each kernel's share of "
                "the time, and its GB/s (decode) or GFLOP/s (prefill) beside the bounds");
  o->backend.addOptions(*cmd);
  o->pipeline.addOptions(*cmd);
  cmd->callback([o] {
    Model model = Model::load(o->dir);
    if (o->lock && mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
      std::fprintf(stderr, "bench: mlockall failed (%s); measuring without it\n", std::strerror(errno));
    auto backend = o->backend.create();
    ir::Graph graph = o->pipeline.apply(model.graph, backend->runsPassesByDefault());
    if (!o->json) std::fprintf(stderr, "bench: compiling and loading %s ...\n", o->dir.c_str());
    int64_t t0 = nowNs();
    Session session(model, *backend, o->prompt + o->decode, &graph, o->backend.threads);
    const double startupSecs = secondsSince(t0);
    const int threads = session.threads();
    std::vector<int32_t> prompt(static_cast<size_t>(o->prompt));
    for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<int32_t>((i * 7919 + 11) % model.config.vocabSize);

    const xbyak::Isa isa = xbyak::selectIsa(o->backend.isa);
    std::unique_ptr<BandwidthProbe> probe;  // made after the warm-up, so peak RSS is the model's
    double rss = 0;
    std::vector<double> prefill, decode, bandwidth, decodeFraction, readFraction, peaks, prefillFraction;
    const char* peakInstr = "";
    const bool bf16 = session.executable().activationPrecision() == ir::DType::BF16;
    // The prefill is judged against the peak of the instruction its products run on.
    const PrefillUnit unit = session.executable().prefillUnit();
    const bool intTiles = unit == PrefillUnit::IntDot || unit == PrefillUnit::BytePairs || unit == PrefillUnit::AmxInt8;
    auto prefillPeak = [&] {
      switch (unit) {
        case PrefillUnit::AmxBf16: return xbyak::measureAmxBf16Peak(threads);
        case PrefillUnit::AmxInt8: return xbyak::measureAmxInt8Peak(threads);
        case PrefillUnit::IntDot: return xbyak::measureInt8Peak(isa, threads);
        case PrefillUnit::BytePairs: return xbyak::measureBytePairPeak(threads);
        case PrefillUnit::FloatDot: break;
      }
      return xbyak::measurePeak(isa, bf16, threads);
    };
    const TokenCost decodeCost = tokenCost(model, graph, static_cast<double>(o->prompt) + o->decode / 2.0);
    // Prefill as generation runs it: chunks of Session::kPrefillChunk, the last row's logits.
    const double chunks = static_cast<double>((o->prompt + Session::kPrefillChunk - 1) / Session::kPrefillChunk);
    const TokenCost prefillCost = tokenCost(model, graph, (o->prompt + 1) / 2.0, chunks / static_cast<double>(o->prompt));
    const double decodeBytes = decodeCost.weightBytes + decodeCost.kvBytes;
    for (int64_t rep = 0; rep <= o->repeats; ++rep) {  // repeat 0 warms caches and is not counted
      if (!o->json) std::fprintf(stderr, "bench: %s %lld of %lld\r", rep ? "repeat" : "warm-up", static_cast<long long>(rep),
                                 static_cast<long long>(o->repeats));
      session.reset();
      int64_t a = nowNs();
      session.prefill(prompt);
      const double p = secondsSince(a);
      // The bounds are sampled while the figures are taken, because this machine's bandwidth
      // and clock drift within seconds: the dot peak right after the prefill, the bandwidth
      // every kProbeEvery decode steps (outside the timed steps).
      const xbyak::PeakResult peakNow = rep ? prefillPeak() : xbyak::PeakResult{};
      // Each block of kProbeEvery steps is judged against the mean of the samples taken just
      // before and just after it: the bandwidth moves within a repeat, and a bound taken from
      // the repeat's median could sit seconds away from the steps it judges.
      double d = 0, blockSecs = 0;
      int64_t blockSteps = 0;
      std::vector<double> samples, blockFractions, readFractions;
      if (probe) samples.push_back(probe->measure());
      for (int64_t i = 0; i < o->decode; ++i) {
        int64_t b = nowNs();
        session.forward({static_cast<int32_t>((i * 31 + 5) % model.config.vocabSize)});
        const double secs = secondsSince(b);
        d += secs;
        blockSecs += secs;
        ++blockSteps;
        if (probe && (blockSteps == kProbeEvery || i + 1 == o->decode)) {
          // A plain read of one step's bytes, judged like the block: what the same bound gives a
          // step that only streams (the probe's short passes catch the memory's fast moments,
          // which a step as long as a decode step averages out).
          const double readGbS = probe->readOnce(decodeBytes);
          samples.push_back(probe->measure());
          const double blockGbS = (samples[samples.size() - 2] + samples.back()) / 2;
          const double blockBound = blockGbS * 1e9 / decodeBytes;
          blockFractions.push_back(static_cast<double>(blockSteps) / blockSecs / blockBound);
          readFractions.push_back(readGbS / blockGbS);
          blockSecs = 0;
          blockSteps = 0;
        }
      }
      if (rep == 0) {
        rss = peakRssGb();
        probe = std::make_unique<BandwidthProbe>(threads, isa);
        continue;
      }
      const double bw = stats(samples).median;
      prefill.push_back(static_cast<double>(o->prompt) / p);
      decode.push_back(static_cast<double>(o->decode) / d);
      bandwidth.push_back(bw);
      peaks.push_back(peakNow.gflops);
      peakInstr = peakNow.instr;
      decodeFraction.insert(decodeFraction.end(), blockFractions.begin(), blockFractions.end());
      readFraction.insert(readFraction.end(), readFractions.begin(), readFractions.end());
      prefillFraction.push_back(prefill.back() / (peakNow.gflops * 1e9 / prefillCost.flops));
    }
    if (!o->json) std::fprintf(stderr, "%40s\r", "");
    const xbyak::PeakResult peak{stats(peaks).median, peakInstr};
    const Stats pre = stats(prefill), dec = stats(decode), bw = stats(bandwidth), frac = stats(decodeFraction),
                readFrac = stats(readFraction);
    const Stats preFrac = stats(prefillFraction), peakStats = stats(peaks);
    const double decodeBound = bw.median * 1e9 / decodeBytes;
    const double prefillBound = peak.gflops * 1e9 / prefillCost.flops;
    // Quantized weights: bits actually read per weight, and the int8-dot peak the issue judges
    // an int8 prefill against: the bound above where the prefill ran on integer tiles, else
    // measured once, after the repeats.
    std::set<std::string> formats;  // of the product weights, however they came quantized (--quant, a file)
    for (const ir::Node& n : graph.nodes()) {
      ir::QuantFormat f;
      if (ir::isWeightProduct(n.op) && ir::quantFormatOf(graph, n.operands[1], f)) formats.insert(ir::quantFormatName(f));
    }
    std::string quant;
    for (const std::string& f : formats) quant += (quant.empty() ? "" : "+") + f;
    if (quant.empty()) quant = "none";
    const double bitsPerWeight = decodeCost.productParams > 0 ? decodeCost.weightBytes * 8 / decodeCost.productParams : 0;
    const xbyak::PeakResult int8Peak = intTiles           ? peak
                                       : quant != "none" ? xbyak::measureInt8Peak(isa, threads)
                                                         : xbyak::PeakResult{0, ""};
    const double int8Fraction = intTiles ? preFrac.median
                                : int8Peak.gflops > 0 ? pre.median * prefillCost.flops / (int8Peak.gflops * 1e9)
                                                      : 0;

    // The profiled run, apart from the timed repeats (timing each call costs a little).
    KernelProfiles profiles;
    if (o->profile) profiles = profileRun(session, prompt, o->decode, model.config.vocabSize, *probe);

    if (o->json) {
      std::printf(
          "{\"backend\": \"%s\", \"isa\": \"%s\", \"precision\": \"%s\", \"threads\": %d, \"prompt\": %lld, \"decode\": %lld, "
          "\"repeats\": %lld, \"prefill_tokens_per_s\": %.3f, \"prefill_min\": %.3f, \"prefill_max\": %.3f, "
          "\"decode_tokens_per_s\": %.3f, \"decode_min\": %.3f, \"decode_max\": %.3f, \"bandwidth_gb_s\": %.2f, "
          "\"bandwidth_min\": %.2f, \"bandwidth_max\": %.2f, \"weight_bytes_per_token\": %.0f, \"kv_bytes_per_token\": %.0f, "
          "\"decode_bound_tokens_per_s\": %.3f, \"decode_fraction_of_bound\": %.3f, \"plain_read_fraction_of_bound\": %.3f, \"peak_gflops\": %.1f, "
          "\"peak_instruction\": \"%s\", \"prefill_flops_per_token\": %.4g, \"prefill_bound_tokens_per_s\": %.3f, "
          "\"prefill_fraction_of_peak\": %.3f, \"startup_s\": %.3f, \"peak_rss_gb\": %.3f, \"quant\": \"%s\", "
          "\"weight_bits_per_param\": %.3f, \"int8_peak_gops\": %.1f, \"int8_peak_instruction\": \"%s\", \"prefill_fraction_of_int8_peak\": %.3f%s}\n",
          o->backend.backend.c_str(), xbyak::isaName(isa), bf16 ? "bf16" : "f32", threads, static_cast<long long>(o->prompt),
          static_cast<long long>(o->decode), static_cast<long long>(o->repeats), pre.median, pre.min, pre.max, dec.median,
          dec.min, dec.max, bw.median, bw.min, bw.max, decodeCost.weightBytes, decodeCost.kvBytes, decodeBound, frac.median, readFrac.median,
          peak.gflops, peak.instr, prefillCost.flops, prefillBound, preFrac.median, startupSecs, rss, quant.c_str(),
          bitsPerWeight, int8Peak.gflops, int8Peak.instr, int8Fraction, o->profile ? profilesJson(profiles).c_str() : "");
      return;
    }
    if (std::string d = session.executable().describe(); !d.empty()) std::printf("%s\n", d.c_str());
    std::printf("start-up   %8.3f s     compile + weight packing; peak RSS %.2f GB (model, KV cache, activations)\n",
                startupSecs, rss);
    std::printf("prefill    %8.2f tok/s median of %lld (%.2f .. %.2f), %lld tokens\n", pre.median,
                static_cast<long long>(o->repeats), pre.min, pre.max, static_cast<long long>(o->prompt));
    std::printf("  bound    %8.2f tok/s = %.0f %s/s peak of %s (%d threads, median; %.0f .. %.0f, sampled after each "
                "prefill) / %.2f %s per token  -> %.0f%% of peak (median of per-repeat ratios)\n",
                prefillBound, peak.gflops, intTiles ? "GOP" : "GFLOP", peak.instr, threads, peakStats.min, peakStats.max, prefillCost.flops * 1e-9,
                intTiles ? "GOP" : "GFLOP", 100 * preFrac.median);
    std::printf("decode     %8.2f tok/s median of %lld (%.2f .. %.2f), %lld tokens\n", dec.median,
                static_cast<long long>(o->repeats), dec.min, dec.max, static_cast<long long>(o->decode));
    std::printf("  bound    %8.2f tok/s = %.1f GB/s read bandwidth (%d threads, median; %.1f .. %.1f, sampled during decode) / "
                "%.3f GB per token (weights %.3f + KV %.3f)  -> %.0f%% of bound (median of %zu blocks of %lld steps, each against the samples around it)\n",
                decodeBound, bw.median, threads, bw.min, bw.max, decodeBytes * 1e-9, decodeCost.weightBytes * 1e-9,
                decodeCost.kvBytes * 1e-9, 100 * frac.median, decodeFraction.size(), static_cast<long long>(kProbeEvery));
    std::printf("  plain    %8.0f%% of the same bound for a plain read of a step's bytes, timed once per block like a step "
                "(median; %.0f .. %.0f%%): what the bound allows a step that only streams\n",
                100 * readFrac.median, 100 * readFrac.min, 100 * readFrac.max);
    std::printf("weights    %8.3f bits per weight read per token (quant %s)\n", bitsPerWeight, quant.c_str());
    if (int8Peak.gflops > 0 && !intTiles)  // (with them it is the bound above)
      std::printf("  int dot  %8.0f GOP/s peak of %s (%d threads, after the repeats): prefill at %.0f%% of it\n",
                  int8Peak.gflops, int8Peak.instr, threads, 100 * int8Fraction);
    if (o->profile) printProfiles(profiles, o->prompt, o->decode, peak, intTiles ? "GOP" : "GFLOP");
  });
}

}  // namespace q3c::tools
