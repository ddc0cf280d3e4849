/*===- concurrent_sessions.c - two sessions on one model, two threads ------===*
 *
 *   concurrent_sessions NAME.r1
 *
 * Written in C against r1rt.h (the API is plain C). Runs two different
 * prompts with greedy decoding, first one after the other, then at the same
 * time on two threads sharing one r1rt_model; every logit must be identical.
 * Also checks that r1rt_reset makes a session start over, the memory unit's
 * state included (each round ends its call, which updates that state).
 * Prints "ok".
 *
 *===----------------------------------------------------------------------===*/

#include "r1rt.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kPrompt = 6, kSteps = 24 };

typedef struct {
  r1rt_model *model;
  int32_t first;
  float *logits; /* kSteps + 1 rows of vocab floats: the prompt's last */
  int failed;
} Job;

static int argmax(const float *v, int64_t n) {
  int best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (v[i] > v[best])
      best = (int)i;
  return best;
}

/* Prefill a prompt, then decode greedily, keeping each step's logits. */
static void *generate(void *arg) {
  Job *job = arg;
  int64_t vocab = r1rt_vocab_size(job->model);
  r1rt_session *session = r1rt_session_create(job->model);
  int32_t prompt[kPrompt];
  for (int i = 0; i < kPrompt; ++i)
    prompt[i] = (job->first + 7 * i) % (int32_t)vocab;
  for (int round = 0; round < 2; ++round) { /* the second after a reset */
    float *out = job->logits;
    float *first = round ? malloc(sizeof(float) * (size_t)vocab) : out;
    if (r1rt_prefill_last(session, prompt, kPrompt, first) != 0) {
      job->failed = 1;
      break;
    }
    if (round && memcmp(first, out, sizeof(float) * (size_t)vocab) != 0)
      job->failed = 2; /* reset did not start over */
    if (round)
      free(first);
    for (int s = 0; s < kSteps; ++s) {
      int32_t token = argmax(out, vocab);
      float *next = out + vocab;
      float *check = round ? malloc(sizeof(float) * (size_t)vocab) : next;
      if (r1rt_decode(session, token, check) != 0) {
        job->failed = 1;
        break;
      }
      if (round && memcmp(check, next, sizeof(float) * (size_t)vocab) != 0)
        job->failed = 2; /* reset did not start over */
      if (round)
        free(check);
      out = next;
    }
    r1rt_end_call(session); /* the memory unit takes this call's rows */
    r1rt_reset(session);
  }
  r1rt_session_destroy(session);
  return NULL;
}

int main(int argc, char **argv) {
  char error[512];
  if (argc != 2) {
    fprintf(stderr, "usage: concurrent_sessions NAME.r1\n");
    return 2;
  }
  r1rt_model *model = r1rt_open(argv[1], 0, error, sizeof error);
  if (!model) {
    fprintf(stderr, "%s\n", error);
    return 1;
  }
  size_t size = sizeof(float) * (size_t)r1rt_vocab_size(model) * (kSteps + 1);
  Job alone[2], together[2];
  for (int j = 0; j < 2; ++j) {
    alone[j] = (Job){model, 3 + 50 * j, malloc(size), 0};
    together[j] = (Job){model, 3 + 50 * j, malloc(size), 0};
    generate(&alone[j]);
  }
  pthread_t threads[2];
  for (int j = 0; j < 2; ++j)
    pthread_create(&threads[j], NULL, generate, &together[j]);
  for (int j = 0; j < 2; ++j)
    pthread_join(threads[j], NULL);
  for (int j = 0; j < 2; ++j) {
    if (alone[j].failed || together[j].failed) {
      fprintf(stderr, "session %d failed (%d, %d)\n", j, alone[j].failed,
              together[j].failed);
      return 1;
    }
    if (memcmp(alone[j].logits, together[j].logits, size) != 0) {
      fprintf(stderr, "session %d: concurrent logits differ\n", j);
      return 1;
    }
  }
  if (memcmp(alone[0].logits, alone[1].logits, size) == 0) {
    fprintf(stderr, "the two prompts gave the same logits\n");
    return 1;
  }
  printf("ok: 2 concurrent sessions match their sequential runs\n");
  for (int j = 0; j < 2; ++j) {
    free(alone[j].logits);
    free(together[j].logits);
  }
  r1rt_close(model);
  return 0;
}
