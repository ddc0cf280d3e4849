/*===- stress_sessions.c - many sessions, threads and saved states ---------===*
 *
 *   stress_sessions NAME.r1 DIR [THREADS [ROUNDS [KERNEL_THREADS]]]
 *
 * Written in C against r1rt.h. THREADS jobs (default 16) share one
 * r1rt_model; each runs ROUNDS calls (default 4) of its own prompt with 8
 * greedy decode steps, the memory unit carrying over from call to call
 * (r1rt_end_call, then r1rt_forget_tokens). Run on THREADS threads at once,
 * every job also moves to a new session through a state file in DIR, in the
 * middle of a call and between calls, and tries a truncated state file
 * (which must fail and change nothing). Every logit must equal, bit for
 * bit, the same job run alone on one thread with neither. The work is a
 * fixed number of calls, never a time. Prints "ok".
 *
 * KERNEL_THREADS sets r1rt_set_threads (default: all cores). 1 keeps
 * Halide's thread pool out of a ThreadSanitizer run: model.so is not
 * instrumented, so TSan cannot see how the pool hands work between its
 * threads and reports every hand-off as a race.
 *
 *===----------------------------------------------------------------------===*/

#include "r1rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kSteps = 8, kSaveAtStep = 3 };

typedef struct {
  r1rt_model *model;
  const char *dir;
  int index, rounds;
  int saveStates; /* move through state files on the way */
  float *logits;  /* rounds × (kSteps + 1) rows of vocab floats */
  char error[512];
} Job;

static int argmax(const float *v, int64_t n) {
  int best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best])
      best = (int)i;
  return best;
}

static int failed(Job *job, r1rt_session *session, const char *what) {
  snprintf(job->error, sizeof job->error, "job %d: %s: %s", job->index, what,
           session ? r1rt_session_error(session) : "");
  return 0;
}

/* Saves `*session` to the job's state file and continues in a new session
 * loaded from it (the old one destroyed); first a truncated copy of the
 * file must fail to load and leave the new session as it was. */
static int moveSession(Job *job, r1rt_session **session) {
  char path[1024], truncated[1100];
  snprintf(path, sizeof path, "%s/stress-%d.state", job->dir, job->index);
  snprintf(truncated, sizeof truncated, "%s.truncated", path);
  if (r1rt_save_state(*session, path) != 0)
    return failed(job, *session, "save");
  FILE *in = fopen(path, "rb"), *out = fopen(truncated, "wb");
  if (!in || !out)
    return failed(job, NULL, "cannot copy the state file");
  char buffer[4096];
  size_t got = fread(buffer, 1, sizeof buffer, in); /* a prefix only */
  fwrite(buffer, 1, got / 2, out);
  fclose(in);
  fclose(out);
  r1rt_session *fresh = r1rt_session_create(job->model);
  if (r1rt_load_state(fresh, truncated) == 0)
    return failed(job, fresh, "a truncated state loaded");
  if (r1rt_position(fresh) != 0)
    return failed(job, fresh, "a failed load changed the session");
  if (r1rt_load_state(fresh, path) != 0)
    return failed(job, fresh, "load");
  if (r1rt_position(fresh) != r1rt_position(*session))
    return failed(job, fresh, "the loaded position differs");
  r1rt_session_destroy(*session);
  *session = fresh;
  return 1;
}

