#include "tools/bench_profile.h"

#include <algorithm>
#include <cstdio>

#include "tools/commands.h"

namespace q3c::tools {

namespace {

std::vector<KernelTime> longestFirst(std::vector<KernelTime> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](const KernelTime& k) { return k.calls == 0; }), v.end());
  std::stable_sort(v.begin(), v.end(), [](const KernelTime& a, const KernelTime& b) { return a.seconds > b.seconds; });
  return v;
}

// How busy the kernel kept the pool's threads (see KernelTime).
double busyPercent(const KernelTime& k) { return k.threadSeconds > 0 ? 100 * k.busySeconds / k.threadSeconds : 0; }

double kernelSeconds(const std::vector<KernelTime>& v) {
  double s = 0;
  for (const KernelTime& k : v) s += k.seconds;
  return s;
}

}  // namespace

KernelProfiles profileRun(Session& session, const std::vector<int32_t>& prompt, int64_t decodeTokens, int64_t vocab,
                          const BandwidthProbe& probe) {
  KernelProfiles p;
  Executable& exe = session.executable();
  session.reset();
  exe.setProfiling(true);
  int64_t t0 = nowNs();
  session.prefill(prompt);
  p.prefillSeconds = secondsSince(t0);
  p.prefill = longestFirst(exe.profile());
  const double before = probe.measure();
  exe.setProfiling(true);  // clears the prefill's counts
  t0 = nowNs();
  for (int64_t i = 0; i < decodeTokens; ++i) session.forward({static_cast<int32_t>((i * 31 + 5) % vocab)});
  p.decodeSeconds = secondsSince(t0);
  p.decode = longestFirst(exe.profile());
  exe.setProfiling(false);
  p.bandwidthGbS = (before + probe.measure()) / 2;
  return p;
}

void printProfiles(const KernelProfiles& p, int64_t promptTokens, int64_t decodeTokens, const xbyak::PeakResult& peak,
                   const char* unit) {
  if (p.decode.empty()) {
    std::printf("profile    this backend times no kernels (it has none: --backend jit or llvm)\n");
    return;
  }
  const double tokens = static_cast<double>(decodeTokens);
  std::printf("\ndecode profile: %lld tokens in %.3f s (one more run, every kernel call timed); read bandwidth %.1f GB/s around it\n",
              static_cast<long long>(decodeTokens), p.decodeSeconds, p.bandwidthGbS);
  std::printf("  %-46s %9s %10s %7s %6s %10s %8s %9s\n", "kernel", "calls/tok", "ms/tok", "share", "busy", "MB/tok", "GB/s", "of bw");
  for (const KernelTime& k : p.decode) {
    std::printf("  %-46s %9.0f %10.3f %6.1f%% %5.0f%%", k.kernel.c_str(), k.calls / tokens, k.seconds * 1e3 / tokens,
                100 * k.seconds / p.decodeSeconds, busyPercent(k));
    if (k.weightBytes > 0) {
      const double gbs = k.weightBytes / k.seconds * 1e-9;
      std::printf(" %10.1f %8.1f %8.0f%%", k.weightBytes / tokens * 1e-6, gbs, 100 * gbs / p.bandwidthGbS);
    }
    std::printf("\n");
  }
  const double outside = p.decodeSeconds - kernelSeconds(p.decode);
  std::printf("  %-46s %9s %10.3f %6.1f%%\n", "(outside the kernels)", "", outside * 1e3 / tokens, 100 * outside / p.decodeSeconds);

  std::printf("\nprefill profile: %lld tokens in %.3f s; products against the %.0f %s/s peak of %s\n",
              static_cast<long long>(promptTokens), p.prefillSeconds, peak.gflops, unit, peak.instr);
  std::printf("  %-46s %9s %10s %7s %6s %10s %9s\n", "kernel", "calls", "ms", "share", "busy", (std::string(unit) + "/s").c_str(),
              "of peak");
  for (const KernelTime& k : p.prefill) {
    std::printf("  %-46s %9lld %10.3f %6.1f%% %5.0f%%", k.kernel.c_str(), static_cast<long long>(k.calls), k.seconds * 1e3,
                100 * k.seconds / p.prefillSeconds, busyPercent(k));
    if (k.flops > 0) {
      const double gflops = k.flops / k.seconds * 1e-9;
      std::printf(" %10.1f %8.0f%%", gflops, peak.gflops > 0 ? 100 * gflops / peak.gflops : 0.0);
    }
    std::printf("\n");
  }
  const double prefillOutside = p.prefillSeconds - kernelSeconds(p.prefill);
  std::printf("  %-46s %9s %10.3f %6.1f%%\n", "(outside the kernels)", "", prefillOutside * 1e3, 100 * prefillOutside / p.prefillSeconds);
}

std::string profilesJson(const KernelProfiles& p) {
  auto list = [](const std::vector<KernelTime>& v) {
    std::string s = "[";
    for (const KernelTime& k : v) {
      char buf[512];
      std::snprintf(buf, sizeof buf,
                    "%s{\"kernel\": \"%s\", \"calls\": %lld, \"seconds\": %.6f, \"weight_bytes\": %.0f, \"flops\": %.0f, "
                    "\"busy_seconds\": %.6f, \"thread_seconds\": %.6f}",
                    s.size() > 1 ? ", " : "", k.kernel.c_str(), static_cast<long long>(k.calls), k.seconds, k.weightBytes, k.flops,
                    k.busySeconds, k.threadSeconds);
      s += buf;
    }
    return s + "]";
  };
  char head[256];
  std::snprintf(head, sizeof head, ", \"profile\": {\"prefill_seconds\": %.6f, \"decode_seconds\": %.6f, \"bandwidth_gb_s\": %.2f, ",
                p.prefillSeconds, p.decodeSeconds, p.bandwidthGbS);
  return head + std::string("\"prefill\": ") + list(p.prefill) + ", \"decode\": " + list(p.decode) + "}";
}

}  // namespace q3c::tools
