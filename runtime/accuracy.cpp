#include "runtime/accuracy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace q3c {

namespace {

// log-softmax of one row, in double.
std::vector<double> logSoftmax(const float* x, int64_t V) {
  double mx = -INFINITY;
  for (int64_t i = 0; i < V; ++i) mx = std::max(mx, static_cast<double>(x[i]));
  double sum = 0;
  for (int64_t i = 0; i < V; ++i) sum += std::exp(static_cast<double>(x[i]) - mx);
  const double lse = mx + std::log(sum);
  std::vector<double> out(static_cast<size_t>(V));
  for (int64_t i = 0; i < V; ++i) out[i] = static_cast<double>(x[i]) - lse;
  return out;
}

}  // namespace

double klDivergence(const float* p, const float* q, int64_t V) {
  const std::vector<double> lp = logSoftmax(p, V), lq = logSoftmax(q, V);
  double kl = 0;
  for (int64_t i = 0; i < V; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
  return std::max(kl, 0.0);  // rounding can leave -1e-17
}

LogitComparison compareLogits(const float* reference, const float* test, int64_t T, int64_t V) {
  LogitComparison c;
  c.positions = T;
  int64_t agree = 0;
  for (int64_t t = 0; t < T; ++t) {
    const float* r = reference + t * V;
    const float* x = test + t * V;
    const double kl = klDivergence(r, x, V);
    c.meanKl += kl / static_cast<double>(T);
    c.maxKl = std::max(c.maxKl, kl);
    agree += std::max_element(r, r + V) - r == std::max_element(x, x + V) - x;
  }
  c.top1Agreement = T ? static_cast<double>(agree) / static_cast<double>(T) : 0;
  return c;
}

std::string LogitComparison::describe() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%lld positions: KL mean %.3g max %.3g nats, top-1 agreement %.1f%%",
                static_cast<long long>(positions), meanKl, maxKl, 100 * top1Agreement);
  return buf;
}

}  // namespace q3c
