// What the AVX2 panel tiles on quantized weights (int16_tile.h, int4_madd_tile.h) share: a tile
// of mr rows x 48 output columns run as two passes of 24 (3 ymm of 8 int32 lanes), the
// registers their arguments and running pointers live in, and the start of a call and of a
// pass. Args is the family's argument struct; its fields a, ldaBytes, s, w, ws, out, groups
// and flags are read here (the records' codes, their stride, the records' per-group entries,
// the packed chunk, the weight scales, the sums, the groups in the chunk, kResume).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "codegen/xbyak/generator.h"
#include "codegen/xbyak/panel_tile_args.h"

namespace q3c::xbyak {

template <class Args>
class Avx2PanelTile : public Generator {
 protected:
  static constexpr int kCols = 48, kPassCols = 24, kPassVectors = kPassCols / 8;
  static constexpr int kStepBytes = kCols * 4;  // a packed step, and a row of sums or scales
  static constexpr int64_t kResume = 1;         // in Args::flags: add to `out`

  Avx2PanelTile(std::string name, size_t maxBytes) : Generator(std::move(name), maxBytes) {}

  // The argument pointer; a pass's running pointers (codes, records, packed weights, weight
  // scales), the sums and the groups left; the starts the passes rewind them to. rbx is left
  // to the family.
  const Xbyak::Reg64 arg{Xbyak::Operand::RDI}, a{Xbyak::Operand::RSI}, lda{Xbyak::Operand::RDX},
      lda3{Xbyak::Operand::RCX}, s{Xbyak::Operand::R8}, w{Xbyak::Operand::R9}, ws{Xbyak::Operand::R10},
      out{Xbyak::Operand::R11}, groups{Xbyak::Operand::RAX};
  const Xbyak::Reg64 a0{Xbyak::Operand::R12}, s0{Xbyak::Operand::R13}, w0{Xbyak::Operand::R14},
      ws0{Xbyak::Operand::R15}, groups0{Xbyak::Operand::RBP};

  // Row i (0..3) of the records at `base`.
  Xbyak::RegExp rowAt(const Xbyak::Reg64& base, int i) const { return row(base, lda, lda3, i); }

  // Saves the registers and loads the arguments; a fresh tile (no kResume) zeroes its mr rows
  // of 48 sums first, with `zero`, since the passes only ever add to `out`.
  void start(int mr, const Xbyak::Ymm& zero) {
    enter();
    loadPanelTileArgs<Args>(*this, arg, {a0, lda, lda3, s0, w0, ws0, out, groups0});
    Xbyak::Label resume;
    test(qword[arg + offsetof(Args, flags)], static_cast<uint32_t>(kResume));
    jnz(resume, T_NEAR);
    vxorps(zero, zero, zero);
    for (int i = 0; i < mr; ++i)
      for (int c = 0; c < kCols / 8; ++c) vmovups(yword[out + i * kStepBytes + c * 32], zero);
    L(resume);
  }

  // Hints into L1 the line of rows 3..5 of the records at `base` that this tile reads of rows
  // 0..2: the next tile's codes (or entries) while this one computes. A tile reads a chunk's
  // 256 bytes of each row and moves on to rows 5-20 KB further, too short a run for the
  // hardware prefetchers, so without it each tile's first pass waited on L3 for its rows.
  // Nothing for a tile of fewer than 3 rows (mr): it is the M block's last.
  void prefetchNextTileRows(const Xbyak::Reg64& base, int mr) {
    if (mr < 3) return;
    add(base, lda3);  // rows 3..5 as rows 0..2: no register is free for base + 5 x lda
    for (int i = 0; i < 3; ++i) prefetcht0(Xbyak::util::ptr[rowAt(base, i)]);
    sub(base, lda3);
  }

  // Rewinds the running pointers to the chunk's first k and group, at pass `pass`'s columns;
  // returns their byte offset into a packed step, a row of scales and a row of sums.
  int startPass(int pass) {
    const int colOffset = pass * kPassCols * 4;
    mov(a, a0);
    mov(s, s0);
    lea(w, ptr[w0 + colOffset]);
    lea(ws, ptr[ws0 + colOffset]);
    mov(groups, groups0);
    return colOffset;
  }
};

}  // namespace q3c::xbyak
