//! Bad input: every error has the right line, a useful message and a hint; nothing panics; other
//! files are still checked.

use gradproof::check::{Cause, CheckOptions, StepResult, Verdict};
use gradproof::check_source;
use gradproof::diagnostic::{line_col, Diagnostic};
use gradproof::syntax::print::{format_source, Spelling};

/// Checks `source` and returns (line, message, hint) of every error.
fn errors(source: &str) -> Vec<(usize, String, String)> {
    let report = check_source("test.deriv", source.as_bytes(), &CheckOptions::default());
    listed(&report.source, &report.errors)
}

/// (line, message, hint) of each diagnostic.
fn listed(source: &str, diagnostics: &[Diagnostic]) -> Vec<(usize, String, String)> {
    diagnostics.iter().map(|d| (line_col(source, d.span.start).0, d.message.clone(), d.hints.join(" | "))).collect()
}

/// Asserts one error at `line` whose message and hint contain the given texts.
#[track_caller]
fn assert_error(source: &str, line: usize, message: &str, hint: &str) {
    let found = errors(source);
    assert!(
        found.iter().any(|(l, m, h)| *l == line && m.contains(message) && h.contains(hint)),
        "expected an error at line {line} with `{message}` / `{hint}`, got {found:#?}"
    );
}

#[test]
fn unknown_name_suggests_the_closest() {
    assert_error("var zeta\nderive zetta\n  = zeta\n", 2, "unknown name `zetta`", "did you mean `zeta`?");
}

#[test]
fn implicit_multiplication_suggests_a_star() {
    assert_error("var x\nderive 2x\n  = 2*x\n", 2, "missing operator", "`2*x`");
    // Before a builtin called (a TA: "unexpected `s`" alone, where `p[i] q[i]` had the hint).
    let model = "index i in 1..K, j in 1..K\nvar p[i], q[i], x\n";
    assert_error(
        &format!("{model}derive p[i] sum(j, q[j])\n  = 1\n"),
        3,
        "unexpected `s`",
        "write `*` between two factors, `… * sum(…)`",
    );
    assert_error(&format!("{model}derive x*x\n  = x diff(x^2, x) / 2\n"), 4, "unexpected `d`", "`… * diff(…)`");
}

#[test]
fn redeclaration_points_at_the_second() {
    assert_error("var x\nvar y, x\n", 2, "`x` is declared twice", "");
}

#[test]
fn cyclic_definitions_name_the_cycle() {
    assert_error("var x\nlet a = b + x\nlet b = a * 2\n", 2, "cyclic definition: a → b → a", "");
}

#[test]
fn wrong_arity_says_how_many() {
    assert_error("var x\nunknown f(u)\nderive f(x, x)\n  = 1\n", 3, "`f` takes 1 argument, but 2 were given", "");
}

#[test]
fn sum_over_an_index_without_range() {
    assert_error("var x\nderive sum(p, x)\n  = x\n", 2, "`p` has no range", "sum(p in 1..n");
}

#[test]
fn derivative_with_respect_to_a_function() {
    assert_error(
        "var x\nunknown f(u)\nderive diff(f(x), f)\n  = 1\n",
        3,
        "cannot differentiate with respect to `f`: it is a function",
        "",
    );
}

#[test]
fn derivative_with_respect_to_an_index() {
    assert_error("index i in 1..n\nvar x[i]\nderive diff(x[i], i)\n  = 1\n", 3, "it is an index", "");
}

#[test]
fn not_utf8_is_reported() {
    let report = check_source("bad.deriv", b"var x\n\xff\xfe derive x\n", &CheckOptions::default());
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].message, "file is not valid UTF-8");
    assert_eq!(line_col(&report.source, report.errors[0].span.start).0, 2);
}

#[test]
fn all_errors_of_a_file_are_reported() {
    let found = errors("var x\nderive y1\n  = x\nderive x\n  = y2\nderive 3x\n  = x\n");
    let lines: Vec<usize> = found.iter().map(|e| e.0).collect();
    assert_eq!(lines, vec![2, 5, 6], "{found:#?}");
}

#[test]
fn errors_in_one_derivation_leave_the_others_checked() {
    let report = check_source("t.deriv", b"var x\nderive x + 0\n  = x\nderive y\n  = x\n", &CheckOptions::default());
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.derivations.len(), 1);
}

#[test]
fn step_outside_a_derivation() {
    assert_error("var x\n  = x\n", 2, "step outside a derivation", "derive");
}

#[test]
fn derivation_without_steps() {
    assert_error("var x\nderive x\nvar y\n", 2, "derivation has no steps", "");
}

#[test]
fn unclosed_parenthesis_is_reported_on_its_line() {
    assert_error("var x\nderive (x + 1\n  = x + 1\n", 2, "unclosed `(`", "`)`");
}

#[test]
fn a_comment_inside_a_continued_line_is_skipped_and_an_error_after_it_is_placed_right() {
    // The comment holds a `)`, a `#` and a quote: none of them counts.
    let source = "var x\nderive (x +  # first ) \" #\n  1)  # the note\n  = x + 1\n";
    let (file, problems) = gradproof::syntax::parse_file(source);
    assert!(problems.is_empty(), "{problems:?}");
    let gradproof::syntax::ast::Item::Derivation(d) = &file.items[1] else { panic!("{file:?}") };
    assert_eq!(&source[d.head.span.range()], "(x +  # first ) \" #\n  1)");
    assert_error("var x\nderive (x +  # a comment\n  1 1)\n  = x\n", 3, "missing operator", "`*`");
}

#[test]
fn unknown_statement() {
    assert_error("variable x\n", 1, "expected a statement", "`variable` is not a keyword: did you mean `var x`?");
    assert_error("hello world\n", 1, "expected a statement", "a line starts with `title`");
}

/// The only error of `source` is "expected a statement" on line 2, with `hint`: the steps under
/// the broken head are not reported again as steps outside a derivation.
fn assert_broken_head(source: &str, hint: &str) {
    assert_error(source, 2, "expected a statement", hint);
    assert_eq!(errors(source).len(), 1, "{:#?}", errors(source));
}

