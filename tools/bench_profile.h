// `q3c bench --profile`: one more prefill and decode after the timed repeats, with every kernel
// call timed, so each fused kernel's share of the time stands beside what it streams (decode:
// GB/s against the read bandwidth) or computes (prefill: GFLOP/s against the dot's peak).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "codegen/backend.h"
#include "codegen/xbyak/peak.h"
#include "runtime/session.h"
#include "tools/bench_bounds.h"

namespace q3c::tools {

struct KernelProfiles {
  std::vector<KernelTime> prefill, decode;  // by time, longest first
  double prefillSeconds = 0, decodeSeconds = 0;  // the profiled run's wall time
  double bandwidthGbS = 0;  // read bandwidth sampled just before and after the profiled decode (mean)
};

// Prefills `prompt` and decodes `decodeTokens` tokens on a reset session with profiling on.
KernelProfiles profileRun(Session& session, const std::vector<int32_t>& prompt, int64_t decodeTokens, int64_t vocab,
                          const BandwidthProbe& probe);

// The two tables, on stdout; `peak` is the prefill bound bench measured, in `unit`s per second
// (GFLOP, or GOP for the integer dots).
void printProfiles(const KernelProfiles& p, int64_t promptTokens, int64_t decodeTokens, const xbyak::PeakResult& peak,
                   const char* unit);

// `, "profile": {...}` for bench's JSON object.
std::string profilesJson(const KernelProfiles& p);

}  // namespace q3c::tools
