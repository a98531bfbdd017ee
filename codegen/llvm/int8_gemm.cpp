// Prefill's int8 weights on the int8 dot (AVX512-VNNI): the activation rows quantized once per
// call into records (int8 codes, then per group the scale and the offset correction), and per
// panel of 48 weight rows, chunk by chunk of K, the chunk packed column-interleaved into L1
// for the Xbyak int8 tiles (codegen/xbyak/int8_tile.h), which every 4-row tile of the M block
// then runs over. The packing reads each weight byte once per M block (a 16 x 16 transpose of
// 32-bit words per 1 KB); the tiles do 4 x 12 vpdpbusd per 3 weight loads.
#include <llvm/IR/Intrinsics.h>

#include "codegen/llvm/kernels.h"
#include "codegen/xbyak/int8_tile.h"

namespace q3c::llvmgen {

using llvm::Value;

namespace {

constexpr int64_t kChunkK = 512;  // k per packed chunk: 48 x 512 bytes = 24 KB, half of a 48 KB L1
constexpr int64_t kMBlock = 512;  // rows per M block: the sums, 512 x 48 floats, stay on the stack

// Field for field xbyak::Int8TileArgs: a, ldaBytes, s, w, ws, out, groups, flags.
llvm::StructType* argsType(KernelBuilder& kb) {
  auto* p = kb.b().getPtrTy();
  auto* i64 = kb.i64();
  return llvm::StructType::get(kb.ctx(), {p, i64, p, p, p, p, i64, i64});
}

// The 64 weights at k (codes at byte codeAt of the row) as unsigned bytes in k order, the
// tiles' operand: int8 code + 128; int4 (q - 8) + 128, its two 32-element blocks unpacked from
// [low nibbles = elements 0..15, high = 16..31] each. As 16 words of 4 k.
Value* unsignedCodes64(KernelBuilder& kb, const ir::QuantFormat& f, Value* row, Value* codeAt) {
  auto& B = kb.b();
  auto* i8 = B.getInt8Ty();
  auto* v16i32 = llvm::FixedVectorType::get(B.getInt32Ty(), 16);
  if (f.scheme == ir::QuantScheme::Int8) {
    Value* q = B.CreateAlignedLoad(v16i32, kb.gep(row, codeAt, i8), llvm::Align(1));
    return B.CreateXor(q, B.CreateVectorSplat(16, B.getInt32(0x80808080u)));
  }
  Value* bytes = B.CreateAlignedLoad(llvm::FixedVectorType::get(i8, 32), kb.gep(row, codeAt, i8), llvm::Align(1));
  Value* low = B.CreateAnd(bytes, B.CreateVectorSplat(32, B.getInt8(15)));
  Value* high = B.CreateLShr(bytes, B.CreateVectorSplat(32, B.getInt8(4)));
  std::vector<int> order;  // low 0..15, high 0..15, low 16..31, high 16..31 of the two inputs
  for (int part = 0; part < 4; ++part)
    for (int i = 0; i < 16; ++i) order.push_back((part % 2) * 32 + (part / 2) * 16 + i);
  Value* q = B.CreateShuffleVector(low, high, order);
  return B.CreateBitCast(B.CreateAdd(q, B.CreateVectorSplat(64, B.getInt8(120))), v16i32);
}

// m[r][c] -> m[c][r] for 16 vectors of 16 lanes: for each bit b of the index, the elements whose
// row and lane differ in b swap across the row pair (r, r + b), one two-input shuffle per row.
void transpose16x16(llvm::IRBuilder<>& B, std::vector<Value*>& m) {
  for (int b = 8; b >= 1; b /= 2) {
    std::vector<int> lowMask, highMask;
    for (int l = 0; l < 16; ++l) {
      lowMask.push_back((l & b) == 0 ? l : 16 + l - b);
      highMask.push_back((l & b) == 0 ? l + b : 16 + l);
    }
    for (int r = 0; r < 16; ++r) {
      if (r & b) continue;
      Value* lo = B.CreateShuffleVector(m[r], m[r + b], lowMask);
      Value* hi = B.CreateShuffleVector(m[r], m[r + b], highMask);
      m[r] = lo;
      m[r + b] = hi;
    }
  }
}

}  // namespace

bool int8GemmSupports(const KernelBuilder& kb, ir::DType wType, const ir::QuantFormat& f, int64_t K, ir::DType aType) {
  return ir::isQuantized(wType) && f.scheme != ir::QuantScheme::Int4Zp && aType == ir::DType::BF16 &&
         intDotSupports(kb, f, K) && kChunkK % f.group == 0;
}

bool int8GemmPlanned(const TileOptions& opt, ir::DType wType, const ir::QuantFormat& f, int64_t K) {
  return opt.enabled && opt.vnni && ir::isQuantized(wType) && f.scheme != ir::QuantScheme::Int4Zp &&
         opt.activations == ir::DType::BF16 && K % 64 == 0 && f.group % 16 == 0 && kChunkK % f.group == 0;
}

int64_t int8RecordBytes(const ir::QuantFormat& f, int64_t K) { return K + 8 * (K / f.group); }

xbyak::GemmTiling int8GemmTiling(int64_t K) {
  xbyak::GemmTiling t;
  t.mr = xbyak::kInt8TileRows;
  t.nr = xbyak::kInt8TileCols;
  t.kStep = 4;
  t.kFull = K;
  t.kChunk = kChunkK;
  t.mBlock = kMBlock;
  return t;
}

void emitInt8ActivationRecords(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, Value* A, Value* M, Value* rec) {
  auto& B = kb.b();
  const int vw = 16;  // int8GemmSupports asks for VNNI on 16 lanes
  const int64_t perGroup = f.group / vw, recBytes = int8RecordBytes(f, K);
  auto* vi32 = llvm::FixedVectorType::get(B.getInt32Ty(), vw);
  auto* vi8 = llvm::FixedVectorType::get(B.getInt8Ty(), vw);
  kb.loop(kb.i(0), M, 1, [&](Value* m) {
    Value* a = kb.gep(A, B.CreateMul(m, kb.i(K * 2)), B.getInt8Ty());  // bf16 row
    Value* r = kb.gep(rec, B.CreateMul(m, kb.i(recBytes)), B.getInt8Ty());
    kb.loop(kb.i(0), kb.i(K / f.group), 1, [&](Value* g) {
      Value* base = B.CreateMul(g, kb.i(f.group));
      std::vector<Value*> x;
      Value* amax = kb.zeroVec();
      for (int64_t v = 0; v < perGroup; ++v) {
        x.push_back(kb.loadVector(a, B.CreateAdd(base, kb.i(v * vw)), ir::DType::BF16));
        amax = B.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum, amax, B.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, x.back()));
      }
      Value* mx = B.CreateUnaryIntrinsic(llvm::Intrinsic::vector_reduce_fmax, amax);
      Value* sa = B.CreateFDiv(mx, kb.f(127.0f));
      Value* inv = B.CreateSelect(B.CreateFCmpOGT(mx, kb.f(0.0f)), B.CreateFDiv(kb.f(127.0f), mx), kb.f(0.0f));
      Value* csum = llvm::ConstantAggregateZero::get(vi32);
      for (int64_t v = 0; v < perGroup; ++v) {
        Value* q = B.CreateFPToSI(B.CreateUnaryIntrinsic(llvm::Intrinsic::rint, B.CreateFMul(x[v], kb.splat(inv))), vi32);
        csum = B.CreateAdd(csum, q);
        B.CreateAlignedStore(B.CreateTrunc(q, vi8), kb.gep(r, B.CreateAdd(base, kb.i(v * vw)), B.getInt8Ty()), llvm::Align(1));
      }
      // The weights enter as code + 128: -128 x the codes' sum cancels that.
      Value* corr = B.CreateMul(B.CreateAddReduce(csum), B.getInt32(-128));
      Value* at = kb.gep(r, B.CreateAdd(kb.i(K), B.CreateMul(g, kb.i(8))), B.getInt8Ty());
      B.CreateAlignedStore(sa, at, llvm::Align(4));
      B.CreateAlignedStore(corr, kb.gep(at, kb.i(4), B.getInt8Ty()), llvm::Align(4));
    });
  });
}