#[test]
fn a_near_keyword_of_derive_is_one_error_with_the_line_put_right() {
    let source = "var x\nderivation \"power\" diff(x^2, x)\n  = 2*x\n  = x + x\n";
    assert_broken_head(source, "did you mean `derive \"power\" diff(x^2, x)`?");
    assert_error("var x\nproof x + x\n  = 2*x\n", 2, "expected a statement", "did you mean `derive x + x`?");
    assert_error("var x\nlett y = x\n", 2, "expected a statement", "did you mean `let y = x`?");
}

#[test]
fn a_head_without_derive_is_shown_with_it() {
    assert_broken_head("var x\ndiff(x^3, x)\n  = 3*x^2\n", "`derive diff(x^3, x)`");
}

#[test]
fn a_suggested_keyword_is_given_only_where_the_line_then_parses() {
    // `lett` is near `let`, but `let y x` does not parse: the usual hint, no suggestion.
    assert_error("var x\nlett y x\n", 2, "expected a statement", "a line starts with `title`");
}

#[test]
fn label_that_matches_no_declaration() {
    assert_error("var h[t]\nderive h[t+1]\n  = 1\n", 2, "no declared entry matches `h[t+1]`", "h[t]");
}

#[test]
fn free_index_in_a_definition() {
    assert_error("index i in 1..n\nvar x[i]\nlet a = x[i]\n", 3, "index `i` is free in the definition of `a`", "sum(i");
}

#[test]
fn unsupported_domain() {
    assert_error("var x > 1\n", 1, "unsupported domain", "> 0");
}

#[test]
fn adversarial_inputs_do_not_panic() {
    let deep = format!("var x\nderive {}x{}\n  = x\n", "(".repeat(5000), ")".repeat(5000));
    let long_sum = format!("var x\nderive x{}\n  = x\n", " + 1".repeat(4000));
    let negs = format!("var x\nderive {}x\n  = x\n", "- ".repeat(3000));
    let cases = [
        "",
        "#",
        "derive",
        "=",
        "≈ 1",
        "var",
        "let x =",
        "index i in",
        "var x\nderive 1e999999\n = 1\n",
        "var x\nderive 10^10^10\n = 1\n",
        "var x\nderive 2^(2^64)\n = 1\n",
        "var x\nderive (1+x)^1000000\n = 1\n",
        "index i in 1..1000000000\n",
        "var x\r\nderive x\r\n  = x\r\n",
        "\t\tvar x\n",
        "let a = a\n",
        "unknown f(x)\nderive f''''(1)\n  = 1\n",
        "derive relu'(0)\n  = 0\n",
        deep.as_str(),
        long_sum.as_str(),
        negs.as_str(),
    ];
    for source in cases {
        let _ = check_source("adversarial.deriv", source.as_bytes(), &CheckOptions::default());
    }
}

#[test]
fn shape_mismatch_names_both_shapes_at_the_operator() {
    let source = "var x: 2, y: 3\nderive x + y\n  = y + x\n";
    assert_error(source, 2, "shape mismatch: `+` of a 2-vector and a 3-vector", "arrays of one shape");
    let report = check_source("t.deriv", source.as_bytes(), &CheckOptions::default());
    let plus = source.find('+').expect("a plus");
    assert_eq!(report.errors[0].span.start, plus, "the error points at the operator");
}

#[test]
fn product_of_incompatible_shapes() {
    assert_error(
        "var W: 2x3, x: 2\nderive W*x\n  = W*x\n",
        2,
        "cannot multiply a 2x3 matrix by a 2-vector",
        "is a transpose missing?",
    );
}

#[test]
fn a_matrix_to_the_power_of_a_declared_t_says_how_to_transpose() {
    assert_error(
        "var A: 2x2\nvar T > 0\nderive A^T\n  = A\n",
        3,
        "`^T` of a 2x2 matrix is a power, as `T` is declared",
        "write `Aᵀ` for the transpose",
    );
}

/// A vector to the power of a declared `T` is warned about: `v^T * A * v` beside a temperature
/// `var T` was a shape error that asked "is a transpose missing?" (a student tester).
#[test]
fn a_vector_to_the_power_of_a_declared_t_is_warned_about() {
    let report =
        check_source("test.deriv", b"var T > 0\nvar v: m\nderive sum(v^T)\n  = sum(v^T)\n", &CheckOptions::default());
    let found = listed(&report.source, &report.warnings);
    assert_eq!(found.iter().map(|f| f.0).collect::<Vec<_>>(), [3, 4], "{found:#?}");
    assert!(found[0].1.contains("`^T` of an m-vector is the power `T` of each element"), "{found:#?}");
    assert!(found[0].2.contains("`vᵀ`"), "{found:#?}");
}

#[test]
fn vector_times_vector_suggests_dot() {
    assert_error("var x: n, y: n\nderive x*y\n  = 1\n", 2, "cannot multiply an n-vector by an n-vector", "dot(x, y)");
}

#[test]
fn power_of_a_matrix_is_ambiguous() {
    assert_error("var A: n x n\nderive A^2\n  = A*A\n", 2, "`^` of an n x n matrix is ambiguous", "A ⊙ A");
}

#[test]
fn trace_needs_a_square_matrix() {
    assert_error("var W: 2x3\nderive tr(W)\n  = 1\n", 2, "`tr` needs a square matrix, not a 2x3 matrix", "square");
}

#[test]
fn array_where_a_scalar_is_needed() {
    assert_error("var x: 3\nlet f(z) = z + x\nderive f(1)\n  = 1\n", 2, "expected a scalar here, found a 3-vector", "");
}

#[test]
fn ragged_matrix_literal() {
    assert_error(
        "derive [[1, 2], [3]]\n  = 1\n",
        1,
        "the elements of an array differ in shape",
        "rows of equal length",
    );
}

#[test]
fn shaped_declaration_with_subscripts() {
    assert_error("index i in 1..n\nvar W[i]: n\n", 2, "either subscripts or a shape", "var W: m x n");
}

#[test]
fn transpose_sign_is_not_part_of_a_name() {
    // `Wᵀ` is the transpose of `W`, not an unknown name `Wᵀ`.
    assert!(errors("var W: 2x3\nderive (Wᵀ)ᵀ\n  = W\n").is_empty());
}

#[test]
fn huge_declared_array() {
    assert_error("var W: 100000x100000\nderive sum(W)\n  = 0\n", 1, "array is too large", "at most 1000000 elements");
}

