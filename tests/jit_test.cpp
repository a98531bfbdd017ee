// codegen/llvm/jit.h: a model's kernels compile side by side on several threads and link in
// order. Each request here builds a tiny kernel by hand that writes a number only it knows.
#include <gtest/gtest.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include <string>
#include <vector>

#include "codegen/llvm/jit.h"
#include "frontend/error.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

// A request for a kernel that stores (id * T + past) into the int64 ptrs[0] points to.
llvmgen::KernelRequest storeKernel(int id) {
  return {"q3c_test_store_" + std::to_string(id), "", [id](llvm::Module& m, const std::string& symbol) {
            llvm::LLVMContext& ctx = m.getContext();
            llvm::IRBuilder<> b(ctx);
            auto* i64 = b.getInt64Ty();
            auto* type = llvm::FunctionType::get(b.getVoidTy(), {b.getPtrTy(), i64, i64, i64, i64, i64, i64}, false);
            auto* f = llvm::Function::Create(type, llvm::Function::ExternalLinkage, symbol, m);
            b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));
            llvm::Value* out = b.CreateLoad(b.getPtrTy(), f->getArg(0));
            b.CreateStore(b.CreateAdd(b.CreateMul(b.getInt64(id), f->getArg(1)), f->getArg(2)), out);
            b.CreateRetVoid();
          }};
}

TEST(Jit, CompilesRequestsSideBySideAndReturnsThemInOrder) {
  for (bool onDisk : {false, true}) {
    test::TempDir dir;
    llvmgen::Jit jit(llvmgen::Target::detect("native"), onDisk ? dir.path().string() : "");
    std::vector<llvmgen::KernelRequest> requests;
    for (int id = 0; id < 12; ++id) requests.push_back(storeKernel(id));
    const std::vector<llvmgen::KernelFn> fns = jit.kernels(requests, 4);
    ASSERT_EQ(fns.size(), requests.size());
    EXPECT_EQ(jit.stats().compiled, 12);
    for (int id = 0; id < 12; ++id) {
      int64_t result = -1;
      void* ptrs[] = {&result};
      fns[id](ptrs, 3, 5, 0, 1, 0, 1);
      EXPECT_EQ(result, id * 3 + 5) << "kernel " << id;
    }
    if (!onDisk) continue;
    // A second Jit on the same cache loads every kernel, compiling none.
    llvmgen::Jit again(llvmgen::Target::detect("native"), dir.path().string());
    const std::vector<llvmgen::KernelFn> cached = again.kernels(requests, 4);
    EXPECT_EQ(again.stats().compiled, 0);
    EXPECT_EQ(again.stats().fromCache, 12);
    int64_t result = -1;
    void* ptrs[] = {&result};
    cached[7](ptrs, 2, 1, 0, 1, 0, 1);
    EXPECT_EQ(result, 15);
  }
}

TEST(Jit, AnErrorInOneBuildReachesTheCallerAfterTheOthersStop) {
  llvmgen::Jit jit(llvmgen::Target::detect("native"), "");
  std::vector<llvmgen::KernelRequest> requests;
  for (int id = 0; id < 8; ++id) requests.push_back(storeKernel(id));
  requests[5].build = [](llvm::Module&, const std::string&) { throw Error("kernel five cannot be built"); };
  try {
    jit.kernels(requests, 3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "kernel five cannot be built");
  }
  // A module without the promised function is an error, not a crash.
  requests[5].build = [](llvm::Module&, const std::string&) {};
  EXPECT_THROW(jit.kernels({requests[5]}, 1), Error);
}

}  // namespace
}  // namespace q3c