static int runJob(Job *job) {
  int64_t vocab = r1rt_vocab_size(job->model);
  size_t row = (size_t)vocab;
  int32_t prompt[8];
  int length = 3 + job->index % 5;
  for (int i = 0; i < length; ++i)
    prompt[i] = (int32_t)((3 + 37 * job->index + 7 * i) % vocab);
  r1rt_session *session = r1rt_session_create(job->model);
  int ok = 1;
  for (int round = 0; ok && round < job->rounds; ++round) {
    float *out = job->logits + (size_t)round * (kSteps + 1) * row;
    if (r1rt_prefill_last(session, prompt, (size_t)length, out) != 0) {
      ok = failed(job, session, "prefill");
      break;
    }
    for (int s = 0; ok && s < kSteps; ++s) {
      /* Mid-call: the call's recorded memory rows travel in the state. */
      if (job->saveStates && s == kSaveAtStep && (job->index + round) % 2 == 0)
        ok = moveSession(job, &session);
      if (ok && r1rt_decode(session, argmax(out, vocab), out + row) != 0)
        ok = failed(job, session, "decode");
      out += row;
    }
    r1rt_end_call(session); /* the memory unit takes the call's rows */
    /* Between calls: the updated memory travels. */
    if (ok && job->saveStates && (job->index + round) % 2 == 1)
      ok = moveSession(job, &session);
    r1rt_forget_tokens(session);
  }
  r1rt_session_destroy(session);
  return ok;
}

static void *runJobThread(void *arg) {
  runJob(arg);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3 || argc > 6) {
    fprintf(stderr, "usage: stress_sessions NAME.r1 DIR [THREADS [ROUNDS "
                    "[KERNEL_THREADS]]]\n");
    return 2;
  }
  int threads = argc > 3 ? atoi(argv[3]) : 16;
  int rounds = argc > 4 ? atoi(argv[4]) : 4;
  int kernelThreads = argc > 5 ? atoi(argv[5]) : 0;
  if (threads < 2 || threads > 256 || rounds < 1 || rounds > 100 ||
      kernelThreads < 0 || kernelThreads > 4096) {
    fprintf(stderr, "THREADS is 2..256, ROUNDS 1..100, KERNEL_THREADS "
                    "0..4096\n");
    return 2;
  }
  char error[512];
  r1rt_model *model = r1rt_open(argv[1], 0, error, sizeof error);
  if (!model) {
    fprintf(stderr, "%s\n", error);
    return 1;
  }
  if (kernelThreads)
    r1rt_set_threads(model, kernelThreads);
  size_t bytes = sizeof(float) * (size_t)r1rt_vocab_size(model) * (kSteps + 1) *
                 (size_t)rounds;
  Job *alone = calloc((size_t)threads, sizeof(Job));
  Job *together = calloc((size_t)threads, sizeof(Job));
  pthread_t *ids = calloc((size_t)threads, sizeof(pthread_t));
  int status = 0;
  /* The references: one job at a time, no state files. */
  for (int j = 0; j < threads; ++j) {
    alone[j] = (Job){model, argv[2], j, rounds, 0, malloc(bytes), ""};
    together[j] = (Job){model, argv[2], j, rounds, 1, malloc(bytes), ""};
    if (!runJob(&alone[j])) {
      fprintf(stderr, "%s\n", alone[j].error);
      return 1;
    }
  }
  for (int j = 0; j < threads; ++j)
    if (pthread_create(&ids[j], NULL, runJobThread, &together[j]) != 0) {
      fprintf(stderr, "cannot start thread %d\n", j);
      return 1;
    }
  for (int j = 0; j < threads; ++j)
    pthread_join(ids[j], NULL);
  for (int j = 0; j < threads; ++j) {
    if (together[j].error[0]) {
      fprintf(stderr, "%s\n", together[j].error);
      status = 1;
    } else if (memcmp(alone[j].logits, together[j].logits, bytes) != 0) {
      fprintf(stderr,
              "job %d: its logits on %d threads with saved states "
              "differ from its run alone\n",
              j, threads);
      status = 1;
    }
  }
  /* Different prompts give different logits: the comparisons can fail. */
  if (memcmp(alone[0].logits, alone[1].logits, bytes) == 0) {
    fprintf(stderr, "jobs 0 and 1 gave the same logits\n");
    status = 1;
  }
  if (status == 0)
    printf("ok: %d sessions on %d threads, %d calls each with state moves, "
           "match their runs alone\n",
           threads, threads, rounds);
  for (int j = 0; j < threads; ++j) {
    free(alone[j].logits);
    free(together[j].logits);
  }
  free(alone);
  free(together);
  free(ids);
  r1rt_close(model);
  return status;
}