#[test]
fn arrays_that_repeat_their_operands_are_refused_when_too_large() {
    let nested =
        format!("var x: 3\nderive sum(c in 1..2, sum({}c*x{}))\n  = 2\n", "softmax(".repeat(22), ")".repeat(22));
    assert_error(&nested, 2, "expression too large once its arrays are written out", "name intermediate arrays");
}

/// What students write first (issue 14): a builtin under another name or case, the Leibniz
/// notation `dL/dz`, a number without its leading 0. Each gets a hint that says what to write,
/// never one that declares an arbitrary function in place of the builtin.
#[test]
fn notation_students_try_first_gets_a_hint_that_says_what_to_write() {
    assert_error(
        "var z\nderive diff(sigma(z), z)\n  = 1\n",
        2,
        "unknown function `sigma`",
        "did you mean the builtin `sigmoid`?",
    );
    assert_error("var z\nderive Tanh(z)\n  = 1\n", 2, "unknown function `Tanh`", "did you mean the builtin `tanh`?");
    assert_error("var z\nvar L\nderive dL/dz\n  = 1\n", 3, "unknown name `dL`", "a derivative is written `∂L/∂…`");
    assert_error("var z\nderive z\n  = .5*z + .5*z\n", 3, "unexpected `.`", "write `0.5`");
    // A function nobody declared and no builtin resembles: declare it.
    assert_error("var z\nderive foo(z)\n  = 1\n", 2, "unknown function `foo`", "unknown foo(x)");
}

/// The notation of the blackboard and of LaTeX that students try first (issue 14): each gets an
/// error whose hint says what to write instead, never one that misleads (`did you mean `W`?` for
/// the label `t` of `h^(t)`, or a declaration of `Σ_c`).
#[test]
fn blackboard_and_latex_notation_gets_a_hint_that_says_what_to_write() {
    // A superscript where the subscript belongs: one error, not "needs 1 subscript" and
    // "unknown name `t`".
    let found = errors("var h[t], W\nderive W * h^(t-1)\n  = 1\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_error(
        "var h[t], W\nderive W * h^(t-1)\n  = 1\n",
        2,
        "`h` needs a subscript: a superscript is a power",
        "written in brackets: `h[t-1]`",
    );
    assert_error(
        "var h[t]\nderive h^{(t)}\n  = 1\n",
        2,
        "unexpected `{`",
        "a time step or an index is a subscript, `h[t]`",
    );
    // `h^2` of a subscripted `h` is a power whose subscript is missing.
    assert_error("var h[t]\nderive h^2\n  = 1\n", 2, "`h` needs 1 subscript", "declared as `h[t]`");
    // A bare label, wherever it is.
    assert_error(
        "var h[t], u\nderive u^t\n  = 1\n",
        2,
        "unknown name `t`",
        "`t` is a label, a position written in brackets, as in `h[t]`",
    );
    // Sums written with their index as a subscript.
    let sum = "a sum is written `sum(c, …)`, over the declared range of `c`, or `sum(c in 1..n, …)`";
    let model = "index c in 1..D\nvar x[c]\n";
    assert_error(&format!("{model}derive Σ_{{c=1}}^D x[c]\n  = 1\n"), 3, "unexpected `{`", sum);
    assert_error(&format!("{model}derive 2 * ∑_{{c=1}}^{{D}} x[c]\n  = 1\n"), 3, "unexpected `∑`", sum);
    assert_error(&format!("{model}derive Σ_c x[c]\n  = 1\n"), 3, "missing operator", sum);
    assert_error(&format!("{model}derive Σ_c(x[c])\n  = 1\n"), 3, "unknown function `Σ_c`", sum);
    assert_error(&format!("{model}derive sum_c\n  = 1\n"), 3, "unknown name `sum_c`", sum);
    assert_error(
        &format!("{model}derive ∏_c(x[c])\n  = 1\n"),
        3,
        "unexpected `∏`",
        "a product is written `prod(c, …)`",
    );
    // Subscripts with `_`, in braces, or as Unicode digits; powers as superscripts.
    assert_error("index i in 1..n, j in 1..n\nvar W[i,j]\nderive W_ij\n  = 1\n", 3, "unknown name `W_ij`", "`W[i,j]`");
    assert_error("var h[t]\nderive h_t\n  = 1\n", 2, "unknown name `h_t`", "`h[t]`");
    assert_error("index i in 1..n\nvar x[i]\nderive x_{i}\n  = 1\n", 3, "unexpected `{`", "`x[i]`, not `x_{i}`");
    assert_error("index i in 1..n\nvar x[i]\nderive x₁\n  = 1\n", 3, "unknown name `x₁`", "`x[1]`");
    // A superscript is a power (`notation_pasted_from_notes_is_read`); one without digits is not.
    assert_error("var x\nderive x⁻\n  = 1\n", 2, "unexpected `⁻`", "as in `x⁻¹`, or `x^-1`");
    assert_error("var x\nderive √x\n  = 1\n", 2, "unexpected `x`", "`√(x)`, or write `sqrt(x)`");
    assert_error("var x\nderive max(x)\n  = 1\n", 2, "`max` takes at least 2 arguments, but 1 was given", "");
    // `∂(x^3)/∂x²`: a power of the derivative, or the second derivative the page means (an
    // adversarial tester: it was read as the power, and `= 6*x` called wrong).
    assert_error(
        "var x\nderive ∂(x^3)/∂x²\n  = 6*x\n",
        2,
        "a superscript on a derivative: its power, or a higher derivative?",
        "a second derivative is `diff(y, x, x)`",
    );
    assert_error(
        "var x\nderive ∂²(x^3)/∂x²\n  = 6*x\n",
        2,
        "unexpected `²`",
        "a second derivative is written `diff(y, x, x)`",
    );
    // A mark over a letter is not part of a name, whether combining or typed after it.
    let tilde = "a tilde over a letter is not part of a name: name it `x_tilde`";
    assert_error("var x̃\n", 1, "unexpected combining mark U+0303", tilde);
    assert_error("var x\nderive x̃\n  = 1\n", 2, "unexpected combining mark U+0303", tilde);
    assert_error("var x\nderive x~\n  = 1\n", 2, "unexpected `~`", tilde);
    assert_error("var x\nderive x⃗\n  = 1\n", 2, "combining mark U+20D7", "name it `x_vec`");
    // A letter with the mark built in is a name.
    assert!(errors("var ã\nderive ã\n  = ã\n").is_empty());
    // Other notations: |x|, LaTeX commands, NumPy's `@` and `.T`, `:=`, ∇, e^x, d(…)/dx.
    assert_error("var x\nderive |x|\n  = 1\n", 2, "unexpected `|`", "`abs(x)`");
    assert_error("var x\nderive \\sigma(x)\n  = 1\n", 2, "unexpected `\\`", "not LaTeX");
    assert_error("var W: 2x2\nderive W @ W\n  = W\n", 2, "unexpected `@`", "a matrix product is written `*`");
    assert_error("var W: 2x2\nderive W.T\n  = W\n", 2, "unexpected `.`", "`W^T` or `Wᵀ`");
    assert_error("var y\nlet z := y\n", 2, "unexpected `:`", "a definition is written `let y = …`");
    assert_error("var x\nderive ∇ x\n  = 1\n", 2, "unexpected `∇`", "`diff(L, W)`");
    assert_error("var x\nderive e^x\n  = 1\n", 2, "unknown name `e`", "write `exp(x)`");
    assert_error("var x\nderive d(x^2)\n  = 1\n", 2, "unknown function `d`", "`diff(x^2, x)`");
}

