/*===- r1host.h - the compiled host program's interface -------------------===*
 *
 * r1c compiles a model's host program (codegen/host: MLIR → LLVM IR →
 * object code) into model.so beside the kernels. It is the model's
 * sequence of kernel calls, cache appends and branches (layer-skip gates,
 * MLA's naive-prefill form), with every buffer's halide_buffer_t built in
 * compiled code. The runtime owns the memory and performs the steps that
 * are not kernels (MoE routing and dispatch, LSH's bucket sort, the memory
 * unit, the encoders); program.txt lists those as its step records.
 *
 * Every field is 8 bytes, so the layout is the same in C and in the
 * LLVM struct codegen/host emits.
 *
 *===----------------------------------------------------------------------===*/

#ifndef R1HOST_H
#define R1HOST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

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
  /* Kernel `kernel` (program.txt's kernel records) on `argv`: one
   * halide_buffer_t pointer per argument, inputs then output. */
  int32_t (*call)(void *session, int64_t kernel, void **argv);
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

#define R1_HOST_VERSION 1

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
