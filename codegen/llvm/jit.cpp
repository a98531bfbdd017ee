#include "codegen/llvm/jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Target/TargetOptions.h>
#include <llvm/TargetParser/Host.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "codegen/generator_source_hash.h"
#include "frontend/error.h"

namespace q3c::llvmgen {

namespace {

// Part of every kernel's cache key: a name for the generated code's version, and the hash of
// the generators' sources (codegen/CMakeLists.txt), which changes with any edit to them even
// where nobody bumped the name.
constexpr const char* kCodeVersion = "q3c-kernels-36";
constexpr const char* kGeneratorSourceHash = Q3C_GENERATOR_SOURCE_HASH;

std::string message(llvm::Error e) { return llvm::toString(std::move(e)); }

std::string hexHash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The size of the code in an object file (one kernel per object), for the profiler map.
uint64_t codeSize(const llvm::MemoryBuffer& object) {
  auto file = llvm::object::ObjectFile::createObjectFile(object.getMemBufferRef());
  if (!file) {
    llvm::consumeError(file.takeError());
    return 0;
  }
  uint64_t size = 0;
  for (const llvm::object::SectionRef& section : (*file)->sections())
    if (section.isText()) size += section.getSize();
  return size;
}

// perf and other profilers read /tmp/perf-PID.map to name JIT-compiled code.
class PerfMap {
 public:
  void add(uint64_t addr, uint64_t size, const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!file_) file_ = std::fopen(("/tmp/perf-" + std::to_string(getpid()) + ".map").c_str(), "a");
    if (!file_) return;
    std::fprintf(file_, "%llx %llx %s\n", static_cast<unsigned long long>(addr), static_cast<unsigned long long>(size),
                 name.c_str());
    std::fflush(file_);
  }

 private:
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

PerfMap& perfMap() {
  static PerfMap map;
  return map;
}

}  // namespace

struct Jit::Impl {
  std::unique_ptr<llvm::orc::LLJIT> lljit;
  const llvm::Target* target = nullptr;
  std::string triple;
  std::mutex statsMutex;

  // A TargetMachine of its own for each compile: codegen on one is not safe from two threads.
  std::unique_ptr<llvm::TargetMachine> targetMachine(const Target& t) const {
    llvm::TargetOptions opts;
    return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
        triple, t.cpu, t.features, opts, llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  }
};

Jit::Jit(const Target& target, std::string cacheDir) : impl_(new Impl), target_(target), cacheDir_(std::move(cacheDir)) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit) throw Error("LLVM JIT: " + message(jit.takeError()));
  impl_->lljit = std::move(*jit);
  // Kernels call expf, cos, ... from the C library of this process.
  auto gen = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(impl_->lljit->getDataLayout().getGlobalPrefix());
  if (!gen) throw Error("LLVM JIT: " + message(gen.takeError()));
  impl_->lljit->getMainJITDylib().addGenerator(std::move(*gen));

  std::string err;
  impl_->triple = llvm::sys::getProcessTriple();
  impl_->target = llvm::TargetRegistry::lookupTarget(impl_->triple, err);
  if (!impl_->target) throw Error("LLVM: no target for " + impl_->triple + ": " + err);
  if (!impl_->targetMachine(target_)) throw Error("LLVM: cannot create a target machine for " + target.cpu);
  if (!cacheDir_.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(cacheDir_, ec);
    if (ec) cacheDir_.clear();  // no cache rather than no JIT
  }
}

Jit::~Jit() = default;

namespace {

// A request's object code, from the cache or compiled, and the symbol it defines.
struct Compiled {
  std::string symbol;
  std::unique_ptr<llvm::MemoryBuffer> object;
};

}  // namespace

