#!/usr/bin/env python3
"""Bad and adversarial inputs through the release binary: the table of docs/reliability.md.

    cargo build --release && python3 bench/adversarial.py [--mutants N] > table.md

Every input is generated here from a fixed seed, written to a temporary directory and checked with
`gradproof check` under a 10 s timeout and /usr/bin/time (wall time, peak memory). Prints a
Markdown table (input, exit status, time, peak memory, what the report says), then one row per
family of mutated corpus files (truncations, insertions, deletions, random bytes), and exits 1 if
any input did not exit with 0, 1 or 2 within 10 s or printed a panic.
"""
import argparse
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target/release/gradproof"
LIMIT_S = 10


def nested_functions(depth, goal):
    lines = ["var x", "let f0(u) = u*u + 1"]
    lines += [f"let f{k}(u) = f{k - 1}(u) * f{k - 1}(u)" for k in range(1, depth + 1)]
    return "\n".join(lines) + f"\nderive {goal}\n  = 0\n"


def cases():
    """(name, bytes[, arguments]) of every hand-written adversarial input."""
    rng = random.Random(7)
    one_mb = 1 << 20
    yield "empty file", b""
    yield "only a comment", b"#"
    yield "`derive` alone", b"derive"
    yield "a step alone", b"= 1"
    yield "NUL bytes", b"var x\x00\nderive x\x00\n  = x\n"
    yield "invalid UTF-8", b"var x\n\xc3\x28\nderive x\n  = x\n"
    yield "byte-order mark and CRLF", "\ufeffvar x\r\nderive x\r\n  = x\r\n".encode()
    yield "100 kB of random bytes", bytes(rng.randrange(256) for _ in range(100_000))
    yield "100 kB of random ASCII", "".join(rng.choice("var derive=+-*/^()[],x1 \n") for _ in range(100_000)).encode()
    yield "file of 1 MiB + 1 byte", b"#" * (one_mb + 1)
    yield "1 MiB of comments", (b"# " + b"x" * 98 + b"\n") * (one_mb // 101)
    yield "line of 30,000 bytes", ("var x\nderive x" + " + x" * 7500 + "\n  = x\n").encode()
    yield "5,000 nested brackets", ("var x\nderive " + "(" * 5000 + "x" + ")" * 5000 + "\n  = x\n").encode()
    yield "199 nested brackets", ("var x\nderive " + "(" * 199 + "x" + ")" * 199 + "\n  = x\n").encode()
    yield "199 nested `exp(`", ("var x\nderive " + "exp(" * 199 + "x" + ")" * 199 + "\n  = x\n").encode()
    yield "100 nested `diff`", ("var x\nderive " + "diff(" * 100 + "x" + ", x)" * 100 + "\n  = 0\n").encode()
    yield "3,000 unary minus", ("var x\nderive " + "- " * 3000 + "x\n  = x\n").encode()
    yield "unclosed bracket", b"var x\nderive (x + 1\n  = x + 1\n"
    yield "cyclic definitions", b"var x\nlet a = b\nlet b = c\nlet c = a\nderive a\n  = a\n"
    yield "recursive function", b"var x\nlet f(u) = f(u) + 1\nderive f(x)\n  = x\n"
    yield "`1e999999`", b"derive 1e999999\n  = 1\n"
    yield "19,000-digit integer", ("derive " + "9" * 19_000 + "\n  = 1\n").encode()
    yield "`10^10^10`", b"var x\nderive 10^10^10\n  = 1\n"
    yield "`2^(2^64)`", b"derive 2^(2^64)\n  = 2^(2^64)\n"
    yield "`(1+x)^1000000`", b"var x\nderive (1+x)^1000000\n  = (x+1)^1000000\n"
    yield "`x^(2^(2^64))`", b"var x > 0\nderive x^(2^(2^64))\n  = x^(2^(2^64))\n"
    yield "`3^100000` exactly", b"derive 3^100000\n  = 3^100000\n"
    yield "`1e400 ≈ 1e400`", "derive 1e400\n  ≈ 1e400\n".encode()
    yield "`prod(i in 1..100000, i)`", b"derive prod(i in 1..100000, i)\n  = 1\n"
    yield "`sum(i in 1..100000, 1/i)`", b"derive sum(i in 1..100000, 1/i)\n  = 1\n"
    yield "range `1..10^12`", b"index i in 1..10^12\nvar a[i]\n"
    yield "range `1..1000000000000`", b"index i in 1..1000000000000\nvar a[i]\n"
    yield "sum of 10^10 terms", b"var x\nderive sum(i in 1..100000, sum(j in 1..100000, x))\n  = x\n"
    yield "unknown node over 10^10 entries", (
        b"index i in 1..100000, j in 1..100000\nvar W[i,j]\nunknown E depends on W[i,j]\n"
        b"derive diff(E, W[1,1])\n  = diff(E, W[1,2])\n")
    yield "`assume` over 100,000 entries", (
        b"index k in 1..100000\nvar y[k] > 0\nassume sum(k, y[k]) = 1\nderive sum(k, y[k]*y[k])\n  = 1\n")
    yield "functions nested 40 deep (2^40 once inlined)", nested_functions(40, "diff(f40(x), x)").encode()
    yield "functions nested 13 deep (50,000 once inlined)", nested_functions(13, "diff(f13(x), x)").encode()
    nodes = ["var x", "let n0 = x + 1"] + [f"let n{k} = n{k - 1} * n{k - 1} + 1" for k in range(1, 60)]
    yield "60 nodes each squaring the last", ("\n".join(nodes) + "\nderive diff(n59, x)\n  = 0\n").encode()
    yield "`(a+…+h+1)^12`", b"var a,b,c,d,e,f,g,h\nderive (a+b+c+d+e+f+g+h+1)^12\n  = 1\n"
    yield "`exp` nested 5 deep", b"var x\nderive exp(exp(exp(exp(exp(x)))))\n  = 1\n"
    yield "90,000 declarations (1 MiB)", "".join(f"var a{i}\n" for i in range(90_000)).encode()[:one_mb]
    chain = "var x\nlet y0 = x\n" + "".join(f"let y{i + 1} = y{i} + x\n" for i in range(60_000))
    yield "60,000 chained definitions", chain.encode()[:one_mb - 100].rsplit(b"\n", 1)[0] + b"\n"
    derivs = "var x\n" + "".join(f"derive x + {i}\n  = {i} + x\n" for i in range(60_000))
    yield "40,000 derivations (1 MiB)", derivs.encode()[:one_mb - 100].rsplit(b"derive", 1)[0]
    yield "40,000 steps in one derivation", b"var x\nderive x\n" + b"  = x\n" * 40_000
    errors = "var x\n" + "".join(f"derive 2x\n  = zz{i}\n" for i in range(60_000))
    yield "60,000 errors (1 MiB)", errors.encode()[:one_mb - 100].rsplit(b"derive", 1)[0]
    for base in ["x", "2"]:
        e = base
        for _ in range(16):
            e = f"({e})^24"
        yield f"`(({base}^24)^24)…^24`, 16 deep", f"var x\nderive {e}\n  = {e}\n".encode()
    yield "`delta(i + 9223372036854775807, i)`", (
        b"index i in 1..n\nderive sum(i, delta(i + 9223372036854775807, i))\n  = 0\n")
    yield "labels `t-9223372036854775807-1-1`", b"var h[t-9223372036854775807-1-1]\nderive h[t]\n  = 1\n"
    yield "`f` with 76 primes", b"var x\nunknown f(u)\nderive f" + b"'" * 76 + b"(x)\n  = 0\n"
    yield "`sigmoid` with 24 primes", b"var x\nderive sigmoid" + b"'" * 24 + b"(x)\n  = 0\n"
    mlp = (ROOT / "derivations/mlp_backward.deriv").read_bytes()
    yield "`--samples 1000000000`", mlp, ["--samples", "1000000000"]
    yield "`--samples 1000` (mlp_backward.deriv)", mlp, ["--samples", "1000"]
    yield "`--timeout-ms` and `--file-timeout-ms` 2^64 - 1", mlp, [
        "--timeout-ms", "18446744073709551615", "--file-timeout-ms", "18446744073709551615"]
    # Vectors and matrices (§7).
    yield "`var W: 100000x100000`, `W*x`", b"var W: 100000x100000, x: 100000\nderive W*x\n  = W*x\n"
    yield "`var W: 1000x1000`, `W*x`", b"var W: 1000x1000, x: 1000\nderive W*x\n  = W*x\n"
    yield "`det` and `inv` of a 100,000-square matrix", b"var A: 100000x100000\nderive det(A)\n  = det(inv(A))\n"
    yield "22 nested `softmax` inside a sum", (
        "var x: 3\nderive sum(c in 1..2, sum(" + "softmax(" * 22 + "c*x" + ")" * 22 + "))\n  = 2\n").encode()
    yield "50 nested products of 60x60 matrices", (
        "var A: 60x60\nderive " + "A*(" * 50 + "A" + ")" * 50 + "\n  = A\n").encode()
    yield "shape mismatches", b"var x: 2, y: 3, W: 2x3\nderive x + y\n  = W*x\nderive W*y\n  = x*y\n"
    yield "ragged 1,000-element literal", ("derive [[" + ", ".join("1" for _ in range(1000)) + "], [1]]\n  = 1\n").encode()
    yield "`inv` of a singular literal", b"derive inv([[1, 2], [2, 4]])\n  = [[1, 0], [0, 1]]\n"
    # Large concrete matrices and long operator chains (issue 12, item 7).
    for n, steps in [(30, "derive sum(inv(H))\n  = 900\n"), (200, "derive det(H)\n  = 1\n"),
                     (200, "derive sum(inv(H))\n  = 40000\n")]:
        what = "`det`" if "det" in steps else "`inv`"
        yield (f"{what} of the {n}x{n} Hilbert matrix",
               f"index i in 1..{n}, j in 1..{n}\nlet H[i,j] = 1/(i+j-1)\n{steps}".encode())
    chain = "*".join(["2"] * 2000)
    yield "`2*2*…*2`, 2,000 factors", f"derive {chain}\n  = 2^2000\n".encode()
    line = f"derive {chain}\n  = 2^2000\n"
    yield "1 MiB of 2,000-factor chains", (line * (one_mb // len(line))).encode()


def corpus_files():
    files = sorted((ROOT / "derivations").glob("*.deriv"))
    files += sorted((ROOT.parent / "shared/examples").glob("*.deriv"))
    return [(f.name, f.read_bytes()) for f in files]


def mutants(n, seed=11):
    """Families of mutated corpus files: (family, name, bytes)."""
    rng = random.Random(seed)
    corpus = corpus_files()
    tokens = [b"(", b")", b"[", b"]", b"diff(", b"sum(", b"^", b"^10^10", b"\n", b"\n  = ", b"derive ", b"let ",
              b"\x00", b"\xff", b"1e400", b"'", b"\xe2\x88\x82", b"#", b"--", b"9" * 50]
    for k in range(n):
        name, text = corpus[k % len(corpus)]
        at = rng.randrange(len(text) + 1)
        yield "truncated at a random byte", name, text[:at]
        ins = rng.choice(tokens) * rng.choice([1, 1, 1, 5, 100])
        yield "a token inserted at a random byte", name, text[:at] + ins + text[at:]
        lines = text.split(b"\n")
        i = rng.randrange(len(lines))
        if rng.random() < 0.5:
            del lines[i]
        else:
            lines.insert(i, lines[rng.randrange(len(lines))])
        yield "a line deleted or duplicated", name, b"\n".join(lines)
        flipped = bytearray(text)
        for _ in range(rng.randrange(1, 8)):
            if flipped:
                flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        yield "random bytes overwritten", name, bytes(flipped)


def run(path, args=()):
    """(exit status or 'timeout', wall s, peak MB, stdout, stderr)."""
    timing = path.with_suffix(".time")
    command = ["/usr/bin/time", "-f", "%e %M", "-o", str(timing), str(BINARY), "check", *args, str(path)]
    try:
        out = subprocess.run(command,
                             capture_output=True, timeout=LIMIT_S + 5)
    except subprocess.TimeoutExpired:
        return "timeout", float(LIMIT_S + 5), 0.0, "", ""
    wall, rss = timing.read_text().split()[-2:]
    stdout, stderr = out.stdout.decode(errors="replace"), out.stderr.decode(errors="replace")
    status = out.returncode
    return status, float(wall), int(rss) / 1024, stdout, stderr


def outcome(status, stdout, stderr):
    """What the report says, in a few words."""
    if status == "timeout":
        return "TIMEOUT"
    if "panicked" in stderr:
        return "PANIC"
    error = re.search(r"^error: (.*)$", stderr, re.M)
    if error and status == 2 and "--help" in stderr:
        return "command line refused: " + error.group(1)
    if error:
        return "error: " + error.group(1)
    details = re.findall(r"^\s+[?✗✓] line \d+\s+\S+ (\w+).*\n(?:\s{8}(.*))?", stdout, re.M)
    summary = re.search(r"^(\d+ steps?: .*)$", stdout, re.M)
    first = next(((v, d) for v, d in details if v == "undetermined"), None)
    text = summary.group(1) if summary else "no report"
    if first and first[1]:
        text += f"; undetermined: {first[1].strip()}"
    return text


def ok(status, wall, stderr):
    return status in (0, 1, 2) and wall <= LIMIT_S and "panicked" not in stderr


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mutants", type=int, default=100, help="mutants of each family")
    args = parser.parse_args()
    if not BINARY.exists():
        sys.exit("build first: cargo build --release")
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print("| input | exit | time | peak memory | outcome |")
        print("|---|---|---|---|---|")
        for k, (name, data, *extra) in enumerate(cases()):
            path = tmp / f"case{k}.deriv"
            path.write_bytes(data)
            status, wall, rss, stdout, stderr = run(path, *extra)
            failures += not ok(status, wall, stderr)
            text = outcome(status, stdout, stderr).replace("|", "\\|").replace(str(path), "…")
            print(f"| {name} | {status} | {wall:.2f} s | {rss:.0f} MB | {text[:160]} |")
        print()
        print("| mutated corpus files | inputs | exit 0 / 1 / 2 | other | slowest | peak memory |")
        print("|---|---|---|---|---|---|")
        families = {}
        for k, (family, _, data) in enumerate(mutants(args.mutants)):
            path = tmp / f"mutant{k}.deriv"
            path.write_bytes(data)
            status, wall, rss, _, stderr = run(path)
            f = families.setdefault(family, {"n": 0, 0: 0, 1: 0, 2: 0, "other": 0, "slowest": 0.0, "rss": 0.0})
            f["n"] += 1
            good = ok(status, wall, stderr)
            failures += not good
            f[status if good else "other"] += 1
            f["slowest"] = max(f["slowest"], wall)
            f["rss"] = max(f["rss"], rss)
        for family, f in families.items():
            print(f"| {family} | {f['n']} | {f[0]} / {f[1]} / {f[2]} | {f['other']} | {f['slowest']:.2f} s "
                  f"| {f['rss']:.0f} MB |")
    print()
    print(f"{failures} input(s) did not exit with 0, 1 or 2 within {LIMIT_S} s without a panic")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
