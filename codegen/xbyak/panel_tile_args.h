// The argument block the quantized panel tiles share (Int8TileArgs, Int16TileArgs,
// Int4MaddTileArgs: fields a, ldaBytes, s, w, ws, out, groups and flags in that order), and the
// loads that start a call: each field into the register the tile keeps it in.
#pragma once
#include <cstddef>

#include <xbyak/xbyak.h>

namespace q3c::xbyak {

// Where a tile keeps the block's fields: the records' codes and their stride (and 3 x it, for
// Generator::row), the records' per-group entries, the packed chunk, the weight scales, the
// sums and the groups in the chunk.
struct PanelTileArgRegs {
  Xbyak::Reg64 a, lda, lda3, s, w, ws, out, groups;
};

template <class Args>
void loadPanelTileArgs(Xbyak::CodeGenerator& g, const Xbyak::Reg64& arg, const PanelTileArgRegs& r) {
  g.mov(r.a, g.qword[arg + offsetof(Args, a)]);
  g.mov(r.lda, g.qword[arg + offsetof(Args, ldaBytes)]);
  g.lea(r.lda3, g.ptr[r.lda + r.lda * 2]);
  g.mov(r.s, g.qword[arg + offsetof(Args, s)]);
  g.mov(r.w, g.qword[arg + offsetof(Args, w)]);
  g.mov(r.ws, g.qword[arg + offsetof(Args, ws)]);
  g.mov(r.out, g.qword[arg + offsetof(Args, out)]);
  g.mov(r.groups, g.qword[arg + offsetof(Args, groups)]);
}

}  // namespace q3c::xbyak
