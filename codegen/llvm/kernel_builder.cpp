#include "codegen/llvm/kernel_builder.h"

#include <cmath>

#include <llvm/IR/Intrinsics.h>

namespace q3c::llvmgen {

using llvm::Value;

KernelBuilder::KernelBuilder(llvm::Module& m, const std::string& symbol, const Target& target)
    : m_(m), ctx_(m.getContext()), b_(ctx_), vw_(target.vectorWidth),
      vnni_(vw_ == 16 && target.features.find("+avx512vnni") != std::string::npos) {
  auto* type = llvm::FunctionType::get(
      b_.getVoidTy(),
      {b_.getPtrTy(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getInt64Ty()},
      false);
  fn_ = llvm::Function::Create(type, llvm::Function::ExternalLinkage, symbol, m);
  fn_->addFnAttr("target-cpu", target.cpu);
  fn_->addFnAttr("target-features", target.features);
  fn_->addFnAttr("prefer-vector-width", std::to_string(vw_ * 32));  // zmm on Intel too
  fn_->addFnAttr(llvm::Attribute::NoUnwind);
  auto args = fn_->arg_begin();
  ptrs_ = &*args++;
  T_ = &*args++;
  past_ = &*args++;
  part_ = &*args++;
  parts_ = &*args++;
  thread_ = &*args++;
  prepare_ = &*args;
  entry_ = llvm::BasicBlock::Create(ctx_, "entry", fn_);
  b_.SetInsertPoint(entry_);
  llvm::FastMathFlags fmf;
  fmf.setAllowContract();  // fmul + fadd may become one FMA
  b_.setFastMathFlags(fmf);
}

std::pair<Value*, Value*> KernelBuilder::partRange(int64_t total, int64_t align) {
  auto bound = [&](Value* p) {
    Value* raw = b_.CreateSDiv(b_.CreateMul(i(total), p), parts_);
    return b_.CreateMul(b_.CreateSDiv(raw, i(align)), i(align));
  };
  Value* next = b_.CreateAdd(part_, i(1));
  Value* end = b_.CreateSelect(b_.CreateICmpEQ(next, parts_), i(total), bound(next));
  return {bound(part_), end};
}

Value* KernelBuilder::threadScratch(Value* base, int64_t perToken, int64_t perThread) {
  return gep(base, b_.CreateMul(thread_, b_.CreateAdd(b_.CreateMul(T_, i(perToken)), i(perThread))));
}

Value* KernelBuilder::perThreadFloats(Value* threadScratch, int64_t perToken) {
  return gep(threadScratch, b_.CreateMul(T_, i(perToken)));
}

void KernelBuilder::oncePerThread(const std::function<void()>& body) {
  llvm::Function* fn = b_.GetInsertBlock()->getParent();
  auto* then = llvm::BasicBlock::Create(ctx_, "prepare", fn);
  auto* done = llvm::BasicBlock::Create(ctx_, "prepared", fn);
  b_.CreateCondBr(b_.CreateICmpNE(prepare_, i(0)), then, done);
  b_.SetInsertPoint(then);
  body();
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
}

Value* KernelBuilder::ptr(int i) { return b_.CreateLoad(b_.getPtrTy(), b_.CreateConstGEP1_64(b_.getPtrTy(), ptrs_, i)); }

void KernelBuilder::loop(Value* begin, Value* end, int64_t step, const std::function<void(Value*)>& body) {
  loopCarry(begin, end, step, {}, [&](Value* iv, const std::vector<Value*>&) {
    body(iv);
    return std::vector<Value*>{};
  });
}

std::vector<Value*> KernelBuilder::loopCarry(
    Value* begin, Value* end, int64_t step, std::vector<Value*> init,
    const std::function<std::vector<Value*>(Value*, const std::vector<Value*>&)>& body) {
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx_, "loop", fn_);
  auto* bodyBlock = llvm::BasicBlock::Create(ctx_, "body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx_, "exit", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(i64(), 2, "i");
  iv->addIncoming(begin, pre);
  std::vector<llvm::PHINode*> phis;
  std::vector<Value*> current;
  for (Value* v : init) {
    llvm::PHINode* p = b_.CreatePHI(v->getType(), 2);
    p->addIncoming(v, pre);
    phis.push_back(p);
    current.push_back(p);
  }
  b_.CreateCondBr(b_.CreateICmpSLT(iv, end), bodyBlock, exit);
  b_.SetInsertPoint(bodyBlock);
  std::vector<Value*> next = body(iv, current);
  Value* ivNext = b_.CreateAdd(iv, i(step));
  llvm::BasicBlock* latch = b_.GetInsertBlock();
  iv->addIncoming(ivNext, latch);
  for (size_t k = 0; k < phis.size(); ++k) phis[k]->addIncoming(next[k], latch);
  b_.CreateBr(header);
  b_.SetInsertPoint(exit);
  return current;  // the phis: their value when the loop exits
}

Value* KernelBuilder::gep(Value* base, Value* index, llvm::Type* elem) {
  return b_.CreateGEP(elem ? elem : f32(), base, index);
}

Value* KernelBuilder::loadScalar(Value* base, Value* index, ir::DType dtype) {
  switch (dtype) {
    case ir::DType::F32:
      return b_.CreateAlignedLoad(f32(), gep(base, index), llvm::Align(1));
    case ir::DType::BF16: {
      Value* bits = b_.CreateAlignedLoad(b_.getInt16Ty(), gep(base, index, b_.getInt16Ty()), llvm::Align(1));
      return b_.CreateBitCast(b_.CreateShl(b_.CreateZExt(bits, b_.getInt32Ty()), 16), f32());
    }
    case ir::DType::F16:
      return b_.CreateFPExt(b_.CreateAlignedLoad(b_.getHalfTy(), gep(base, index, b_.getHalfTy()), llvm::Align(1)), f32());
    case ir::DType::I32:
    case ir::DType::Q8:
    case ir::DType::Q4:
      break;  // quantized rows are read by codegen/llvm/dequant.cpp
  }
  return nullptr;
}

Value* KernelBuilder::loadVector(Value* base, Value* index, ir::DType dtype) {
  switch (dtype) {
    case ir::DType::F32:
      return b_.CreateAlignedLoad(vf32(), gep(base, index), llvm::Align(1));
    case ir::DType::BF16: {
      auto* vi16 = llvm::FixedVectorType::get(b_.getInt16Ty(), vw_);
      auto* vi32 = llvm::FixedVectorType::get(b_.getInt32Ty(), vw_);
      Value* bits = b_.CreateAlignedLoad(vi16, gep(base, index, b_.getInt16Ty()), llvm::Align(1));
      return b_.CreateBitCast(b_.CreateShl(b_.CreateZExt(bits, vi32), b_.CreateVectorSplat(vw_, b_.getInt32(16))), vf32());
    }
    case ir::DType::F16: {
      auto* vh = llvm::FixedVectorType::get(b_.getHalfTy(), vw_);
      return b_.CreateFPExt(b_.CreateAlignedLoad(vh, gep(base, index, b_.getHalfTy()), llvm::Align(1)), vf32());
    }
    case ir::DType::I32:
    case ir::DType::Q8:
    case ir::DType::Q4:
      break;  // quantized rows are read by codegen/llvm/dequant.cpp
  }
  return nullptr;
}

void KernelBuilder::storeScalar(Value* v, Value* base, Value* index) {
  b_.CreateAlignedStore(v, gep(base, index), llvm::Align(1));
}

void KernelBuilder::storeVector(Value* v, Value* base, Value* index) {
  b_.CreateAlignedStore(v, gep(base, index), llvm::Align(1));
}

Value* KernelBuilder::hsum(Value* vec) {
  auto* r = llvm::cast<llvm::Instruction>(b_.CreateFAddReduce(f(0.0f), vec));
  llvm::FastMathFlags fmf;
  fmf.setAllowReassoc();  // a tree of adds, not lane by lane
  r->setFastMathFlags(fmf);
  return r;
}

Value* KernelBuilder::hmax(Value* vec) {
  auto* r = llvm::cast<llvm::Instruction>(b_.CreateFPMaxReduce(vec));
  // Without NaNs the lanes reduce by a tree of vmaxps; with NaN semantics LLVM 19 emitted 16
  // dependent scalar max-and-NaN-check pairs (~150 cycles by estimate), once per 32-element
  // group of decode's activation quantization in every part (docs/quantization.md).
  llvm::FastMathFlags fmf;
  fmf.setNoNaNs();
  r->setFastMathFlags(fmf);
  return r;
}

void KernelBuilder::prefetch(Value* address, int locality) {
  b_.CreateIntrinsic(llvm::Intrinsic::prefetch, {b_.getPtrTy()},
                     {address, b_.getInt32(0), b_.getInt32(locality), b_.getInt32(1)});
}

Value* KernelBuilder::smin(Value* a, Value* b) { return b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, a, b); }

Value* KernelBuilder::ceilDiv(Value* a, Value* b) { return b_.CreateSDiv(b_.CreateAdd(a, b_.CreateSub(b, i(1))), b); }

Value* KernelBuilder::fma(Value* a, Value* b, Value* c) {
  return b_.CreateIntrinsic(llvm::Intrinsic::fma, {a->getType()}, {a, b, c});
}

Value* KernelBuilder::expf(Value* x) { return b_.CreateUnaryIntrinsic(llvm::Intrinsic::exp, x); }

Value* KernelBuilder::expVec(Value* x) {
  const bool vector = x->getType()->isVectorTy();
  auto c = [&](float v) { return vector ? splat(f(v)) : f(v); };
  auto ci = [&](int32_t v) { return vector ? b_.CreateVectorSplat(vw_, b_.getInt32(v)) : b_.getInt32(v); };
  llvm::Type* i32 = vector ? static_cast<llvm::Type*>(llvm::FixedVectorType::get(b_.getInt32Ty(), vw_)) : b_.getInt32Ty();
  Value* clamped = b_.CreateBinaryIntrinsic(llvm::Intrinsic::maxnum,
                                            b_.CreateBinaryIntrinsic(llvm::Intrinsic::minnum, x, c(88.0f)), c(-87.0f));
  Value* n = b_.CreateUnaryIntrinsic(llvm::Intrinsic::roundeven, b_.CreateFMul(clamped, c(1.44269504f)));
  Value* r = fma(n, c(-0.693359375f), clamped);  // ln2 in two parts: the high one exact in f32
  r = fma(n, c(2.12194440e-4f), r);
  Value* p = c(1.0f / 720);
  for (float k : {1.0f / 120, 1.0f / 24, 1.0f / 6, 0.5f, 1.0f, 1.0f}) p = fma(p, r, c(k));
  Value* bits = b_.CreateShl(b_.CreateAdd(b_.CreateFPToSI(n, i32), ci(127)), ci(23));
  Value* e = b_.CreateFMul(p, b_.CreateBitCast(bits, x->getType()));
  return b_.CreateSelect(b_.CreateFCmpOEQ(x, c(-INFINITY)), c(0.0f), e);
}

Value* KernelBuilder::stackArray(int64_t n, llvm::Type* elem) {
  llvm::IRBuilder<> at(entry_, entry_->begin());
  auto* a = at.CreateAlloca(elem ? elem : f32(), at.getInt64(static_cast<uint64_t>(n)));
  a->setAlignment(llvm::Align(64));
  return a;
}

void KernelBuilder::finish() { b_.CreateRetVoid(); }

}  // namespace q3c::llvmgen