/// Checks `source` and returns (line, message, hint) of every warning, asserting that it has no
/// error.
fn warnings(source: &str) -> Vec<(usize, String, String)> {
    let report = check_source("test.deriv", source.as_bytes(), &CheckOptions::default());
    assert!(report.errors.is_empty(), "unexpected errors: {:?}", report.errors);
    listed(&report.source, &report.warnings)
}

/// Asserts exactly one warning, at `line`, whose message and hint contain the given texts.
#[track_caller]
fn assert_warning(source: &str, line: usize, message: &str, hint: &str) {
    let found = warnings(source);
    assert!(
        found.len() == 1 && found[0].0 == line && found[0].1.contains(message) && found[0].2.contains(hint),
        "expected one warning at line {line} with `{message}` / `{hint}`, got {found:#?}"
    );
}

/// A loss declared as a plain `var` is an input, held fixed when anything else is perturbed
/// (§3.3), so its derivative is identically 0 and every step that is 0 is right, even
/// `42 * diff(E, y_in[t])` (issue 14). The file checks; the head is warned about.
#[test]
fn a_head_that_is_zero_by_the_declarations_is_warned_about() {
    let var_loss = "var E, y_in[t]\nderive diff(E, y_in[t])\n  = 42 * diff(E, y_in[t])\n";
    assert_warning(
        var_loss,
        2,
        "the head is identically 0: `E` is a `var`, held fixed when `y_in[t]` changes",
        "declare `unknown E depends on y_in[t]` or define it with `let`",
    );
    // Written as a fraction, and by a whole matrix.
    assert_warning("var E, y\nderive ∂E/∂y\n  = 0\n", 2, "`E` is a `var`", "unknown E depends on y");
    assert_warning("var L, W: 2 x 3\nderive diff(L, W)\n  = 0*W\n", 2, "held fixed when `W` changes", "");
    // An unknown node whose list does not reach the target, directly or through definitions.
    assert_warning(
        "var u, v\nlet h = 2*v\nunknown E depends on h\nderive diff(E, u)\n  = 0\n",
        4,
        "`E` does not depend on `u`",
        "add `u` to the list after `depends on`",
    );
    // A definition, a compound expression, and a derivative of a derivative that is 0.
    assert_warning("var u, v\nlet h = 2*v\nderive diff(h, u)\n  = 0\n", 3, "`h` does not depend on `u`", "");
    assert_warning(
        "index k in 1..n\nvar x[k], u\nderive diff(sum(k, x[k]^2), u)\n  = 0\n",
        3,
        "does not depend on `u`",
        "nothing it reads depends on `u`",
    );
    assert_warning("var E, u, v\nderive diff(diff(E, u), v)\n  = 0\n", 2, "`E` is a `var`", "");
}

/// Only a head that is 0 whatever the values are is warned about: not one that may depend on its
/// target through a definition, a dependency list, its own family or a function body, nor one
/// whose target is computed from what it differentiates (the lesson of §3.3, where the advice
/// to declare a dependency would make a cycle).
#[test]
fn a_head_that_may_depend_on_its_target_is_not_warned_about() {
    for source in [
        "var y_in[t]\nunknown E depends on y_in[t]\nderive diff(E, y_in[t])\n  = diff(E, y_in[t])\n",
        "var u\nunknown f(x)\nlet y = f(u)\nunknown E depends on y\nderive diff(E, u)\n  = diff(E, y) * f'(u)\n",
        "var x\nderive diff(x, x)\n  = 1\n",
        "index i in 1..n, j in 1..n\nvar x[i]\nderive diff(x[i], x[j])\n  = delta(i, j)\n",
        "var u\nunknown f(x)\nlet y = f(u)\nderive diff(u, y)\n  = 0\n",
        "var u, w\nlet g(z) = w * z\nderive diff(g(2), w)\n  = 2\n",
        "var E\nderive E\n  = E\n",
    ] {
        assert_eq!(warnings(source), Vec::new(), "in\n{source}");
    }
}

/// No false alarms: no file of the corpus, the examples or the course examples gets a warning.
#[test]
fn no_file_of_the_corpus_or_the_course_examples_gets_a_warning() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["derivations", "derivations/generated", "examples", "tests/grade/submissions", "../shared/examples"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        files.extend(entries.map(|e| e.expect("entry").path()).filter(|p| p.extension().is_some_and(|x| x == "deriv")));
    }
    assert!(files.len() > 50, "the corpus is not where it was: {} files", files.len());
    for path in files {
        let source = std::fs::read_to_string(&path).expect("readable");
        let (file, _) = gradproof::syntax::parse_file(&source);
        let (model, _) = gradproof::model::resolve(&file);
        let found = gradproof::model::warnings(&model);
        assert!(found.is_empty(), "{}: {found:?}", path.display());
    }
}

