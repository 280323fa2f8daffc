#!/usr/bin/env python3
"""A batch of submissions that differ: the batch of docs/scale.md ("Speed") and
docs/performance.md ("Grading submissions that differ").

3,000 submissions, the test submissions (tests/grade/submissions) in turn, each under its own
header line; in every one that has the product rule's step `= 2*x*exp(x) + x^2*exp(x)` (1,875 of
the 3,000), that `2` becomes a constant of its own (k = i + 3), so those files are like no other
and the memo of whole files finds nothing, while their other derivations recur. Writes the batch,
then grades it with each binary given (interleaved, three runs each, `--format csv --jobs 2`) and
prints the wall and CPU time of each run (the process's own, from wait4) and whether the outputs
of the binaries are the same bytes.

With --several, every derivation a submission has of four is changed so, each with constants of
its own: the product rule's `2` as above, and a factor put in front of the last step of "squared
error" (`k*2*x*(w*x + b - y)`), of "forget gate" and of the first step of "logistic", so that a
file differs from every other in up to four derivations and each of those has a wrong step whose
repair is searched.

    python3 bench/grade_distinct.py [--dir DIR] [--runs 3] [--several] [BINARY ...]   (default: target/release/gradproof)
"""

import argparse
import os
import pathlib
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


# (--several) The steps changed, each made wrong by a constant of the submission's own.
SEVERAL = [
    ("= 2*x*exp(x) + x^2*exp(x)", "= {k}*x*exp(x) + x^2*exp(x)"),
    ("= 2*x*(w*x + b - y)", "= {k}*2*x*(w*x + b - y)"),
    ("= f_phi'(net_phi[t]) * sum(c, zeta[c,t] * s[c,t-1])", "= {k}*f_phi'(net_phi[t]) * sum(c, zeta[c,t] * s[c,t-1])"),
    ("= exp(-x) / (1 + exp(-x))^2", "= {k}*exp(-x) / (1 + exp(-x))^2"),
]


def write_batch(out: pathlib.Path, n: int = 3000, several: bool = False) -> int:
    bases = sorted(p.read_text() for p in (ROOT / "tests/grade/submissions").glob("*.deriv"))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.deriv"):
        old.unlink()
    unique = 0
    for i in range(n):
        text = f"# student {i:04}\n" + bases[i % len(bases)]
        if several:
            changed = text
            for j, (step, wrong) in enumerate(SEVERAL):
                changed = changed.replace(step, wrong.format(k=i + 3 + j * n), 1)
        else:
            changed = text.replace("= 2*x*exp(x) + x^2*exp(x)", f"= {i + 3}*x*exp(x) + x^2*exp(x)", 1)
        unique += changed != text
        (out / f"s{i:04}.deriv").write_text(changed)
    return unique


def grade(binary: str, batch: pathlib.Path) -> tuple[float, float, bytes]:
    args = [binary, "grade", str(batch), "--reference", str(ROOT / "tests/grade/reference.deriv"),
            "--format", "csv", "--jobs", "2"]
    start = time.monotonic()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{binary} exited with {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/gradproof-distinct-batch")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--several", action="store_true", help="change up to four derivations of each file")
    parser.add_argument("binaries", nargs="*", default=[str(ROOT / "target/release/gradproof")])
    a = parser.parse_args()
    batch = pathlib.Path(a.dir)
    unique = write_batch(batch, several=a.several)
    print(f"{batch}: 3000 submissions, {unique} with a constant of their own")
    outputs = {}
    for run in range(a.runs):
        for b in a.binaries:
            wall, cpu, out = grade(b, batch)
            outputs.setdefault(b, out)
            print(f"run {run + 1}  {b}: {wall:.2f} s wall, {cpu:.2f} s CPU")
    same = len(set(outputs.values())) == 1
    print("the outputs are the same bytes" if same else "the outputs DIFFER")


if __name__ == "__main__":
    main()
