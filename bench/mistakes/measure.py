#!/usr/bin/env python3
"""How well gradproof diagnoses the labelled wrong steps of this directory (issue 14's measure).

For every labelled step (see README.md), the step's diagnosis in `gradproof check --format json`
is compared with the label:

- class: the repair's `kind` equals the label's class, or, without a repair, the likely cause
  names it (a sign of the whole step: `sign`; a constant factor: `constant_factor`; transposed:
  `transpose`; an index free in the step: `missing_sum`);
- subterm: the repair's culprit as written equals the label's culprit (spaces ignored), or both
  are empty and the repair puts back the label's fix; `--lenient` also counts a culprit that holds
  the label's or lies inside it.

Texts are compared without spaces and with the language's aliases spelled out (`σ` is `sigmoid`,
`·` and `×` are `*`, `−` is `-`). It also counts the right steps called wrong and the wrong steps
not found wrong. Both development sets are measured and reported apart: this directory's files
(the first set) and fresh/ (the second, written before the localiser was tuned on it). Usage:
    python3 bench/mistakes/measure.py [--bin target/release/gradproof] [--list] [--set dev|fresh|third|fourth]
third/ and fourth/ are a third and a fourth set, each written and labelled before gradproof was
first run on it.
"""
import argparse
import json
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent

CAUSE_CLASS = {"sign": "sign", "factor": "constant_factor", "transposed": "transpose", "free_index": "missing_sum"}


ALIASES = {"σ": "sigmoid", "·": "*", "×": "*", "−": "-"}
SETS = {"dev": (HERE, []), "fresh": (HERE / "fresh", ["--fresh"]), "third": (HERE / "third", ["--third"]),
        "fourth": (HERE / "fourth", ["--fourth"])}


def squash(text):
    text = "".join(text.split())
    for alias, word in ALIASES.items():
        text = text.replace(alias, word)
    return text


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=str(ROOT / "target/release/gradproof"))
    ap.add_argument("--list", action="store_true", help="list every step that misses")
    ap.add_argument("--set", choices=sorted(SETS), action="append", help="one set (default: dev and fresh)")
    args = ap.parse_args()
    status = 0
    for name in args.set or ["dev", "fresh"]:
        print(f"== {name}: {SETS[name][0].relative_to(ROOT)}")
        status |= measure(args, *SETS[name])
    return status


def measure(args, folder, flags):
    labels = json.loads(subprocess.run([sys.executable, str(HERE / "verify.py"), "--labels", *flags],
                                       capture_output=True, text=True, check=True).stdout)
    files = sorted(folder.glob("*.deriv"))
    run = subprocess.run([args.bin, "check", "--format", "json", *map(str, files)], capture_output=True, text=True)
    report = json.loads(run.stdout)
    steps = {}
    for f in report["files"]:
        name = pathlib.Path(f["path"]).name
        for d in f["derivations"]:
            for s in d["steps"]:
                steps[(name, s["line"])] = s
    labelled = {(l["file"], l["line"]): l for l in labels}
    right_called_wrong = [k for k, s in steps.items() if k not in labelled and s["verdict"] == "wrong"]
    n = len(labels)
    found = klass = sub = sub_lenient = 0
    per_class = {}
    misses = []
    for l in labels:
        s = steps.get((l["file"], l["line"]))
        row = per_class.setdefault(l["mistake"], [0, 0, 0])
        row[0] += 1
        if not s or s["verdict"] != "wrong":
            misses.append((l, s, "not wrong"))
            continue
        found += 1
        r = s.get("repair")
        cause = (s.get("cause_data") or {}).get("kind")
        got_class = r["kind"] if r else CAUSE_CLASS.get(cause)
        if got_class == l["mistake"]:
            klass += 1
            row[1] += 1
        culprit, fix = squash(l["culprit"]), squash(l["fix"])
        ok = lenient = False
        if r:
            mine = squash(r["culprit_text"])
            if culprit:
                ok = mine == culprit
                lenient = ok or (mine and (mine in culprit or culprit in mine))
            else:
                ok = lenient = not mine and squash(r["replacement"]) == fix or squash(r["replacement"]) == fix
        sub += ok
        sub_lenient += bool(lenient)
        row[2] += ok
        if got_class != l["mistake"] or not ok:
            misses.append((l, s, f"got {got_class}"))
    pct = lambda a: f"{100 * a / n:.0f}%"
    print(f"{n} labelled wrong steps: {found} found wrong; right class {klass} ({pct(klass)}); "
          f"right subterm {sub} ({pct(sub)}), lenient {sub_lenient} ({pct(sub_lenient)}); "
          f"right steps called wrong: {len(right_called_wrong)}")
    print(f"{'class':24} steps  class  subterm")
    for c, (t, k, u) in sorted(per_class.items(), key=lambda kv: -kv[1][0]):
        print(f"{c:24} {t:5}  {k:5}  {u:5}")
    if args.list:
        for l, s, why in misses:
            r = s.get("repair") if s else None
            print(f"\n{l['file']}:{l['line']} [{l['mistake']}] {why}\n   step:  {l['step']}\n"
                  f"   label: culprit `{l['culprit']}` fix `{l['fix']}`")
            if r:
                print(f"   repair: {r['text']}")
            elif s:
                print(f"   cause: {s.get('cause')}")
    for k in right_called_wrong:
        print(f"right step called wrong: {k}")
    return 1 if right_called_wrong else 0


if __name__ == "__main__":
    sys.exit(main())