#[test]
fn bounded_domains_that_are_empty_or_repeat_a_number_are_errors() {
    for (decl, message) in [
        ("var p in (1, 0)", "the interval `(1, 0)` is empty"),
        ("var p in [1, 1]", "the interval `[1, 1]` is a single number"),
        ("var y in {1, -1, 1}", "the set `{1, -1, 1}` lists a number twice"),
        ("var y in {2}", "the set `{2}` has one value only"),
        // Nothing to draw as floats (a panic until 8 December, an adversarial tester), and members
        // one float (a step false at one of them was `checked`).
        ("var p in (-1e308, 1e308)", "the interval `(-1e308, 1e308)` is too wide or too narrow to draw values from"),
        (
            "var p in (0.1, 0.1000000000000000000001)",
            "the interval `(0.1, 0.1000000000000000000001)` is too wide or too narrow to draw values from",
        ),
        (
            "var t in {1, 1.0000000000000001}",
            "the set `{1, 1.0000000000000001}` has numbers that floats cannot tell apart",
        ),
    ] {
        let source = format!("{decl}\nvar x\nderive x\n  = x\n");
        let report = gradproof::check_source("t.deriv", source.as_bytes(), &gradproof::check::CheckOptions::default());
        assert!(report.errors.iter().any(|e| e.message == message), "{decl}: {:?}", report.errors);
    }
}

#[test]
fn a_class_label_with_a_range_of_decimals_says_it_is_an_integer() {
    assert_error("var y in 1..2.5\nderive 1\n  = 1\n", 1, "unexpected `.`", "a class label is an integer");
}

#[test]
fn a_class_label_outside_the_range_it_indexes_says_so() {
    let source = "index i in 1..n\nvar y in 1..K\nvar x[i]\nderive x[y]\n  = 0\n";
    assert_error(source, 4, "the class label `y` (in 1..K) may lie outside", "`var y in 1..n`");
}

/// What a first-timer writes, or pastes from a PDF, each with a hint that says what to write
/// (the playground's tester met every one of them).
#[test]
fn first_timers_and_pasted_text_get_hints() {
    assert_error(
        "var x\nderive diff(x^2, x) = 2*x\n",
        2,
        "unexpected `=`",
        "each step goes on a line of its own below the head, starting with `=`: `derive diff(x^2, x)`, and on the next line `  = 2*x`",
    );
    assert_error("title “Mine”\nvar x\n", 1, "unexpected `“`", "straight quotes");
    assert_error("var x\nderive x^2\n  = x*\u{200B}x\n", 3, "unexpected invisible character U+200B", "delete it");
    assert_error(
        "var x\nderive diff（x^2, x）\n  = 2*x\n",
        2,
        "unexpected",
        "`（` is a full-width character: write `(`",
    );
    assert_error("var x\nderive diff(x^2)\n  = 2*x\n", 2, "unexpected `)`", "`diff(x^2, x)`");
    assert_error("var x\nderive Diff(x^2, x)\n  = 2*x\n", 2, "unknown function `Diff`", "did you mean `diff`?");
}

/// A weight gradient written as a vector times a vector: the outer product is offered beside the
/// dot and elementwise products (the head is a matrix).
#[test]
fn a_product_of_two_vectors_offers_the_outer_product() {
    assert_error(
        "var d: n, x: n\nderive d * x\n  = d\n",
        2,
        "cannot multiply an n-vector by an n-vector",
        "for the outer product (a matrix) `x * y^T` or `outer(x, y)`",
    );
    // (Where `T` is declared, `p*p^T` is a vector times a power of one: the hint to write `x *
    // y^T` was what was written; a student.)
    assert_error(
        "var z: n, T > 0\nlet p = softmax(z)\nderive diff(p, z)\n  = diag(p) - p*p^T\n",
        4,
        "cannot multiply an n-vector by an n-vector",
        "`^T` is a power here, as `T` is declared",
    );
}

/// Two slips of a student at 2 a.m. get hints that say what to write: a sum's range written with
/// `=` (it was told to put a step on a line of its own, cut in the middle of the bracket), and a
/// definition with `:=` (it was "expected `[`" at the function's bracket).
#[test]
fn a_sum_written_with_equals_and_a_definition_with_colon_equals() {
    assert_error(
        "index i in 1..n\nvar x[i]\nderive diff(sum(i = 1..n, x[i]^2), x[i])\n  = 2*x[i]\n",
        3,
        "unexpected `=`",
        "`sum(i in 1..n, …)`",
    );
    assert_error("var x\nlet f(u) := u^2\nderive diff(f(x), x)\n  = 2*x\n", 2, "unexpected", "`let f(u) = u^2`");
    assert_error("var x\nlet f := x^2\n", 2, "unexpected", "let y = …");
    // (Nor is the unknown `f` after it asked "did you mean `π`?": one letter is near every other.)
    let found = errors("var x\nlet f(u) := u^2\nderive diff(f(x), x)\n  = 2*x\n");
    assert!(found.iter().all(|(_, _, h)| !h.contains("did you mean")), "{found:#?}");
}

/// Declarations may come in any order: a family over an index declared further down reads its
/// subscript as that index, not as a label (the `x[i]` of a sum was "no declared entry matches
/// `x[i]`", with the hint "declared: `x[i]`").
#[test]
fn an_index_declared_after_its_family_is_an_index() {
    let report = check_source(
        "test.deriv",
        b"var x[i]\nlet h[i] = 2 * x[i]\nindex i in 1..n\nderive sum(i, h[i])\n  = 2 * sum(j in 1..n, x[j])\n",
        &CheckOptions::default(),
    );
    assert!(report.errors.is_empty(), "{:#?}", report.errors);
    assert_eq!(report.derivations[0].steps[0].verdict, gradproof::check::Verdict::Proved);
}

/// In a sequence model with a size `T`, `^T` of a scalar is the power T (language.md, decision 22):
/// a 1×1 product written with a transpose inside, `(aᵀc)^T`, is warned about, as the student
/// almost surely meant its transpose (a tester's `(a^T*c)^T = c^T*a` came out `wrong` unexplained).
/// A plain scalar's power (`γ^T`, a discount over T steps) is not, nor the transpose of an array.
/// A derivative by a node that is not defined everywhere is right when 0 only where the node is.
#[test]
fn a_power_t_of_a_product_with_a_transpose_is_warned_about() {
    let model = "index t in 1..T\nindex i in 1..n\nvar a[i], c[i], g\n";
    assert_warning(
        &format!("{model}derive (a^T*c)^T\n  = c^T*a\n"),
        4,
        "`^T` of this scalar is the power `T`, as `T` is a size here",
        "a 1×1 product is its own transpose",
    );
    assert_warning(&format!("{model}derive (aᵀ*c)^T\n  = cᵀ*a\n"), 4, "is the power `T`", "write `ᵀ`");
    for fine in [format!("{model}derive g^T\n  = g^T\n"), format!("{model}derive (a^T*c)ᵀ\n  = c^T*a\n")] {
        assert_eq!(warnings(&fine), Vec::new(), "in\n{fine}");
    }
    assert_warning(
        "var x, y\nlet r = log(x)\nderive diff(y, r)\n  = 0\n",
        3,
        "`y` is a `var`",
        "every step that is 0 is right where `r` has a value",
    );
}

