#include "codegen/xbyak/dot_tile.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "frontend/error.h"

namespace q3c::xbyak {

using ir::DType;

int64_t dotKStep(Isa isa, DType a, DType w) {
  if (isa == Isa::Avx512Bf16 && a == DType::BF16 && w == DType::BF16) return 32;  // 16 lanes x 2
  return isa == Isa::Avx2 ? 8 : 16;
}

int64_t partialBytes(Isa isa) { return int64_t(maxTileRows(isa)) * maxTileCols(isa) * (isa == Isa::Avx2 ? 32 : 64); }

int maxTileRows(Isa isa) { return isa == Isa::Avx2 ? 3 : 4; }
int maxTileCols(Isa isa) { return isa == Isa::Avx2 ? 4 : 6; }

bool dotTileSupports(DType a, DType w) {
  if (a == DType::BF16) return w == DType::BF16;
  return a == DType::F32 && (w == DType::F32 || w == DType::BF16 || w == DType::F16);
}

namespace {

// One-row tiles (decode) stream weights from memory, so each weight line is prefetched one
// tile ahead: slot j of the tile prefetches the same offset nr rows further on, which is slot
// j of the next tile when rows are contiguous (one tensor, or gate/up taken alike from two).
// Where they are not (a q/k/v boundary, the end of a thread's share) the hint is wasted, never
// wrong. Against the earlier rule (each row 4 KB ahead, which mostly re-touched lines of the
// tile's next row and left the next tile's rows 1..nr-1 to the hardware) the Qwen3-4B lm_head
// GEMV went from 40-47 to 44-54 GB/s in interleaved repeats of bench/matmul_bench (2 threads,
// Zen 5, read bandwidth 63-67 GB/s), gate/up from 45-65 to 53-67. The row length is taken
// from the chunk end: decode runs one chunk of kFull, so with a K tail the hint falls at most
// nr * 31 elements short, still on the right row. Multi-row tiles (prefill) reuse the weights
// from cache and skip the prefetch instructions.

std::string tileName(const DotTileSpec& s) {
  return std::string("dot_") + isaName(s.isa) + "_" + ir::dtypeName(s.a) + "x" + ir::dtypeName(s.w) + "_" +
         std::to_string(s.mr) + "x" + std::to_string(s.nr);
}

}  // namespace

DotTileKernel::DotTileKernel(const DotTileSpec& s) : Generator(tileName(s), 4096) {
  using namespace Xbyak;
  if (!dotTileSupports(s.a, s.w)) throw Error(std::string("no dot tile for ") + ir::dtypeName(s.a) + " x " + ir::dtypeName(s.w));
  if (s.mr < 1 || s.mr > maxTileRows(s.isa) || s.nr < 1 || s.nr > maxTileCols(s.isa))
    throw Error("dot tile " + std::to_string(s.mr) + "x" + std::to_string(s.nr) + " is outside the register budget");
  const int64_t step = dotKStep(s.isa, s.a, s.w);

  const bool wide = s.isa != Isa::Avx2;  // zmm, 32 registers
  const bool dp = step == 32;            // vdpbf16ps on bf16 pairs
  const int wElt = static_cast<int>(ir::dtypeSize(s.w));
  const int aScale = static_cast<int>(ir::dtypeSize(s.a)) / wElt;  // A bytes per W byte: 1 or 2
  const int accs = s.mr * s.nr;
  // Registers: accumulators from 0, then one A register per row, then the W stream.
  const int aBase = wide ? 24 : 12, wBase = wide ? 28 : 15, wCount = wide ? 2 : 1;
  auto vec = [&](int idx) -> Xmm { return wide ? Xmm(Zmm(idx)) : Xmm(Ymm(idx)); };
  auto halfPtr = [&](const RegExp& e) { return wide ? yword[e] : xword[e]; };  // 16-bit elements of one register
  auto fullPtr = [&](const RegExp& e) { return wide ? zword[e] : yword[e]; };

  // Widen one register's worth of `t` elements at `e` to f32 in `v` (or load them as they are).
  auto load = [&](const Xmm& v, DType t, const RegExp& e) {
    if (dp || t == DType::F32) {
      vmovups(v, fullPtr(e));
    } else if (t == DType::BF16) {  // bf16 is the high half of an f32
      vpmovzxwd(v, halfPtr(e));
      vpslld(v, v, 16);
    } else {
      vcvtph2ps(v, halfPtr(e));
    }
  };

  // One-row tiles (decode) take each weight vector as the memory operand of its dot instead of
  // a load then the dot: one macro-op a line instead of two, so the out-of-order window holds
  // more of the stream's loads: 5-9% less time per decode step on Zen 5 (docs/kernels.md, "The
  // microkernel").
  const bool fuseLoads = s.mr == 1 && s.fuseOneRowLoads && (dp || s.w == DType::F32);
  const Reg64 aRow[4] = {rdi, r8, r9, r10};
  const Reg64 wRow[6] = {r11, rax, rbx, rbp, r12, r13};
  const Reg64 off = r14;      // bytes into the W rows; A is at off * aScale
  const Reg64 partial = r15, out = rcx, end = rsi, flags = rdx;
  const int vecBytes = wide ? 64 : 32;
  enter();
  // Unpack the arguments (rdi last: it becomes row 0 of A).
  mov(out, qword[rdi + offsetof(DotTileArgs, out)]);
  mov(partial, qword[rdi + offsetof(DotTileArgs, partial)]);
  mov(off, qword[rdi + offsetof(DotTileArgs, kBegin)]);
  mov(end, qword[rdi + offsetof(DotTileArgs, kEnd)]);
  mov(rdx, qword[rdi + offsetof(DotTileArgs, wRows)]);
  for (int j = 0; j < s.nr; ++j) mov(wRow[j], qword[rdx + 8 * j]);
  mov(flags, qword[rdi + offsetof(DotTileArgs, flags)]);
  mov(r10, qword[rdi + offsetof(DotTileArgs, ldaBytes)]);
  mov(rdi, qword[rdi + offsetof(DotTileArgs, a)]);
  if (s.mr > 1) lea(r8, ptr[rdi + r10]);
  if (s.mr > 2) lea(r9, ptr[rdi + r10 * 2]);
  if (s.mr > 3) lea(r10, ptr[r8 + r10 * 2]);  // the stride's register last
  if (wElt == 2) {  // elements to bytes
    add(off, off);
    add(end, end);
  } else {
    shl(off, 2);
    shl(end, 2);
  }
  const Reg64 ahead = r9;  // one-row tiles: off + nr rows, where the next tile's slot reads
  if (s.mr == 1) {
    imul(r8, end, s.nr);
    lea(ahead, ptr[off + r8]);
  }
  Label fresh, check, loop, done, keep, exit;
  test(flags, kResume);
  jz(fresh, T_NEAR);
  for (int r = 0; r < accs; ++r) vmovups(vec(r), wide ? zword[partial + r * vecBytes] : yword[partial + r * vecBytes]);
  jmp(check, T_NEAR);
  L(fresh);
  for (int r = 0; r < accs; ++r) vxorps(vec(r), vec(r), vec(r));
  L(check);
  {
    cmp(off, end);
    jae(done, T_NEAR);
    L(loop);
    for (int i = 0; i < s.mr; ++i) load(vec(aBase + i), s.a, aRow[i] + off * aScale);
    for (int j = 0; j < s.nr; ++j) {
      const Xmm w = vec(wBase + j % wCount);
      if (s.mr == 1) prefetcht0(ptr[wRow[j] + ahead]);
      if (fuseLoads) {  // the weight as the dot's memory operand (both operands of a pair product commute)
        if (dp) vdpbf16ps(Zmm(j), Zmm(aBase), zword[wRow[j] + off]);
        else vfmadd231ps(vec(j), vec(aBase), fullPtr(wRow[j] + off));
        continue;
      }
      load(w, s.w, wRow[j] + off);
      for (int i = 0; i < s.mr; ++i) {
        const Xmm acc = vec(i * s.nr + j), a = vec(aBase + i);
        if (dp) vdpbf16ps(Zmm(acc.getIdx()), Zmm(w.getIdx()), Zmm(a.getIdx()));
        else vfmadd231ps(acc, a, w);
      }
    }
    add(off, static_cast<uint32_t>(step * wElt));
    if (s.mr == 1) add(ahead, static_cast<uint32_t>(step * wElt));
    cmp(off, end);
    jb(loop, T_NEAR);
  }
  L(done);
  test(flags, kFinish);
  jnz(keep, T_NEAR);
  for (int r = 0; r < accs; ++r) vmovups(wide ? zword[partial + r * vecBytes] : yword[partial + r * vecBytes], vec(r));
  jmp(exit, T_NEAR);
  L(keep);
  if (wide && s.nr == maxTileCols(s.isa) && accs >= 12) {
    reduceByTree(accs, out);
  } else {
    // Reduce every accumulator across its lanes and store the sum.
    const int tmp = wide ? 30 : 15;
    for (int r = 0; r < accs; ++r) {
      if (wide) {
        vextractf64x4(Ymm(tmp), Zmm(r), 1);
        vaddps(Ymm(r), Ymm(r), Ymm(tmp));
        vextractf32x4(Xmm(tmp), Ymm(r), 1);
      } else {
        vextractf128(Xmm(tmp), Ymm(r), 1);
      }
      vaddps(Xmm(r), Xmm(r), Xmm(tmp));
      vshufps(Xmm(tmp), Xmm(r), Xmm(r), 0x4E);
      vaddps(Xmm(r), Xmm(r), Xmm(tmp));
      vshufps(Xmm(tmp), Xmm(r), Xmm(r), 0xB1);
      vaddss(Xmm(r), Xmm(r), Xmm(tmp));
      vmovss(dword[out + 4 * ((r / s.nr) * maxTileCols(s.isa) + r % s.nr)], Xmm(r));
    }
  }
  L(exit);
  leave();
  fn_ = finish<DotTileFn>();
}

// Sums accumulators 0 .. count-1 (zmm) across their lanes into out[0 .. count-1], 16 at a
// time by a transposing tree: each level adds pairs of vectors after a shuffle that puts their
// halves side by side (128-bit blocks, then 64-bit, then 32-bit halves of the blocks), so 16
// sums cost 15 shuffle pairs and adds instead of 16 separate reductions (a 4 x 6 tile: ~90
// instructions instead of ~220; attention's Q·K tiles, 8 steps of K each, spent about as much
// on the reduction as on the dots). The tree leaves v[k + 4j] in lane 4k + j, so position m of
// its input takes accumulator 4 (m % 4) + m / 4 and the sums come out in order. Uses the
// registers above the accumulators (24..31), free once the K loop is done.
void DotTileKernel::reduceByTree(int count, const Xbyak::Reg64& out) {
  using namespace Xbyak;
  const Zmm zero(31), x(30), y(29);
  vxorps(zero, zero, zero);
  for (int first = 0; first < count; first += 16) {
    const int n = std::min(16, count - first);
    std::vector<int> level;  // register per position; -1: a zero vector
    for (int m = 0; m < 16; ++m) {
      const int acc = 4 * (m % 4) + m / 4;
      level.push_back(acc < n ? first + acc : -1);
    }
    // imm pairs per level: vshuff64x2 on 128-bit blocks twice, then vshufps within blocks twice.
    const uint8_t lowImm[4] = {0x44, 0x88, 0x44, 0x88}, highImm[4] = {0xEE, 0xDD, 0xEE, 0xDD};
    for (int lv = 0; lv < 4; ++lv) {
      std::vector<int> next;
      for (size_t i = 0; i < level.size(); i += 2) {
        const int a = level[i], b = level[i + 1];
        if (a < 0 && b < 0) {
          next.push_back(-1);
          continue;
        }
        const Zmm za = a < 0 ? zero : Zmm(a), zb = b < 0 ? zero : Zmm(b);
        const int dst = a < 0 ? b : a;
        if (lv < 2) {
          vshuff64x2(x, za, zb, lowImm[lv]);
          vshuff64x2(y, za, zb, highImm[lv]);
        } else {
          vshufps(x, za, zb, lowImm[lv]);
          vshufps(y, za, zb, highImm[lv]);
        }
        vaddps(Zmm(dst), x, y);
        next.push_back(dst);
      }
      level = next;
    }
    const Zmm sums(level[0]);
    if (n == 16) {
      vmovups(zword[out + 4 * first], sums);
    } else {
      mov(eax, (1u << n) - 1);
      kmovw(k1, eax);
      vmovups(zword[out + 4 * first] | k1, sums);
    }
  }
}

DotTileSet::DotTileSet(Isa isa, DType a, DType w, bool fuseOneRowLoads)
    : maxRows_(maxTileRows(isa)), maxCols_(maxTileCols(isa)) {
  for (int mr = 1; mr <= maxRows_; ++mr)
    for (int nr = 1; nr <= maxCols_; ++nr) {
      kernels_.push_back(std::make_unique<DotTileKernel>(DotTileSpec{isa, a, w, mr, nr, fuseOneRowLoads}));
      table_.push_back(kernels_.back()->fn());
    }
}

}  // namespace q3c::xbyak
