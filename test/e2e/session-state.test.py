"""Drives r1-run for session-state.test.

    session-state.test.py resume R1RUN ARTIFACT WORK [R1-RUN FLAGS...]
        An uninterrupted run (prompt, then -n greedy steps, every logit
        dumped) against runs that stop, save the state, and continue from it
        in a fresh r1-run process: after the prompt's prefill, and after 3
        generated tokens. The continued logits must equal the uninterrupted
        run's bit for bit. FLAGS (e.g. --image/--audio) go to the runs that
        start from scratch; the continuing run gets them from the state.

    session-state.test.py kill R1RUN ARTIFACT WORK ITERATIONS
        r1-run writes a state over an older one and is killed with SIGKILL
        at a random moment of its run, ITERATIONS times: the file must always
        be the old state or the new one, byte for byte, and load.
"""
import os
import random
import shutil
import subprocess
import sys
import time

import numpy as np

PROMPT = [5, 9, 17, 33, 2, 8, 101, 64, 3, 77, 12, 40]
STEPS = 12


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result.stdout.split()


def ids(tokens):
    return ",".join(str(t) for t in tokens)


def identical(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def resume(r1run, artifact, work, flags):
    full = os.path.join(work, "full.npy")
    generated = run([r1run, artifact, "--tokens", ids(PROMPT), "-n", str(STEPS),
                     "--dump-logits", full] + flags)
    want = np.load(full)
    assert want.shape[0] == len(PROMPT) + STEPS, want.shape
    for done in (0, 3):
        state = os.path.join(work, f"after{done}.state")
        cont = os.path.join(work, f"after{done}.npy")
        # Stop after the prompt and `done` generated tokens (each run).
        printed = run([r1run, artifact, "--tokens", ids(PROMPT), "-n", str(done),
                       "--save-state", state] + flags)
        if printed != generated[:done]:
            sys.exit(f"FAILED: the first {done} tokens {printed}, "
                     f"uninterrupted {generated[:done]}")
        # A fresh process continues with the next token the uninterrupted
        # run took (its decode step is a one-token call either way).
        rest = run([r1run, artifact, "--load-state", state, "--tokens",
                    str(generated[done]), "-n", str(STEPS - done - 1),
                    "--dump-logits", cont])
        if rest != generated[done + 1:]:
            sys.exit(f"FAILED: continued with {rest}, uninterrupted "
                     f"{generated[done + 1:]}")
        got = np.load(cont)
        tail = want[len(PROMPT) + done:]
        if not identical(got, tail):
            diff = np.abs(got - tail).max() if got.shape == tail.shape else None
            sys.exit(f"FAILED: after a state saved at {len(PROMPT) + done} "
                     f"tokens the logits differ (max {diff})")
        print(f"ok: saved at {len(PROMPT) + done} tokens, "
              f"{got.shape[0]} positions bit-identical")


def kill(r1run, artifact, work, iterations):
    state = os.path.join(work, "killed.state")
    old, new = os.path.join(work, "old.state"), os.path.join(work, "new.state")
    long_prompt = [(7 * i + 3) % 200 for i in range(500)]
    run([r1run, artifact, "--tokens", ids(long_prompt[:499]), "-n", "0",
         "--save-state", old])
    begin = time.monotonic()
    run([r1run, artifact, "--tokens", ids(long_prompt), "-n", "0",
         "--save-state", new])
    seconds = time.monotonic() - begin
    old_bytes, new_bytes = (open(p, "rb").read() for p in (old, new))
    assert old_bytes != new_bytes
    rng = random.Random(1)
    outcomes = {"old": 0, "new": 0}
    for _ in range(iterations):
        shutil.copyfile(old, state + ".copy")
        os.replace(state + ".copy", state)
        writer = subprocess.Popen(
            [r1run, artifact, "--tokens", ids(long_prompt), "-n", "0",
             "--save-state", state],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0, 1.2 * seconds))
        writer.kill()
        writer.wait()
        now = open(state, "rb").read()
        if now == old_bytes:
            outcomes["old"] += 1
        elif now == new_bytes:
            outcomes["new"] += 1
        else:
            sys.exit(f"FAILED: a killed writer left {len(now)} bytes that are "
                     "neither the old state nor the new one")
    # What is there loads. A writer killed between creating its temporary
    # file and the rename leaves that file behind (never read).
    run([r1run, artifact, "--load-state", state, "--tokens", "1", "-n", "1"])
    midway = sum(name.startswith(".killed.state.tmp-")
                 for name in os.listdir(work))
    print(f"ok: {iterations} writers killed, the state always whole "
          f"(old {outcomes['old']}, new {outcomes['new']}; {midway} killed "
          "while writing)")


def main():
    mode, r1run, artifact, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    if mode == "resume":
        resume(r1run, artifact, work, sys.argv[5:])
    elif mode == "kill":
        kill(r1run, artifact, work, int(sys.argv[5]))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