/// What tired students type, with a hint that says what to write (a student tester scored these
/// messages 1 of 3: "unexpected `*`" with no word of `^`). Each hint's way is checked to read.
#[test]
fn habits_from_other_languages_get_a_hint_that_reads() {
    assert_error("var x\nderive diff(tanh(x), x)\n  = 1 - tanh(x)**2\n", 3, "unexpected", "powers are written `x^2`");
    assert_error(
        "var x\nderive diff(x^3, x)\n  = 3*x^2   // power rule\n",
        3,
        "unexpected",
        "a comment starts with `#`",
    );
    assert_error("var x\nderive diff(x^3, x)\n  == 3*x^2\n", 3, "unexpected", "a step starts with one `=`");
    assert_error("var w, x\nderive diff(relu(w*x), w)\n  = x * (w*x > 0)\n", 3, "unexpected", "`step(w*x)` is 1");
    assert_error("var W: 2 x 2, g: 2\nderive W*g\n  = W' * g\n", 3, "unexpected", "for a transpose `W^T`");
    assert_error(
        "let theta = 0,5\nderive theta\n  = 0.5\n",
        1,
        "unexpected",
        "a decimal is written with a point: `0.5`",
    );
    for fixed in [
        "var x\nderive diff(tanh(x), x)\n  = 1 - tanh(x)^2\n",
        "var x\nderive diff(x^3, x)\n  = 3*x^2   # power rule\n",
        "var w, x\nderive diff(relu(w*x), w)\n  = x * step(w*x)\n",
        "var W: 2 x 2, g: 2\nderive W*g\n  = (g^T * W^T)^T\n",
        "let theta = 0.5\nderive theta\n  = 0.5\n",
    ] {
        assert_eq!(errors(fixed), Vec::new(), "{fixed}");
    }
}

/// `W2[i,k]` for `W2[k,i]` in a sum over `k`: the hint said to give the sum another range, and
/// following it gave a wrong step with no word (a student tester's F06). Subscripts that fit the
/// declaration the other way round are said to be swapped.
#[test]
fn swapped_subscripts_are_named_as_swapped() {
    let model = "index i in 1..m, j in 1..p, k in 1..n\nvar x[j], W1[i,j], W2[k,i], y[k], o[k], h[i]\n";
    assert_error(
        &format!("{model}derive sum(k, (o[k] - y[k]) * W2[k,i])\n  = sum(k, (o[k] - y[k]) * W2[i,k])\n"),
        4,
        "`k` runs over 1..n, but the subscript of `W2` over 1..m",
        "the subscripts are the other way round: `W2` is declared `W2[k,i]`",
    );
    // Not swapped: the sum's range is the only way out.
    assert_error(
        &format!("{model}derive sum(j, W1[i,j])\n  = sum(k, W1[i,k])\n"),
        4,
        "`k` runs over 1..n, but the subscript of `W1` over 1..p",
        "give a sum its range",
    );
}

