// Helpers for writing kernels with IRBuilder: the kernel signature, loops, and vector loads that
// widen any weight dtype to f32. Only codegen/llvm sources include this (it pulls in LLVM).
#pragma once
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <functional>
#include <string>

#include "codegen/llvm/target.h"
#include "ir/types.h"

namespace q3c::llvmgen {

// One kernel being written:
//   void name(void** ptrs, int64_t T, int64_t past, int64_t part, int64_t parts, int64_t thread,
//             int64_t prepare)
// A kernel that splits its work computes part `part` of `parts` (the others run on other
// threads). `thread` numbers the pool thread that runs it, and `prepare` is nonzero for the
// first part that thread runs in this call: work that every part needs alike (an input row's
// norm, bf16 rounding or int8 codes, RoPE's tables) is done then, into that thread's scratch,
// and the thread's later parts read it (decode runs 16 parts a thread).
class KernelBuilder {
 public:
  KernelBuilder(llvm::Module& m, const std::string& symbol, const Target& target);

  llvm::IRBuilder<>& b() { return b_; }
  llvm::LLVMContext& ctx() { return ctx_; }
  llvm::Module& module() { return m_; }
  int vw() const { return vw_; }  // floats per vector
  bool vnni() const { return vnni_; }  // AVX512-VNNI (vpdpbusd) on 16-lane vectors

  llvm::Value* T() const { return T_; }
  llvm::Value* past() const { return past_; }
  llvm::Value* part() const { return part_; }
  llvm::Value* parts() const { return parts_; }
  // [begin, end) of `total` items for this part, begin and end multiples of `align` (the last
  // part ends at total).
  std::pair<llvm::Value*, llvm::Value*> partRange(int64_t total, int64_t align);
  llvm::Value* prepare() const { return prepare_; }
  // This thread's own scratch: `perToken` floats per token of T, then `perThread` floats.
  llvm::Value* threadScratch(llvm::Value* base, int64_t perToken, int64_t perThread = 0);
  // Where the `perThread` floats of a threadScratch start.
  llvm::Value* perThreadFloats(llvm::Value* threadScratch, int64_t perToken);
  // `body` only in the first part this thread runs in the call (see above).
  void oncePerThread(const std::function<void()>& body);
  llvm::Value* ptr(int i);  // ptrs[i]

  // Types and constants.
  llvm::Type* f32() { return b_.getFloatTy(); }
  llvm::Type* i64() { return b_.getInt64Ty(); }
  llvm::VectorType* vf32() { return llvm::FixedVectorType::get(f32(), vw_); }
  llvm::Value* i(int64_t v) { return b_.getInt64(static_cast<uint64_t>(v)); }
  llvm::Value* f(float v) { return llvm::ConstantFP::get(f32(), v); }
  llvm::Value* zeroVec() { return llvm::ConstantAggregateZero::get(vf32()); }
  llvm::Value* splat(llvm::Value* s) { return b_.CreateVectorSplat(vw_, s); }

  // for (iv = begin; iv < end; iv += step) body(iv)
  void loop(llvm::Value* begin, llvm::Value* end, int64_t step, const std::function<void(llvm::Value*)>& body);
  // Same, carrying values from one iteration to the next; returns their final values.
  std::vector<llvm::Value*> loopCarry(llvm::Value* begin, llvm::Value* end, int64_t step,
                                      std::vector<llvm::Value*> init,
                                      const std::function<std::vector<llvm::Value*>(llvm::Value*, const std::vector<llvm::Value*>&)>& body);

  // Element `index` of an array of `dtype` at `base`, widened to f32 (scalar or vw-vector).
  llvm::Value* loadScalar(llvm::Value* base, llvm::Value* index, ir::DType dtype);
  llvm::Value* loadVector(llvm::Value* base, llvm::Value* index, ir::DType dtype);
  void storeScalar(llvm::Value* v, llvm::Value* base, llvm::Value* index);  // f32
  void storeVector(llvm::Value* v, llvm::Value* base, llvm::Value* index);  // f32 x vw
  llvm::Value* gep(llvm::Value* base, llvm::Value* index, llvm::Type* elem = nullptr);

  llvm::Value* hsum(llvm::Value* vec);             // sum of the lanes
  llvm::Value* hmax(llvm::Value* vec);             // largest lane (the lanes hold no NaN)
  // A read prefetch of the line at `address` (locality 3: all cache levels, 2: not L1). Never
  // faults, so addresses past the data need no check.
  void prefetch(llvm::Value* address, int locality = 3);
  llvm::Value* smin(llvm::Value* a, llvm::Value* b);  // signed minimum of two i64
  llvm::Value* ceilDiv(llvm::Value* a, llvm::Value* b);  // ceil(a / b) of two i64, a >= 0, b > 0
  llvm::Value* fma(llvm::Value* a, llvm::Value* b, llvm::Value* c);  // a*b+c, vector or scalar
  llvm::Value* expf(llvm::Value* x);  // scalar
  // exp of a scalar or of every lane of a vw-vector, inline (no libm call): 2^n times a
  // degree-6 polynomial on |r| <= ln2/2, relative error below 2e-7; exp(-inf) = 0.
  llvm::Value* expVec(llvm::Value* x);
  // A stack array of n f32 (or of `elem`), allocated once at the kernel's entry.
  llvm::Value* stackArray(int64_t n, llvm::Type* elem = nullptr);

  void finish();  // ret void

 private:
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::Function* fn_;
  llvm::BasicBlock* entry_;
  int vw_;
  bool vnni_ = false;
  llvm::Value *ptrs_, *T_, *past_, *part_, *parts_, *thread_, *prepare_;
};

}  // namespace q3c::llvmgen
