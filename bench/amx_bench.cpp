// The AMX check and benchmark, built as one static binary with no LLVM (scripts/device_amx.sh)
// so it runs on the lent Xeon, which has no development packages. It checks the AMX-BF16 kernel
// against a double reference and the AMX-INT8 kernel against exact integer sums, then measures
// their GFLOP/s and GOP/s on the Qwen3-4B fused q/k/v product at 512 rows on 1, 4 and all
// threads, beside the AVX512-BF16 vdpbf16ps and AVX512-VNNI vpdpbusd peaks of the same threads.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "codegen/xbyak/amx_gemm.h"
#include "codegen/xbyak/amx_int8_gemm.h"
#include "ir/types.h"
#include "codegen/xbyak/cpu.h"
#include "codegen/xbyak/peak.h"

using namespace q3c::xbyak;

namespace {

void onSigill(int, siginfo_t* info, void*) {
  char msg[128];
  int n = std::snprintf(msg, sizeof msg, "SIGILL at %p (an instruction this CPU or OS refused)\n", info->si_addr);
  (void)!write(2, msg, static_cast<size_t>(n));
  _exit(3);
}


// Largest |error| / (sum of |terms|) over a 32 x 32 block; 0 means exact.
double check(const AmxGemmKernel& kernel, int64_t K, int64_t rows) {
  std::mt19937 rng(static_cast<unsigned>(K + rows));
  std::normal_distribution<float> dist;
  std::vector<uint16_t> w(32 * K), a(32 * K), packed(K * 32);
  for (auto& v : w) v = q3c::ir::bf16FromFloat(dist(rng));
  for (auto& v : a) v = q3c::ir::bf16FromFloat(dist(rng));
  packVnni(a.data(), K, rows, K, packed.data());
  std::vector<float> out(32 * 32);
  AmxGemmArgs args{w.data(), K * 2, packed.data(), out.data(), K};
  kernel.fn()(&args);
  double worst = 0;
  for (int64_t n = 0; n < 32; ++n)
    for (int64_t m = 0; m < 32; ++m) {
      double ref = 0, mag = 1e-30;
      for (int64_t k = 0; k < K && m < rows; ++k) {
        const double t = double(q3c::ir::floatFromBf16(w[n * K + k])) * q3c::ir::floatFromBf16(a[m * K + k]);
        ref += t;
        mag += std::fabs(t);
      }
      worst = std::max(worst, std::fabs(out[n * 32 + m] - ref) / mag);
    }
  return worst;
}

// GFLOP/s (or GOP/s: a multiply-add counts 2) of [M x K] x [N x K]^T on `threads` threads,
// each its share of the 32-row weight blocks; the activations packed once, outside the timing,
// as a prologue would. Elt is uint16_t (bf16) or int8_t, Out the kernel's sum type.
template <class Kernel, class Args, class Elt, class Out>
double throughput(const Kernel& kernel, int64_t M, int64_t N, int64_t K, int threads, Elt wValue, Elt aValue,
                  void (*pack)(const Elt*, int64_t, int64_t, int64_t, Elt*)) {
  std::vector<Elt> w(static_cast<size_t>(N * K), wValue), a(static_cast<size_t>(M * K), aValue);
  std::vector<Elt> packed(static_cast<size_t>(M * K));
  for (int64_t m0 = 0; m0 < M; m0 += 32) pack(a.data() + m0 * K, K, 32, K, packed.data() + m0 * K);
  const int64_t rowBytes = K * static_cast<int64_t>(sizeof(Elt));
  std::vector<double> runs;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        std::vector<Out> out(32 * 32);
        const int64_t blocks = N / 32, lo = blocks * t / threads, hi = blocks * (t + 1) / threads;
        for (int64_t nb = lo; nb < hi; ++nb)
          for (int64_t m0 = 0; m0 < M; m0 += 32) {
            Args args{w.data() + nb * 32 * K, rowBytes, packed.data() + m0 * K, out.data(), K};
            kernel.fn()(&args);
          }
      });
    for (auto& th : pool) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    runs.push_back(2.0 * M * N * K / secs * 1e-9);
  }
  std::sort(runs.begin(), runs.end());
  return runs[runs.size() / 2];
}