/// What students paste from notes or a web page: `⋅` and `∙` for a product, `√(…)`, powers in
/// superscript digits, and `max`/`min` of more than two. Each is read as the language's own
/// spelling (`fmt` writes that spelling back), and a wrong step with it is still wrong.
#[test]
fn notation_pasted_from_notes_is_read() {
    let text = "var x, y, z\n\
                derive x ⋅ y ∙ z\n  = z*y*x\n\
                derive √(x^2 + 1)\n  = sqrt(x^2 + 1)\n\
                derive x⁻¹ * x²\n  = x^2 / x\n\
                derive -x² + (x + y)²\n  = 2*x*y + y^2\n\
                derive max(x, y, z) - min(x, y, z)\n  = max(max(x, y), z) - min(min(x, y), z)\n\
                derive x³\n  = 3*x\n";
    let report = check_source("pasted.deriv", text.as_bytes(), &CheckOptions::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let verdicts: Vec<_> = report.derivations.iter().map(|d| d.steps[0].verdict).collect();
    use Verdict::{Proved, Wrong};
    assert_eq!(verdicts, [Proved, Proved, Proved, Proved, Proved, Wrong]);
    let formatted = format_source(text, Spelling::Canonical).expect("formats");
    assert!(formatted.contains("derive x^-1 * x^2\n") && formatted.contains("derive sqrt(x^2 + 1)\n"), "{formatted}");
}

/// A reserved name declared (`pi`, every policy-gradient sheet's name for the policy) is one
/// error: its uses said "unknown name `pi`, hint: declare it first, for example `var pi`" twelve
/// times, which the first error makes impossible (a student tester's F07).
#[test]
fn a_reserved_name_declared_is_one_error() {
    let found = errors(
        "index k in 1..K\nvar th[k]\nlet pi[k] = exp(th[k]) / sum(k, exp(th[k]))\n\
         derive diff(log(pi[1]), th[k])\n  = delta(k, 1) - pi[k]\n  = delta(1, k) - pi[k]\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!((found[0].0, found[0].1.as_str()), (3, "`pi` is a builtin constant"));
}

/// An entry declared at one label read at another (`z[c,t-1]` where only `z[c,t]` is declared):
/// most often the wrong time step; the hint says the model has no value there and names the one
/// it has (a student tester's F04 read "labels … must match a declaration exactly" as "this
/// notation is not supported").
#[test]
fn an_entry_read_at_a_label_it_is_not_declared_at_names_the_one_it_is() {
    assert_error(
        "index c in 1..D\nvar z[c,t], h[c,t-1]\nderive z[c,t-1] * h[c,t-1]\n  = 0\n",
        3,
        "no declared entry matches `z[c,t-1]`",
        "the model declares only `z[c,t]`, so `z[c,t-1]` has no value: was `z[c,t]` meant?",
    );
}

/// A file saved with carriage returns alone (an old Mac's line endings) is read line by line, as
/// one with line feeds or both (an adversarial tester's finding: "unexpected `d`", the lines shown
/// run together); an error in it has its line.
#[test]
fn carriage_returns_alone_end_lines() {
    for source in ["var x\rderive x*x\r  = x^2\r", "var x\r\nderive x*x\r\n  = x^2\r\n", "var x\rderive x*x\n  = x^2\r"]
    {
        let report = check_source("cr.deriv", source.as_bytes(), &CheckOptions::default());
        assert!(report.errors.is_empty(), "{source:?}: {:?}", report.errors);
        let verdicts: Vec<Verdict> =
            report.derivations.iter().flat_map(|d| d.steps.iter().map(|s| s.verdict)).collect();
        assert_eq!(verdicts, [Verdict::Proved], "{source:?}");
        assert_eq!(line_col(&report.source, report.derivations[0].steps[0].span.start).0, 3, "{source:?}");
    }
    assert_eq!(errors("var x\rderive x*\r  = x^2\r")[0].0, 2);
}

/// A stride written as a product in a subscript says how to write it (a student tester: the
/// hints never said that `i + i` is read).
#[test]
fn a_stride_in_a_subscript_says_how_to_write_it() {
    assert_error(
        "index i in 1..m, t in 1..n\nvar x[t]\nlet y[i] = x[2*i - 1]\n",
        3,
        "unexpected `*`, expected an index",
        "a stride `2*i` is written `i + i`",
    );
}

/// A shape of sums of sizes says how to declare the input instead (a tester: "expected a domain"
/// alone).
#[test]
fn a_shape_of_a_sum_of_sizes_says_how_to_declare_it() {
    assert_error(
        "index i in 1..n, k in 1..K\nvar X: n+K x d\n",
        2,
        "unexpected `+`, expected a comment, a domain such as `> 0` or end of line",
        "declare indices over them (`index j in 1..n+K, c in 1..d`)",
    );
}

/// A step line that cannot be read is reported, and the step after it is compared with the last
/// step read before it (it dropped its whole derivation: a student with one missing `*` saw no
/// verdict at all).
#[test]
fn a_step_that_cannot_be_read_leaves_the_other_steps_checked() {
    let source =
        "var x, y\nderive diff(x^2*y, x)\n  = 2x*y\n  = 2*x*y\n  = 3*y*x\nderive diff(x*y, y)\n  = xx\n  = x\n";
    let report = check_source("t.deriv", source.as_bytes(), &CheckOptions::default());
    assert_eq!(
        listed(source, &report.errors).iter().map(|(line, m, _)| (*line, m.as_str())).collect::<Vec<_>>(),
        [(3, "missing operator between two operands"), (7, "unknown name `xx`")]
    );
    let verdicts: Vec<Vec<(usize, Verdict)>> = report
        .derivations
        .iter()
        .map(|d| d.steps.iter().map(|s| (line_col(source, s.span.start).0, s.verdict)).collect())
        .collect();
    assert_eq!(verdicts, [vec![(4, Verdict::Proved), (5, Verdict::Wrong)], vec![(8, Verdict::Proved)]]);
    let first = &report.derivations[0].steps[0];
    let line_of = |o: usize| line_col(source, o).0;
    assert_eq!(first.compared_with(line_of), "the head");
    assert_eq!(first.unread_text(line_of).as_deref(), Some("line 3 has an error and was not read"));
    let second = &report.derivations[0].steps[1];
    assert_eq!((second.compared_with(line_of), second.unread_text(line_of)), ("the step before".to_string(), None));
}

/// What students write for powers around functions and derivatives, with the fix each needs (a
/// student: `tanh²(z)` was told to call `tanh` and to write `*`; `∂(w*x - y)^2/∂w` got no hint;
/// an adversarial tester: `∂u/∂x^2` was read as a power, silently, where `∂u/∂x²` is refused).
#[test]
fn powers_on_functions_and_derivatives_say_where_the_power_goes() {
    assert_error("var z\nderive tanh²(z)\n  = tanh(z)^2\n", 2, "missing operator", "`tanh(…)^2`");
    assert_error(
        "var w, x, y\nderive ∂(w*x - y)^2/∂w\n  = 2*(w*x - y)*x\n",
        2,
        "unexpected `)`",
        "`∂((w*x - y)^2)/∂w`, or write `diff((w*x - y)^2, w)`",
    );
    assert_error(
        "var u, x\nderive ∂u/∂x^2\n  = 0\n",
        2,
        "a power of a derivative, or a higher derivative?",
        "`(∂y/∂x)^2`",
    );
    // Parenthesised, or with `diff`, a power.
    assert!(errors("var u, x\nderive (∂u/∂x)^2 + diff(u, x)^2\n  = 0\n").is_empty());
}

/// A `≈` step off by a millionth or less (Adam's `ε = 1e-8` left out of `≈ 0.5 - 0.01`, the sheet's
/// numbers exact in it) says so, with what to write, which holds (a student got only "differs").
#[test]
fn an_approximate_step_off_by_a_negligible_term_says_so() {
    let source = "let w0 = 0.5, g1 = 0.2, lr = 0.01, b1 = 0.9, b2 = 0.999, ep = 0.00000001\nlet m1 = (1 - b1) * g1\nlet v1 = (1 - b2) * g1^2\nlet w1 = w0 - lr * (m1 / (1 - b1)) / (sqrt(v1 / (1 - b2)) + ep)\nderive w1\n  ≈ 0.5 - 0.01\nderive w1\n  ≈ 0.49\nderive w1\n  ≈ 0.5 - 0.02\n";
    let report = check_source("t.deriv", source.as_bytes(), &CheckOptions::default());
    let steps: Vec<&StepResult> = report.derivations.iter().map(|d| &d.steps[0]).collect();
    assert_eq!(steps.iter().map(|s| s.verdict).collect::<Vec<_>>(), [Verdict::Wrong, Verdict::Checked, Verdict::Wrong]);
    assert!(matches!(steps[0].cause, Some(Cause::Negligible { relative }) if relative > 0.0 && relative < 1e-8));
    // A real mistake is no negligible term, nor is a rounded number's last digit wrong (a
    // reviewer: `≈ 0.1234569` for 0.123456789 was told to round).
    assert!(!matches!(steps[2].cause, Some(Cause::Negligible { .. })));
    let source = "let a = 0.123456789\nderive a\n  ≈ 0.1234569\n";
    let report = check_source("t.deriv", source.as_bytes(), &CheckOptions::default());
    let step = &report.derivations[0].steps[0];
    assert!(step.verdict == Verdict::Wrong && step.cause.is_none(), "{:?}", step.cause);
}

/// A student's type words (a student tester, 6 December): `var x: real` declared a vector of
/// `real` entries without a word (its counterexample showed `element [1]`), and `var x in R` was
/// told "expected an index". The first warns, the second says how an input is declared.
#[test]
fn type_words_in_a_declaration_say_how_a_real_input_is_declared() {
    let found = warnings("var x: real\nderive x + x\n  = 2*x\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, 1);
    assert!(found[0].1.contains("`real` is read as a size"), "{found:#?}");
    assert!(found[0].2.contains("`var x`"), "{found:#?}");
    assert_eq!(warnings("var x: n\nderive x + x\n  = 2*x\n"), Vec::new());
    for domain in ["in R", "in ℝ", "in reals", "in R^n", "∈ R"] {
        assert_error(&format!("var x {domain}\n"), 1, "", "write `var x`");
    }
    let found = warnings("var W: n x real\nderive 1\n  = 1\n");
    assert!(found.len() == 1 && found[0].1.contains("a dimension of the array `W`"), "{found:#?}");
}

/// `spd` is a domain of a square matrix; the log of the determinant of a matrix of unrestricted
/// elements (undefined at about half the draws) is warned about, naming `spd` (a student's
/// covariance gradients were all `wrong`, "not defined for the same inputs").
#[test]
fn spd_is_for_square_matrices_and_named_beside_a_log_determinant() {
    assert_error("var S: n x m spd\nderive 1\n  = 1\n", 1, "domain of a square matrix", "`var S: n x n spd`");
    assert_error("var u spd\nderive 1\n  = 1\n", 1, "domain of a square matrix", "`var u: n x n spd`");
    assert_error("var v: 3 spd\nderive 1\n  = 1\n", 1, "domain of a square matrix", "`var v: n x n spd`");
    assert_warning(
        "var S: n x n > 0\nderive log(det(S))\n  = log(det(S))\n",
        1,
        "`det(S)` is negative at about half the draws",
        "`var S: n x n spd`",
    );
    assert_warning("var S: 2 x 2\nlet h = sqrt(det(S))\nderive h\n  = h\n", 1, "`det(S)`", "spd");
    assert_eq!(warnings("var S: 2 x 2 spd\nderive log(det(S))\n  = log(det(S))\n"), Vec::new());
    assert_eq!(warnings("var S: 3x3 spd, T: 03 x 3 spd\nderive det(S)\n  = det(S)\n"), Vec::new());
}

/// A matrix to the power -1 is its inverse (every text writes `A^{-1}`); of a matrix that is not
/// square it is an error naming the shape; `A^2` stays ambiguous, its hint naming the inverse's
/// spelling. Truth: A⁻¹u and inv(A)u are one expression.
#[test]
fn a_matrix_to_the_power_minus_one_is_its_inverse() {
    use gradproof::check::{CheckOptions, Verdict};
    let source = "var A: 3 x 3, u: 3\nderive A^(-1) * u\n  = inv(A) * u\n  = 2 * A^-1 * u\n";
    let report = gradproof::check_source("inv.deriv", source.as_bytes(), &CheckOptions::default());
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let got: Vec<Verdict> = report.derivations[0].steps.iter().map(|s| s.verdict).collect();
    assert_eq!(got, [Verdict::Checked, Verdict::Wrong]);
    let report = gradproof::check_source("w.deriv", b"var W: 2 x 3\nderive W^(-1)\n  = W\n", &CheckOptions::default());
    assert!(
        report.errors.iter().any(|e| e.message.contains("only a square matrix has an inverse")),
        "{:?}",
        report.errors
    );
    let report = gradproof::check_source("a2.deriv", b"var A: 3 x 3\nderive A^2\n  = A\n", &CheckOptions::default());
    assert!(report.errors.iter().any(|e| e.hints.iter().any(|h| h.contains("`A^(-1)`"))), "{:?}", report.errors);
}

/// An unknown name written with subscripts is told the family it may mean, never an index (a TA's
/// student wrote `xs[i+b-1]` for `x[…]` and was asked "did you mean `s`?", an index).
#[test]
fn a_subscripted_typo_is_told_a_family() {
    use gradproof::check::CheckOptions;
    let source = "index i in 1..n, q in 1..n, s in 1..R\nvar x[q]\nderive x[i]\n  = xs[i]\n";
    let report = gradproof::check_source("typo.deriv", source.as_bytes(), &CheckOptions::default());
    let hints: Vec<&String> = report.errors.iter().flat_map(|e| &e.hints).collect();
    assert!(hints.iter().any(|h| h.contains("did you mean `x`?")), "{hints:?}");
}

/// An element of an expression (`inv(A)[1,2]`) and a sum that starts at an index (a triangular
/// sum) are told what to write instead (an adversarial tester got a bare parser error and "`i`
/// is not a size"); the workaround the hint gives checks.
#[test]
fn elements_of_expressions_and_triangular_sums_say_what_to_write() {
    assert_error("var A: 2x2\nderive inv(A)[1,2]\n  = -A[1,2]/det(A)\n", 2, "unexpected `[`", "let B = inv(A)");
    let model = "index i in 1..n, j in 1..n\nvar y[i]\n";
    assert_error(
        &format!("{model}derive sum(i, sum(j in i..n, y[j]))\n  = sum(j, j*y[j])\n"),
        3,
        "`i` is an index",
        "step(j - i + 1/2)",
    );
    let report = check_source(
        "test.deriv",
        format!("{model}derive sum(i, sum(j, step(j - i + 1/2) * y[j]))\n  = sum(j, j*y[j])\n").as_bytes(),
        &CheckOptions::default(),
    );
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(matches!(report.derivations[0].steps[0].verdict, Verdict::Proved | Verdict::Checked));
}