void emitInt8PanelProducts(KernelBuilder& kb, const ir::QuantFormat& f, int64_t K, Value* table, Value* rec,
                           Value* mb, Value* mEnd, Value* nr, Value* qRows, Value* sums) {
  auto& B = kb.b();
  auto* ptrTy = B.getPtrTy();
  constexpr int cols = xbyak::kInt8TileCols, vecs = cols / 16;
  const int64_t recBytes = int8RecordBytes(f, K), scalesAt = ir::codeBytes(f, K);
  auto* vptr = llvm::FixedVectorType::get(ptrTy, 16);
  const bool int4 = f.scheme == ir::QuantScheme::Int4;
  Value* packed = kb.stackArray(kChunkK * cols, B.getInt8Ty());
  Value* scales = kb.stackArray(kChunkK / 16 * cols);
  llvm::StructType* argsTy = argsType(kb);
  Value* args = kb.stackArray(1, argsTy);
  auto field = [&](int i) { return B.CreateStructGEP(argsTy, args, static_cast<unsigned>(i)); };
  // A short panel repeats its first row: every column reads a real row, its sums are not used.
  kb.loop(nr, kb.i(cols), 1, [&](Value* j) { B.CreateStore(B.CreateLoad(ptrTy, qRows), kb.gep(qRows, j, ptrTy)); });
  std::vector<Value*> rows, rowPtr;
  for (int j = 0; j < cols; ++j) rowPtr.push_back(B.CreateLoad(ptrTy, kb.gep(qRows, kb.i(j), ptrTy)));
  for (int v = 0; v < vecs; ++v) rows.push_back(B.CreateAlignedLoad(vptr, kb.gep(qRows, kb.i(16 * v), ptrTy), llvm::Align(8)));
  Value* all = llvm::Constant::getAllOnesValue(llvm::FixedVectorType::get(B.getInt1Ty(), 16));
  auto gather = [&](llvm::Type* t, int v, Value* byteOffset) {
    Value* at = B.CreateGEP(B.getInt8Ty(), rows[v], byteOffset);
    return B.CreateMaskedGather(llvm::FixedVectorType::get(t, 16), at, llvm::Align(1), all);
  };
  B.CreateStore(kb.i(recBytes), field(1));
  B.CreateStore(packed, field(3));
  B.CreateStore(scales, field(4));
  kb.loop(kb.i(0), kb.i(K), kChunkK, [&](Value* k0) {
    Value* k1 = kb.smin(B.CreateAdd(k0, kb.i(kChunkK)), kb.i(K));
    // Codes + 128, [k / 4][48 columns][4 bytes]: per 16 rows and 16 steps of 4 k, the 16 x 16
    // 32-bit words transposed in registers (a gather per 16 words was 5x slower).
    kb.loop(k0, k1, 64, [&](Value* k) {
      Value* s = B.CreateSDiv(B.CreateSub(k, k0), kb.i(4));  // first step of the block
      // The next chunk's lines of every row, fetched while this chunk's tiles run: the packing
      // is where the weights come from memory.
      Value* codeAt = int4 ? B.CreateSDiv(k, kb.i(2)) : k;
      for (int j = 0; j < cols; ++j)
        B.CreateIntrinsic(llvm::Intrinsic::prefetch, {B.getPtrTy()},
                          {kb.gep(rowPtr[j], B.CreateAdd(codeAt, kb.i(int4 ? kChunkK / 2 : kChunkK)), B.getInt8Ty()),
                           B.getInt32(0), B.getInt32(2), B.getInt32(1)});
      for (int v = 0; v < vecs; ++v) {
        std::vector<Value*> m;
        for (int r = 0; r < 16; ++r) m.push_back(unsignedCodes64(kb, f, rowPtr[16 * v + r], codeAt));
        transpose16x16(B, m);
        for (int c = 0; c < 16; ++c) {
          Value* u = m[c];
          Value* at = B.CreateAdd(B.CreateMul(B.CreateAdd(s, kb.i(c)), kb.i(cols * 4)), kb.i(v * 64));
          B.CreateAlignedStore(u, kb.gep(packed, at, B.getInt8Ty()), llvm::Align(64));
        }
      }
    });
    Value* g0 = B.CreateSDiv(k0, kb.i(f.group));
    Value* groups = B.CreateSDiv(B.CreateSub(k1, k0), kb.i(f.group));
    kb.loop(kb.i(0), groups, 1, [&](Value* gi) {
      Value* at = B.CreateAdd(kb.i(scalesAt), B.CreateMul(B.CreateAdd(g0, gi), kb.i(4)));
      for (int v = 0; v < vecs; ++v)
        kb.storeVector(gather(kb.f32(), v, at), scales, B.CreateAdd(B.CreateMul(gi, kb.i(cols)), kb.i(16 * v)));
    });
    B.CreateStore(groups, field(6));
    B.CreateStore(B.CreateSelect(B.CreateICmpSGT(k0, kb.i(0)), kb.i(xbyak::kInt8Resume), kb.i(0)), field(7));
    kb.loop(mb, mEnd, xbyak::kInt8TileRows, [&](Value* m) {
      Value* mr = kb.smin(kb.i(xbyak::kInt8TileRows), B.CreateSub(mEnd, m));
      Value* r = kb.gep(rec, B.CreateMul(m, kb.i(recBytes)), B.getInt8Ty());
      B.CreateStore(kb.gep(r, k0, B.getInt8Ty()), field(0));
      B.CreateStore(kb.gep(r, B.CreateAdd(kb.i(K), B.CreateMul(g0, kb.i(8))), B.getInt8Ty()), field(2));
      B.CreateStore(kb.gep(sums, B.CreateMul(B.CreateSub(m, mb), kb.i(cols))), field(5));
      Value* fn = B.CreateLoad(ptrTy, kb.gep(table, B.CreateSub(mr, kb.i(1)), ptrTy));
      B.CreateCall(llvm::FunctionType::get(B.getVoidTy(), {ptrTy}, false), fn, {args});
    });
  });
}

}  // namespace q3c::llvmgen
