#include "frontend/tokenizer/bpe.h"

#include <algorithm>
#include <queue>

#include "frontend/error.h"

namespace q3c {

namespace {

uint64_t pairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}

size_t slotOf(uint64_t key, size_t mask) {
  uint64_t h = key * 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(h >> 32) & mask;
}

}  // namespace

BpeModel::BpeModel(TokenTable tokens, const std::vector<BpeMerge>& merges, const std::string& origin)
    : tokens_(std::move(tokens)), mergeCount_(merges.size()) {
  byteToken_.fill(-1);
  for (size_t id = 0; id < tokens_.size(); ++id)
    if (tokens_[id].size() == 1 && byteToken_[static_cast<unsigned char>(tokens_[id][0])] < 0)
      byteToken_[static_cast<unsigned char>(tokens_[id][0])] = static_cast<int32_t>(id);
  for (int b = 0; b < 256; ++b)
    if (byteToken_[static_cast<size_t>(b)] < 0)
      throw Error(origin + ": the vocabulary has no token for byte 0x" + "0123456789ABCDEF"[b >> 4] +
                  "0123456789ABCDEF"[b & 15] + " (byte-level BPE needs all 256)");
  size_t slots = 1024;
  while (slots * 3 < merges.size() * 5) slots *= 2;  // load factor below 0.6
  mergeTable_.assign(slots, MergeSlot{});
  const size_t mask = slots - 1;
  const auto n = static_cast<int32_t>(tokens_.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const BpeMerge& m = merges[rank];
    if (m.left < 0 || m.right < 0 || m.result < 0 || m.left >= n || m.right >= n || m.result >= n)
      throw Error(origin + ": merge " + std::to_string(rank) + " refers to a token outside the vocabulary");
    uint64_t key = pairKey(m.left, m.right);
    size_t i = slotOf(key, mask);
    while (mergeTable_[i].key != UINT64_MAX && mergeTable_[i].key != key) i = (i + 1) & mask;
    // A repeated merge takes its last rank, as in Hugging Face (a map filled in order).
    mergeTable_[i] = {key, static_cast<uint32_t>(rank), m.result};
  }
}

const BpeModel::MergeSlot* BpeModel::findMerge(int32_t left, int32_t right) const {
  uint64_t key = pairKey(left, right);
  const size_t mask = mergeTable_.size() - 1;
  for (size_t i = slotOf(key, mask);; i = (i + 1) & mask) {
    const MergeSlot& s = mergeTable_[i];
    if (s.key == key) return &s;
    if (s.key == UINT64_MAX) return nullptr;
  }
}

std::vector<BpeMerge> BpeModel::merges() const {
  std::vector<BpeMerge> out(mergeCount_, BpeMerge{-1, -1, -1});
  for (const MergeSlot& s : mergeTable_)
    if (s.key != UINT64_MAX)
      out[s.rank] = {static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFFu), s.result};
  // Repeated merges left holes; only the order of ranks matters, so close them.
  std::erase_if(out, [](const BpeMerge& m) { return m.left < 0; });
  return out;
}

void BpeModel::encode(std::string_view piece, std::vector<int32_t>& out) const {
  if (piece.size() == 1) out.push_back(byteToken_[static_cast<unsigned char>(piece[0])]);
  else if (piece.size() <= kShortPiece) encodeByScan(piece, out);
  else encodeByHeap(piece, out);
}

// Pieces up to kShortPiece bytes are merged by rescanning a small array; longer ones use a heap.
void BpeModel::encodeByScan(std::string_view piece, std::vector<int32_t>& out) const {
  // ids[i] and the rank/result of merging ids[i] with ids[i+1]; merge the lowest rank (leftmost on
  // ties), update the two neighbouring pairs, repeat.
  int32_t ids[kShortPiece];
  uint32_t ranks[kShortPiece];
  int32_t results[kShortPiece];
  size_t n = piece.size();
  for (size_t i = 0; i < n; ++i) ids[i] = byteToken_[static_cast<unsigned char>(piece[i])];
  auto rate = [&](size_t i) {
    const MergeSlot* m = findMerge(ids[i], ids[i + 1]);
    ranks[i] = m ? m->rank : UINT32_MAX;
    results[i] = m ? m->result : -1;
  };
  for (size_t i = 0; i + 1 < n; ++i) rate(i);
  while (n > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; ++i)
      if (ranks[i] < ranks[best]) best = i;
    if (ranks[best] == UINT32_MAX) break;
    ids[best] = results[best];
    for (size_t i = best + 1; i + 1 < n; ++i) {
      ids[i] = ids[i + 1];
      ranks[i] = ranks[i + 1];
      results[i] = results[i + 1];
    }
    --n;
    if (best + 1 < n) rate(best);
    if (best > 0) rate(best - 1);
  }
  out.insert(out.end(), ids, ids + n);
}

void BpeModel::encodeByHeap(std::string_view piece, std::vector<int32_t>& out) const {
  // Symbols in a linked list and candidate merges in a min-heap by (rank, position); stale heap
  // entries are recognised and skipped when popped, as in Hugging Face's implementation.
  struct Symbol {
    int32_t id;
    int32_t prev, next;  // -1 at the ends
    bool alive;
  };
  struct Candidate {
    uint32_t rank;
    int32_t pos;
    int32_t result;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  const auto n = static_cast<int32_t>(piece.size());
  if (n == 0) return;
  std::vector<Symbol> sym(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i)
    sym[static_cast<size_t>(i)] = {byteToken_[static_cast<unsigned char>(piece[static_cast<size_t>(i)])], i - 1,
                                   i + 1 < n ? i + 1 : -1, true};
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto consider = [&](int32_t pos) {
    int32_t next = sym[static_cast<size_t>(pos)].next;
    if (next < 0) return;
    if (const MergeSlot* m = findMerge(sym[static_cast<size_t>(pos)].id, sym[static_cast<size_t>(next)].id))
      heap.push({m->rank, pos, m->result});
  };
  for (int32_t i = 0; i + 1 < n; ++i) consider(i);
  while (!heap.empty()) {
    Candidate top = heap.top();
    heap.pop();
    Symbol& left = sym[static_cast<size_t>(top.pos)];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[static_cast<size_t>(left.next)];
    const MergeSlot* m = findMerge(left.id, right.id);
    if (!m || m->rank != top.rank || m->result != top.result) continue;  // stale
    left.id = top.result;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) sym[static_cast<size_t>(right.next)].prev = top.pos;
    if (left.prev >= 0) consider(left.prev);
    consider(top.pos);
  }
  for (int32_t i = 0; i >= 0; i = sym[static_cast<size_t>(i)].next) out.push_back(sym[static_cast<size_t>(i)].id);
}

}  // namespace q3c