// Wrong sums in a 32 x 32 int8 block (0 means exact).
int64_t checkInt8(const AmxInt8GemmKernel& kernel, int64_t K, int64_t rows) {
  std::mt19937 rng(static_cast<unsigned>(K + rows));
  std::uniform_int_distribution<int> code(-128, 127);
  std::vector<int8_t> w(32 * K), a(32 * K), packed(K * 32);
  for (auto& v : w) v = static_cast<int8_t>(code(rng));
  for (auto& v : a) v = static_cast<int8_t>(code(rng));
  packVnni4(a.data(), K, rows, K, packed.data());
  std::vector<int32_t> out(32 * 32);
  AmxInt8GemmArgs args{w.data(), K, packed.data(), out.data(), K};
  kernel.fn()(&args);
  int64_t wrong = 0;
  for (int64_t n = 0; n < 32; ++n)
    for (int64_t m = 0; m < 32; ++m) {
      int64_t ref = 0;
      for (int64_t k = 0; k < K && m < rows; ++k) ref += int64_t(w[n * K + k]) * a[m * K + k];
      wrong += out[n * 32 + m] != ref;
    }
  return wrong;
}

}  // namespace

int main() {
  struct sigaction sa {};
  sa.sa_sigaction = onSigill;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGILL, &sa, nullptr);
  const HostCpu& cpu = hostCpu();
  const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("cpu: %s, %d threads, AMX-BF16 %s, AMX-INT8 %s, AVX512-BF16 %s, AVX512-VNNI %s\n", cpu.brand.c_str(), all,
              cpu.amxBf16 ? "yes" : "no", cpu.amxInt8 ? "yes" : "no", cpu.avx512bf16 ? "yes" : "no",
              cpu.avx512vnni ? "yes" : "no");
  if (!requestAmx()) {
    std::printf("AMX not available (no AMX-BF16, or arch_prctl(ARCH_REQ_XCOMP_PERM) refused): nothing to run\n");
    return 2;
  }
  AmxGemmKernel kernel;
  bool ok = true;
  for (int64_t K : {int64_t(32), int64_t(64), int64_t(2560), int64_t(9728)})
    for (int64_t rows : {int64_t(32), int64_t(5)}) {
      const double err = check(kernel, K, rows);
      std::printf("check K=%-5lld rows=%-2lld  max |err| / sum|terms| = %.2e  %s\n", static_cast<long long>(K),
                  static_cast<long long>(rows), err, err <= 1e-5 ? "ok" : "FAIL");
      ok = ok && err <= 1e-5;
    }
  for (int threads : {1, 4, all}) {
    const double amx = throughput<AmxGemmKernel, AmxGemmArgs, uint16_t, float>(
        kernel, 512, 6144, 2560, threads, q3c::ir::bf16FromFloat(0.01f), q3c::ir::bf16FromFloat(0.5f), packVnni);
    const double peak = cpu.avx512bf16 ? measurePeak(Isa::Avx512Bf16, true, threads).gflops : 0;
    std::printf("qkv 512x2560 . 6144x2560^T  %2d threads: AMX %8.1f GFLOP/s   (vdpbf16ps peak %7.1f GFLOP/s)\n", threads, amx,
                peak);
  }
  if (!requestAmxInt8()) {
    std::printf("AMX-INT8 not available: its check and benchmark are skipped\n");
    return ok ? 0 : 1;
  }
  AmxInt8GemmKernel int8Kernel;
  for (int64_t K : {int64_t(64), int64_t(128), int64_t(2560), int64_t(9728)})
    for (int64_t rows : {int64_t(32), int64_t(5)}) {
      const int64_t wrong = checkInt8(int8Kernel, K, rows);
      std::printf("int8 check K=%-5lld rows=%-2lld  wrong sums %lld of 1024  %s\n", static_cast<long long>(K),
                  static_cast<long long>(rows), static_cast<long long>(wrong), wrong == 0 ? "ok" : "FAIL");
      ok = ok && wrong == 0;
    }
  for (int threads : {1, 4, all}) {
    const double amx = throughput<AmxInt8GemmKernel, AmxInt8GemmArgs, int8_t, int32_t>(int8Kernel, 512, 6144, 2560,
                                                                                        threads, 3, -5, packVnni4);
    const double peak = cpu.avx512vnni ? measureInt8Peak(selectIsa("native"), threads).gflops : 0;
    std::printf("qkv 512x2560 . 6144x2560^T  %2d threads: AMX-INT8 %8.1f GOP/s   (vpdpbusd peak %7.1f GOP/s)\n", threads,
                amx, peak);
  }
  return ok ? 0 : 1;
}
