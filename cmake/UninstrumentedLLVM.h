/*===- UninstrumentedLLVM.h - ASan builds against Debian's libLLVM ---------===*
 *
 * Force-included (-include) by the sanitizer builds. LLVM's headers poison
 * the free part of a BumpPtrAllocator slab when the including code is built
 * with ASan, and unpoison each allocation. Debian's libLLVM and libMLIR are
 * not instrumented: allocations their code makes from a slab our code
 * poisoned stay poisoned, and our reads of them (a uniqued attribute's
 * storage, say) are false use-after-poison reports. Declaring ASan's
 * interface first and then making the poisoning a no-op keeps every other
 * check: LLVM's headers only ever poison through this one function.
 *
 *===----------------------------------------------------------------------===*/

#ifndef R1_CMAKE_UNINSTRUMENTEDLLVM_H
#define R1_CMAKE_UNINSTRUMENTEDLLVM_H

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define R1_ASAN_BUILD 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define R1_ASAN_BUILD 1
#endif

#ifdef R1_ASAN_BUILD
#include <sanitizer/asan_interface.h>
#define __asan_poison_memory_region(addr, size) ((void)(addr), (void)(size))
#endif

#endif /* R1_CMAKE_UNINSTRUMENTEDLLVM_H */
