#include "codegen/constants.h"

#include <algorithm>
#include <cstring>
#include <thread>


#include "codegen/interp/reference_ops.h"
#include "frontend/error.h"
#include "frontend/quantize.h"

namespace q3c {

using ir::OpKind;

namespace {

int64_t rowsOf(const ir::TensorType& t) { return t.shape.size() == 2 ? t.shape[0].value : 1; }

void ownBytes(ConstantData& c, std::vector<uint8_t> bytes, int64_t rows) {
  auto storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  c.parts = {{storage->data(), rows, storage}};
  c.data = storage->data();
}

// Rows [first, first + rows) of `w` as f32. bf16 widens here in a loop GCC vectorizes (a bf16
// is the top half of an f32); other dtypes go through the reference.
void widenRows(const ref::WeightRows& w, int64_t first, int64_t rows, int64_t K, float* dst) {
  if (w.dtype != ir::DType::BF16) return w.widenRows(first, rows, K, dst);
  const uint8_t* src = w.data + first * K * 2;
  const int64_t n = rows * K;
  for (int64_t i = 0; i < n; ++i) {
    uint16_t h;
    std::memcpy(&h, src + 2 * i, 2);
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    std::memcpy(dst + i, &bits, 4);
  }
}

}  // namespace

ConstantTable::ConstantTable(const ir::Graph& g, const WeightStore& weights, bool contiguous, const WeightStore* fallback)
    : g_(g), table_(g.values().size()) {
  for (const ir::Node& n : g.nodes()) {
    const ir::TensorType& type = g.value(n.result).type;
    auto c = std::make_unique<ConstantData>();
    if (n.op == OpKind::Weight) {
      const TensorView* t = weights.find(n.attrString("name"));
      if (!t && fallback) t = fallback->find(n.attrString("name"));
      if (!t) throw Error("graph names weight '" + n.attrString("name") + "', which the model does not have");
      c->dtype = t->dtype;
      c->quant = t->quant;
      c->data = t->data;
      c->parts = {{t->data, rowsOf(type), nullptr}};
    } else if (n.op == OpKind::ScaleCols) {
      std::vector<float> w = widened(n.operands[0]), s = widened(n.operands[1]);
      for (size_t i = 0; i < w.size(); ++i) w[i] *= s[i % s.size()];
      std::vector<uint8_t> bytes(w.size() * 4);
      std::memcpy(bytes.data(), w.data(), bytes.size());
      ownBytes(*c, std::move(bytes), rowsOf(type));
    } else if (n.op == OpKind::Quantize) {
      quantize(n, *c);
    } else if (n.op == OpKind::ConcatRows) {
      c->dtype = type.dtype;
      c->quant = at(n.operands[0]).quant;
      bool sameDtype = true;
      for (ir::ValueId v : n.operands) sameDtype = sameDtype && at(v).dtype == c->dtype;
      if (sameDtype && !contiguous) {
        for (ir::ValueId v : n.operands) c->parts.insert(c->parts.end(), at(v).parts.begin(), at(v).parts.end());
      } else {
        std::vector<uint8_t> bytes;
        for (ir::ValueId v : n.operands) {
          if (at(v).dtype == c->dtype) {
            for (const ConstantPart& p : at(v).parts) {
              const size_t partBytes = static_cast<size_t>(p.rows * rowBytes(v));
              bytes.insert(bytes.end(), p.data, p.data + partBytes);
            }
          } else {  // mixed dtypes widen to f32
            std::vector<float> w = widened(v);
            const uint8_t* p = reinterpret_cast<const uint8_t*>(w.data());
            bytes.insert(bytes.end(), p, p + w.size() * 4);
          }
        }
        ownBytes(*c, std::move(bytes), rowsOf(type));
      }
    } else {
      continue;
    }
    table_[n.result] = std::move(c);
  }
  // Constants only other constants read are not needed once those are built (their data
  // lives on in the parts that reference it).
  std::vector<bool> read(table_.size(), false);
  for (const ir::Node& n : g.nodes())
    if (n.op != OpKind::ScaleCols && n.op != OpKind::ConcatRows && n.op != OpKind::Quantize)
      for (ir::ValueId v : n.operands) read[v] = true;
  for (size_t v = 0; v < table_.size(); ++v)
    if (table_[v] && !read[v]) table_[v].reset();
}

const ConstantData& ConstantTable::at(ir::ValueId v) const {
  if (!has(v)) throw Error("%" + g_.value(v).name + " is used as a constant but is not one");
  return *table_[v];
}

const uint8_t* ConstantTable::contiguous(ir::ValueId v) const {
  const ConstantData& c = at(v);
  if (c.data) return c.data;
  copies_.resize(table_.size());
  if (!copies_[v]) {
    auto bytes = std::make_unique<std::vector<uint8_t>>();
    const int64_t row = rowBytes(v);
    for (const ConstantPart& p : c.parts) bytes->insert(bytes->end(), p.data, p.data + p.rows * row);
    copies_[v] = std::move(bytes);
  }
  return copies_[v]->data();
}

int64_t ConstantTable::packBf16(ir::ValueId v) {
  if (!has(v)) throw Error("%" + g_.value(v).name + " is packed as a constant but is not one");
  ConstantData& c = *table_[v];
  if (c.dtype == ir::DType::BF16 || ir::isQuantized(c.dtype)) return 0;
  const int64_t cols = g_.value(v).type.numel(0, 0) / std::max<int64_t>(1, rowsOf(g_.value(v).type));
  int64_t copied = 0;
  for (ConstantPart& p : c.parts) {
    std::vector<float> wide(static_cast<size_t>(p.rows * cols));
    ref::widen(p.data, c.dtype, p.rows * cols, wide.data());
    std::vector<uint8_t> bytes(wide.size() * 2);
    for (size_t i = 0; i < wide.size(); ++i) {
      const uint16_t h = ir::bf16FromFloat(wide[i]);
      std::memcpy(&bytes[i * 2], &h, 2);
    }
    copied += static_cast<int64_t>(bytes.size());
    auto storage = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
    p = {storage->data(), p.rows, storage};
  }
  c.dtype = ir::DType::BF16;
  c.data = c.parts.size() == 1 ? c.parts[0].data : nullptr;
  if (v < static_cast<ir::ValueId>(copies_.size())) copies_[v].reset();
  return copied;
}

std::vector<float> ConstantTable::widened(ir::ValueId v) const {
  const ConstantData& c = at(v);
  const int64_t cols = g_.value(v).type.numel(0, 0) / std::max<int64_t>(1, rowsOf(g_.value(v).type));
  std::vector<float> out(static_cast<size_t>(g_.value(v).type.numel(0, 0)));
  int64_t row = 0;
  for (const ConstantPart& p : c.parts) {
    ref::WeightRows{p.data, c.dtype, c.quant}.widenRows(0, p.rows, cols, out.data() + row * cols);
    row += p.rows;
  }
  return out;
}

int64_t ConstantTable::rowBytes(ir::ValueId v) const {
  const ir::TensorType& t = g_.value(v).type;
  const int64_t cols = t.shape.empty() ? 1 : t.shape.back().value;
  return ir::rowBytes(at(v).dtype, at(v).quant, cols);
}

// Each part quantized on its own (so a stacked weight keeps its parts), in blocks of rows
// dealt to the hardware threads: a 4B model's 4e9 weights take seconds, not minutes. Each
// block is widened and quantized a few rows at a time so that the f32 rows stay in cache.
void ConstantTable::quantize(const ir::Node& n, ConstantData& c) {
  const ConstantData& src = at(n.operands[0]);
  const int64_t K = g_.value(n.result).type.shape[1].value;
  c.dtype = g_.value(n.result).type.dtype;
  if (!ir::parseQuantScheme(n.attrString("quant"), c.quant.scheme)) throw Error("quantize: bad quant " + n.attrString("quant"));
  c.quant.group = n.attrInt("group");
  const int64_t outRow = ir::quantRowBytes(c.quant, K);
  const int workers = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 16u));
  constexpr int64_t kBlock = 64;
  const int64_t chunk = std::clamp<int64_t>((int64_t{128} << 10) / (4 * K), 1, kBlock);  // ~128 KB of f32
  for (const ConstantPart& p : src.parts) {
    const size_t bytes = static_cast<size_t>(p.rows * outRow);
    std::shared_ptr<uint8_t> out = mapHugePages(bytes, "quantized weights");
    auto work = [&](int w) {
      std::vector<float> wide(static_cast<size_t>(chunk * K));
      const ref::WeightRows part{p.data, src.dtype, src.quant};
      for (int64_t b = w * kBlock; b < p.rows; b += workers * kBlock)
        for (int64_t r = b; r < std::min(b + kBlock, p.rows); r += chunk) {
          const int64_t rows = std::min({chunk, b + kBlock - r, p.rows - r});
          widenRows(part, r, rows, K, wide.data());
          quantizeRows(wide.data(), rows, K, c.quant, out.get() + r * outRow);
        }
    };
    std::vector<std::thread> pool;
    for (int w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
    for (std::thread& t : pool) t.join();
    quantizedBytes_ += static_cast<int64_t>(bytes);
    c.parts.push_back({out.get(), p.rows, out});
  }
  c.data = c.parts.size() == 1 ? c.parts[0].data : nullptr;
}

}  // namespace q3c
