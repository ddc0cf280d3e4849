/*===- r1rt.h - the r1c runtime's C API -----------------------------------===*
 *
 * Loads an artifact folder written by `r1c MODEL -o NAME.r1` and runs it.
 * A model is read-only once open and may be shared by any number of
 * sessions; each session owns its KV cache, position and memory-unit state
 * and is used by one thread at a time. There is no global state: two sessions on one model run
 * concurrently.
 *
 *===----------------------------------------------------------------------===*/

#ifndef R1RT_H
#define R1RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct r1rt_model r1rt_model;
typedef struct r1rt_session r1rt_session;

/* r1rt_open flags. */
enum {
  /* Check file sizes only, not digests (faster open of a trusted model). */
  R1RT_OPEN_SKIP_CHECKSUMS = 1u
};

/* Opens the artifact folder `dir`: checks the program, the files' sizes and
 * digests (runtime/Digest.h; hashed on every core), and that this CPU has
 * the features the kernels were built for.
 * Returns NULL on failure with a one-line message in `error` (if not NULL,
 * `error_size` bytes, always NUL-terminated). */
r1rt_model *r1rt_open(const char *dir, unsigned flags, char *error,
                      size_t error_size);
/* Opens the model `r1c --emit=exe` linked into this executable, as
 * r1rt_open opens a folder (weights.bin's size and digest are checked; the
 * kernels and host program are the executable's own code). First it checks
 * that the executable's file holds all it loads ("executable is truncated:
 * ..." for a cut copy, whose embedded files would fault when read). NULL
 * with an error when the executable has no model or that check fails. */
r1rt_model *r1rt_open_embedded(unsigned flags, char *error, size_t error_size);
/* Whether r1c --emit=exe linked a model into this executable (which
 * r1rt_open_embedded may still refuse, e.g. a truncated copy). */
int r1rt_has_embedded_model(void);
/* The bytes of the file `name` (e.g. "tokenizer.json") embedded in this
 * executable beside its model, with their count in `size`; NULL (and 0)
 * when there is none, or when the executable is truncated. */
const char *r1rt_embedded_file(const char *name, size_t *size);
void r1rt_close(r1rt_model *model);

int64_t r1rt_vocab_size(const r1rt_model *model);
/* Labels of the model's classification head; 0 when it has none. */
int64_t r1rt_num_labels(const r1rt_model *model);
/* The target the model was compiled for, e.g. "host" or "x86-64-avx2". */
const char *r1rt_target(const r1rt_model *model);
/* Threads the kernels use (default: all cores). Affects every session. */
void r1rt_set_threads(r1rt_model *model, int threads);

r1rt_session *r1rt_session_create(r1rt_model *model);
void r1rt_session_destroy(r1rt_session *session);

/* Runs `n` tokens at the session's next positions, appending them to its
 * cache. With `logits` (n × vocab floats) it receives every position's
 * logits; with NULL, nothing. Returns 0, or -1 with r1rt_session_error set
 * (the session is then unchanged). */
int r1rt_prefill(r1rt_session *session, const int32_t *tokens, size_t n,
                 float *logits);
/* As r1rt_prefill, but only the last token's logits (vocab floats) are
 * computed: the final norm and the output head run on one row. */
int r1rt_prefill_last(r1rt_session *session, const int32_t *tokens, size_t n,
                      float *logits);
/* Classifies `tokens` as one call on a session with no tokens yet: the
 * label logits (r1rt_num_labels floats) from the pooled final hidden state.
 * Ends the call (the memory unit takes in its rows) and forgets the tokens. */
int r1rt_classify(r1rt_session *session, const int32_t *tokens, size_t n,
                  float *label_logits);
/* One token: r1rt_prefill with n = 1. */
int r1rt_decode(r1rt_session *session, int32_t token, float *logits);
/* Tokens the session has seen (its next position). */
int64_t r1rt_position(const r1rt_session *session);
/* The most tokens a session of the model may hold: the checkpoint's
 * max_position_embeddings. A call that would pass a session's context fails
 * (the session unchanged); its KV cache never grows past it. */
int64_t r1rt_context_length(const r1rt_model *model);
/* The session's context: r1rt_context_length unless set smaller. */
int64_t r1rt_session_context(const r1rt_session *session);
/* Sets the session's context to `tokens`, in [1, r1rt_context_length] and
 * at least the tokens it holds. Returns 0, or -1 with r1rt_session_error. */
int r1rt_session_set_context(r1rt_session *session, int64_t tokens);
/* Sets an encoder input of the r1 extension for the following calls:
 * "image" of shape [channels, height, width] (the model's, row-major) or
 * "audio" of shape [samples] (at least one frame). Returns 0, or -1 with
 * r1rt_session_error set (unknown name, a model without that encoder,
 * another shape, a NaN or infinite value). */
int r1rt_set_input(r1rt_session *session, const char *name, const float *data,
                   const int64_t *shape, size_t rank);
/* Ends a call (e.g. one generation: prefill and its decode steps): the
 * memory unit's state, which every step of the call read as it was at the
 * call's start, takes in the rows the call processed. Models without a
 * memory unit have nothing to do. A model compiled without attention
 * fusion recomputes every token on each call, so tokens kept past this
 * (no r1rt_forget_tokens) are then read with the new state. */
void r1rt_end_call(r1rt_session *session);
/* Saved state. A session's state is what it carries from one call to the
 * next: its KV caches' filled rows, its position and context
 * (r1rt_session_set_context), the memory unit's state and the rows the open
 * call has recorded for it, a replayed program's tokens, and its encoder
 * inputs (r1rt_set_input). A state may be saved between any two calls on
 * the session, never while one runs (a session is used by one thread at a
 * time). Saved after r1rt_end_call, it holds no open call. Saved in the
 * middle of one (after r1rt_prefill, before r1rt_end_call), it holds that
 * call's recorded rows: the session it is loaded into continues the call,
 * and its further steps and its r1rt_end_call give exactly (bit for bit)
 * what the saved session's would have. The file format is described in
 * runtime/SessionState.h. */

/* Writes the session's state to the file `path`, atomically: into a new
 * temporary file beside it, flushed to disk and renamed over `path`, so
 * `path` holds the old file or the new one, whole, whenever the process
 * dies. The file has mode 0600. The session is unchanged. Returns 0, or -1
 * with r1rt_session_error set (`path` is then as it was). */
int r1rt_save_state(r1rt_session *session, const char *path);
/* Replaces the session's state by the one saved in `path`, which must come
 * from a session of this model: the same program.txt, and so the same
 * weights.bin and model.so (another model's or another artifact version's
 * state is refused). Every size and count is checked against the model
 * before anything is allocated. Returns 0, or -1 with r1rt_session_error
 * set (one line naming the file) and the session unchanged. */
int r1rt_load_state(r1rt_session *session, const char *path);
/* Forgets every token (empties the cache); the memory state stays. */
void r1rt_forget_tokens(r1rt_session *session);
/* Forgets every token and puts the memory state back to the checkpoint's. */
void r1rt_reset(r1rt_session *session);
const char *r1rt_session_error(const r1rt_session *session);

#ifdef __cplusplus
}
#endif

#endif /* R1RT_H */