std::vector<KernelFn> Jit::kernels(const std::vector<KernelRequest>& requests, int threads) {
  std::vector<Compiled> compiled(requests.size());
  // One request: from the cache, else built, optimized at O3 and compiled (then cached).
  auto compileOne = [&](size_t i) {
    const KernelRequest& r = requests[i];
    const std::string key = hexHash(std::string(kCodeVersion) + "\n" + kGeneratorSourceHash + "\n" + target_.key() + "\n" +
                                    r.name + "\n" + r.cacheKey);
    Compiled& c = compiled[i];
    c.symbol = r.name + "_" + key;
    const std::string path = cacheDir_.empty() ? "" : cacheDir_ + "/" + key + ".o";
    if (!path.empty()) {
      auto cached = llvm::MemoryBuffer::getFile(path);
      if (cached) {
        c.object = std::move(*cached);
        std::lock_guard<std::mutex> lock(impl_->statsMutex);
        ++stats_.fromCache;
        return;
      }
    }
    std::unique_ptr<llvm::TargetMachine> tm = impl_->targetMachine(target_);
    llvm::LLVMContext ctx;
    llvm::Module m(c.symbol, ctx);
    m.setTargetTriple(tm->getTargetTriple().str());
    m.setDataLayout(tm->createDataLayout());
    r.build(m, c.symbol);
    std::string verifyErrors;
    llvm::raw_string_ostream vs(verifyErrors);
    if (llvm::verifyModule(m, &vs)) throw Error("internal error: invalid LLVM IR for " + c.symbol + ": " + vs.str());

    llvm::LoopAnalysisManager lam;
    llvm::FunctionAnalysisManager fam;
    llvm::CGSCCAnalysisManager cgam;
    llvm::ModuleAnalysisManager mam;
    llvm::PassBuilder pb(tm.get());
    pb.registerModuleAnalyses(mam);
    pb.registerCGSCCAnalyses(cgam);
    pb.registerFunctionAnalyses(fam);
    pb.registerLoopAnalyses(lam);
    pb.crossRegisterProxies(lam, fam, cgam, mam);
    pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O3).run(m, mam);

    llvm::SmallVector<char, 0> buffer;
    llvm::raw_svector_ostream os(buffer);
    llvm::legacy::PassManager pm;
    if (tm->addPassesToEmitFile(pm, os, nullptr, llvm::CodeGenFileType::ObjectFile))
      throw Error("LLVM: the target cannot emit object files");
    pm.run(m);
    if (!path.empty()) {  // write then rename, so a concurrent reader never sees half a file
      std::ostringstream tmp;
      tmp << path << ".tmp" << getpid() << "." << std::this_thread::get_id();
      std::ofstream(tmp.str(), std::ios::binary).write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      std::error_code ec;
      std::filesystem::rename(tmp.str(), path, ec);
    }
    c.object = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(buffer.data(), buffer.size()), c.symbol);
    std::lock_guard<std::mutex> lock(impl_->statsMutex);
    ++stats_.compiled;
  };

  // Side by side: each thread takes the next request until none is left; the first error stops
  // the claiming and is rethrown after the join.
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(static_cast<size_t>(threads), requests.size()));
  std::atomic<size_t> next{0};
  std::exception_ptr failure;
  std::mutex failureMutex;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < requests.size();) {
      try {
        compileOne(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failureMutex);
        if (!failure) failure = std::current_exception();
        next = requests.size();
      }
    }
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& h : helpers) h.join();
  if (failure) std::rethrow_exception(failure);

  // Linked in order, on this thread.
  std::vector<KernelFn> fns;
  for (Compiled& c : compiled) {
    const uint64_t size = codeSize(*c.object);
    if (auto e = impl_->lljit->addObjectFile(std::move(c.object))) throw Error("LLVM JIT: " + message(std::move(e)));
    auto addr = impl_->lljit->lookup(c.symbol);
    if (!addr) throw Error("LLVM JIT: " + message(addr.takeError()));
    perfMap().add(addr->getValue(), size, c.symbol);
    fns.push_back(addr->toPtr<KernelFn>());
  }
  return fns;
}

}  // namespace q3c::llvmgen
