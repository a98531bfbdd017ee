// How far one model's next-token distributions are from a reference's on the same tokens: the
// measure of what quantization costs (docs/quantization.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace q3c {

struct LogitComparison {
  int64_t positions = 0;
  double meanKl = 0, maxKl = 0;  // KL(reference || test) of softmax(logits), nats
  double top1Agreement = 0;      // fraction of positions whose argmax agrees
  std::string describe() const;  // one line
};

// Compares [T, V] logits row by row, in double (log-softmax, so no overflow).
LogitComparison compareLogits(const float* reference, const float* test, int64_t T, int64_t V);

// KL(softmax(p) || softmax(q)) of one row of V logits, nats.
double klDivergence(const float* p, const float* q, int64_t V);

}  // namespace q3c
