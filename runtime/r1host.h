/*===- r1host.h - the compiled host program's interface -------------------===*
 *
 * r1c compiles a model's host program (codegen/host: MLIR → LLVM IR →
 * object code) into model.so beside the kernels. It is the model's
 * sequence of kernel calls, cache appends and branches (layer-skip gates,
 * MLA's naive-prefill form); it describes each call's buffers as
 * r1_host_args, and the runtime makes them the kernel's halide_buffer_ts
 * (one filler for its own calls and the host program's). The runtime owns
 * the memory and performs the steps that are not kernels (MoE routing and
 * dispatch, LSH's bucket sort, the memory unit, the encoders); program.txt
 * lists those as its step records.
 *
 * Every field is 8 bytes, so the layouts are the same in C and in the
 * LLVM structs codegen/host emits.
 *
 *===----------------------------------------------------------------------===*/

#ifndef R1HOST_H
#define R1HOST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A kernel argument: a dense buffer, dims innermost first (the stride of
 * each dim is the product of the extents inside it). */
typedef struct r1_host_arg {
  void *host;         /* the first element */
  int64_t type_code;  /* halide_type_code_t: 0 int, 1 uint, 2 float */
  int64_t type_bits;  /* 32, or 16 for a bf16 weight's raw bits */
  int64_t dimensions; /* 0 to 4: how many of `extent` are dims */
  int64_t extent[4];
} r1_host_arg;

/* The most arguments a kernel call takes. */
#define R1_HOST_MAX_ARGS 8

/* One call of the host program: what the runtime hands it. */
typedef struct r1_host_frame {
  void *session;                /* passed back to the callbacks */
  uint8_t *const *slots;        /* slot i's buffer (program.txt's slots) */
  uint8_t *const *caches;       /* cache i's buffer, room for position+rows */
  const uint8_t *weights;       /* weights.bin, mapped */
  int64_t rows;                 /* the call's tokens (> 0) */
  int64_t position;             /* the first token's position */
  int64_t context_rows;         /* rows of the encoder context */
  int64_t last_only;            /* nonzero: the row-wise tail on the last row */
  /* Kernel `kernel` (program.txt's kernel records) on the `count` (at most
   * R1_HOST_MAX_ARGS) arguments `args`, inputs then output. */
  int32_t (*call)(void *session, int64_t kernel, const r1_host_arg *args,
                  int64_t count);
  /* Runtime step `step` (program.txt's step records, counted from 0). */
  int32_t (*step)(void *session, int64_t step);
  /* A layer-skip branch ran (ran = 1) or skipped (0) its layer. */
  void (*branch)(void *session, int64_t ran);
} r1_host_frame;

/* The host program: 0, or the first nonzero status a callback returned. */
int32_t r1_host_run(const r1_host_frame *frame);

/* What the compiled program assumes of program.txt, which the runtime
 * checks before the first call:
 *   "r1-host VERSION slots W[i][c|s|x],... caches W[i],...
 *    weights OFFSET+BYTES[b],... kernels K steps S"
 * (slot and cache widths, "i" for i32 elements, "c" for an encoder-context
 * slot, "s" for a square one, "x" for a cross one; weight ranges in
 * weights.bin, "b" for bf16 elements; kernel and runtime-step counts; an
 * empty list is "-"). */
extern const char r1_host_layout[];

/* 2: kernel arguments are r1_host_args, no longer halide_buffer_ts. */
#define R1_HOST_VERSION 2

/* A file of the artifact that r1c --emit=exe embedded in the executable
 * (program.txt, weights.bin, tokenizer.json). The executable defines
 * r1_embedded_files, ended by an entry whose name is NULL. */
typedef struct r1_embedded_file {
  const char *name;
  const uint8_t *data;
  uint64_t bytes;
} r1_embedded_file;

#ifdef __cplusplus
}
#endif

#endif /* R1HOST_H */
