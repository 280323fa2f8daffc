#!/usr/bin/env bash
# PrairieLearn's external grader runs this (the question's `entrypoint`) once per submission:
# the student's files are in /grade/student, the question's tests/ in /grade/tests, and
# PrairieLearn reads /grade/results/results.json. The one *.deriv file the student submitted
# (or the one .tex, .md or .ipynb answer) is graded against tests/reference.deriv. A submission
# that cannot be read (no such file,
# several, not UTF-8, or errors in every derivation) is `gradable: false` with its
# `format_errors`: the attempt does not count.
# GRADE and GRADPROOF may be set to try it outside PrairieLearn (see docs/grading.md).
set -uo pipefail
GRADE="${GRADE:-/grade}"
if [ -z "${GRADPROOF:-}" ]; then
  if command -v gradproof >/dev/null 2>&1; then
    GRADPROOF=gradproof
  else
    GRADPROOF="$GRADE/serverFilesCourse/gradproof/gradproof"
  fi
fi
OPTIONS=()
if [ -f "$GRADE/tests/gradproof-options" ]; then
  read -r -a OPTIONS < "$GRADE/tests/gradproof-options" || true
fi
mkdir -p "$GRADE/results"
"$GRADPROOF" grade "$GRADE/student" \
  --reference "$GRADE/tests/reference.deriv" \
  --format prairielearn --results "$GRADE/results/results.json" "${OPTIONS[@]}"
