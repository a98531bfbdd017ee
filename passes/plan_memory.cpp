// plan-memory: every activation gets an offset in one arena, shared by values whose lifetimes
// do not overlap. All activations are [T, ...], so sizes and offsets are kept per token and
// scaled by T at run time (`arena_offset` on each node, in bytes per token). The pass also
// counts the bytes a decode step moves, recorded on the graph:
//   arena_bytes_per_token   arena size for one token
//   weight_bytes_per_token  constant bytes read by one decode step
//   act_bytes_per_token     activation bytes read and written by one decode step
//   kv_bytes_per_position   cache bytes attention reads per position of context
#include <algorithm>

#include "ir/quant.h"
#include "passes/passes.h"

namespace q3c::passes {

using ir::OpKind;
using ir::ValueId;

namespace {

constexpr int64_t kAlign = 64;  // per-token sizes round up to a cache line, so T-scaled offsets stay aligned

bool isConstantOp(OpKind k) { return k == OpKind::Weight || k == OpKind::ScaleCols || k == OpKind::ConcatRows || k == OpKind::Quantize; }

// Does the node's result get its own arena buffer? (Aliases and cache views do not.)
bool ownsBuffer(const ir::Node& n) {
  switch (n.op) {
    case OpKind::Input: case OpKind::Reshape: case OpKind::KvAppend: case OpKind::KvRead: return false;
    default: return !isConstantOp(n.op);
  }
}

int64_t bytesPerToken(const ir::TensorType& t) {
  int64_t n = ir::dtypeSize(t.dtype);
  for (const ir::Dim& d : t.shape) n *= d.isConst() ? d.value : 1;
  return n;
}

}  // namespace

ir::Graph planMemory(const ir::Graph& src) {
  const auto& nodes = src.nodes();
  const size_t V = src.values().size();
  // The buffer a value lives in: itself, or what a reshape aliases.
  std::vector<ValueId> root(V);
  for (const ir::Node& n : nodes) root[n.result] = n.op == OpKind::Reshape ? root[n.operands[0]] : n.result;
  std::vector<int> first(V, -1), last(V, -1);
  for (size_t i = 0; i < nodes.size(); ++i) {
    first[nodes[i].result] = static_cast<int>(i);
    last[root[nodes[i].result]] = std::max(last[root[nodes[i].result]], static_cast<int>(i));
    for (ValueId v : nodes[i].operands) last[root[v]] = std::max(last[root[v]], static_cast<int>(i));
  }
  for (ValueId v : src.outputs()) last[root[v]] = static_cast<int>(nodes.size());

  struct Buf {
    ValueId v;
    int64_t size, offset = -1;
  };
  std::vector<Buf> bufs;
  for (const ir::Node& n : nodes)
    if (ownsBuffer(n)) bufs.push_back({n.result, (bytesPerToken(src.value(n.result).type) + kAlign - 1) / kAlign * kAlign});
  // Largest first, each at the lowest offset free for its whole lifetime.
  std::vector<Buf*> order;
  for (Buf& b : bufs) order.push_back(&b);
  std::stable_sort(order.begin(), order.end(), [](const Buf* a, const Buf* b) { return a->size > b->size; });
  std::vector<const Buf*> placed;
  int64_t arena = 0;
  for (Buf* b : order) {
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Buf* p : placed)
      if (first[p->v] <= last[b->v] && first[b->v] <= last[p->v]) busy.push_back({p->offset, p->offset + p->size});
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (auto [lo, hi] : busy) {
      if (at + b->size <= lo) break;
      at = std::max(at, hi);
    }
    b->offset = at;
    arena = std::max(arena, at + b->size);
    placed.push_back(b);
  }
  std::map<ValueId, int64_t> offsets;
  for (const Buf& b : bufs) offsets[b.v] = b.offset;

  // Bytes a decode step (T = 1) moves.
  int64_t weightBytes = 0, actBytes = 0, kvBytesPerPosition = 0;
  for (const ir::Node& n : nodes) {
    if (isConstantOp(n.op) || n.op == OpKind::Input || n.op == OpKind::Reshape || n.op == OpKind::KvRead) continue;
    for (ValueId v : n.operands) {
      const ir::Node& p = src.producer(v);
      const ir::TensorType& t = src.value(v).type;
      if (isConstantOp(p.op)) {
        if (t.shape.size() == 2) {  // a weight: one row per token for embed, every row for a product
          const int64_t row = ir::weightRowBytes(src, v, t.shape[1].value);
          weightBytes += n.op == OpKind::Embed ? row : row * t.shape[0].value;
        } else {
          weightBytes += t.numel(1, 1) * ir::dtypeSize(t.dtype);
        }
      }
      else if (p.op == OpKind::KvAppend || p.op == OpKind::KvRead) kvBytesPerPosition += bytesPerToken(t);
      else actBytes += bytesPerToken(t);
    }
    actBytes += bytesPerToken(src.value(n.result).type) * (n.op == OpKind::KvAppend ? 0 : 1);
    if (n.op == OpKind::KvAppend) actBytes += bytesPerToken(src.value(n.operands[0]).type);  // the row written
    if (n.op == OpKind::QkvRopeKv) {  // k and v rows written to the cache
      actBytes += 2 * n.attrInt("kv_heads") * src.value(n.result).type.shape[2].value * 4;
    }
  }

  ir::Graph out;
  out.name = src.name;
  out.attrs = src.attrs;
  out.attrs["arena_bytes_per_token"] = arena;
  out.attrs["weight_bytes_per_token"] = weightBytes;
  out.attrs["act_bytes_per_token"] = actBytes;
  out.attrs["kv_bytes_per_position"] = kvBytesPerPosition;
  for (const ir::Node& n : nodes) {
    auto attrs = n.attrs;
    attrs.erase("arena_offset");
    if (offsets.count(n.result)) attrs["arena_offset"] = offsets[n.result];
    const ir::Value& r = src.value(n.result);
    out.addNode(n.op, n.operands, attrs, r.type, r.name);
  }
  for (ValueId v : src.outputs()) out.addOutput(v);
  return out;
}

}  // namespace q3c::passes
