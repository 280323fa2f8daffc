//! The built binary: exit codes, stdout and stderr, snapshotted.

use std::io::Write;
use std::process::{Child, Command, Stdio};

/// The binary started in the project's folder, its three streams piped.
fn spawn(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_gradproof"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> String {
    let mut child = spawn(args);
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().map_or("signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn good_file_exits_0() {
    insta::assert_snapshot!(run(&["check", "tests/data/good.deriv"], None));
}

#[test]
fn wrong_step_exits_1_with_a_counterexample() {
    insta::assert_snapshot!(run(&["check", "tests/data/wrong.deriv"], None));
}

#[test]
fn bad_file_exits_2_and_the_others_are_still_checked() {
    insta::assert_snapshot!(run(
        &["check", "tests/data/bad.deriv", "tests/data/good.deriv", "tests/data/wrong.deriv"],
        None
    ));
}

#[test]
fn explain_shows_how_steps_are_proved() {
    insta::assert_snapshot!(run(&["check", "--explain", "tests/data/explain.deriv"], None));
}

#[test]
fn json_format() {
    insta::assert_snapshot!(run(&["check", "--format", "json", "tests/data/wrong.deriv"], None));
}

/// A warning (a head that is identically 0 by the declarations) is shown on stderr with its line
/// and hint, counted under the file and listed in the JSON report's `warnings`; it changes no
/// verdict and no exit status: every step of this file is proved, so the status is 0.
#[test]
fn a_warning_is_shown_in_both_formats_and_changes_no_verdict_or_exit_status() {
    let source: &[u8] = b"var E, y_in[t]\nderive diff(E, y_in[t])\n  = 42 * diff(E, y_in[t])\n";
    let human = run(&["check", "-"], Some(source));
    assert!(human.starts_with("exit: 0\n"), "{human}");
    let json = run(&["check", "--format", "json", "-"], Some(source));
    assert!(json.starts_with("exit: 0\n"), "{json}");
    insta::assert_snapshot!(format!("{human}\n{json}"));
}

#[test]
fn standard_input() {
    insta::assert_snapshot!(run(&["check", "-"], Some(b"var x\nderive x + x\n  = 2*x\n")));
}

#[test]
fn missing_file_exits_2() {
    insta::assert_snapshot!(run(&["check", "tests/data/no_such_file.deriv"], None));
}

#[test]
fn bad_command_line_exits_2() {
    let out = run(&["check", "--no-such-flag", "x.deriv"], None);
    assert!(out.starts_with("exit: 2\n"), "{out}");
}

#[test]
fn file_safety_net_in_time_leaves_steps_undetermined_and_says_so() {
    let out = run(&["check", "--file-timeout-ms", "0", "-"], Some(b"var x\nderive x + x\n  = 2*x\n"));
    assert!(out.starts_with("exit: 1\n"), "{out}");
    assert!(
        out.contains(
            "reached the safety limit of 0 ms, which depends on the machine (raise it with --file-timeout-ms)"
        ),
        "{out}"
    );
}

#[test]
fn file_budget_of_work_leaves_steps_undetermined_and_names_the_option() {
    let out = run(&["check", "--file-work", "10", "-"], Some(b"var x\nderive x + x\n  = 2*x\n"));
    assert!(out.starts_with("exit: 1\n"), "{out}");
    assert!(out.contains("needs more than its budget of 10 units of work (raise it with --file-work)"), "{out}");
}

#[test]
fn a_reader_that_goes_away_ends_the_output_quietly() {
    // `gradproof check derivations | head -1`: a report larger than a pipe holds (64 KiB), and
    // the reading end closed at once. The report is dropped without a panic (exit 101 before) and
    // the status is that of the check: 1, as one step is wrong.
    let mut input = String::from("var x\nderive x\n  = x + 1\n");
    for k in 0..3000 {
        input.push_str(&format!("derive x + {k}\n  = {k} + x\n"));
    }
    let mut child = spawn(&["check", "-"]);
    drop(child.stdout.take());
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn too_many_samples_are_refused() {
    let out = run(&["check", "--samples", "1000000000", "tests/data/good.deriv"], None);
    assert!(out.starts_with("exit: 2\n"), "{out}");
    assert!(out.contains("1000000000 is not in 1..=1000"), "{out}");
}

#[test]
fn derive_writes_a_proved_derivation() {
    insta::assert_snapshot!(run(
        &["derive", "examples/tour.deriv", "--goal", "∂E/∂net_phi[t]", "--name", "forget-gate delta"],
        None
    ));
}

#[test]
fn derive_of_a_bad_goal_exits_2() {
    insta::assert_snapshot!(run(&["derive", "examples/tour.deriv", "--goal", "∂E/∂zeta_x[t]"], None));
}

#[test]
fn derive_of_what_it_cannot_differentiate_exits_1() {
    let out = run(&["derive", "-", "--goal", "diff(P, x)"], Some(b"var x\nlet P = prod(k in 1..3, x + k)\n"));
    assert!(out.starts_with("exit: 1\n") && out.contains("prod"), "{out}");
}

#[test]
fn derive_of_an_answer_left_with_a_derivative_exits_1() {
    // The prover stops at `∂L/∂z1 * xᵀ` (docs/derive.md: no derivative of a defined node is left).
    let out = run(&["derive", "tests/derive/mlp_tanh_matrix.deriv", "--goal", "diff(L, W1)"], None);
    assert!(out.starts_with("exit: 1\n--- stdout\n--- stderr\nerror: cannot derive: `diff(L, W1)`: "), "{out}");
    assert!(out.contains("still holds `∂L/∂z1`"), "{out}");
}

#[test]
fn derive_of_a_model_with_a_shape_error_exits_2_with_it() {
    insta::assert_snapshot!(run(
        &["derive", "-", "--goal", "diff(L, W)"],
        Some(b"var W: 2 x 3, x: 2\nlet h = W * x\nlet L = dot(h, h)\n")
    ));
}

#[test]
fn derive_writes_the_goals_it_derived_and_reports_the_others() {
    // One goal derived, one it cannot differentiate (exit 1), one with an unknown name (exit 2):
    // the first is written, the others reported, and the status is the worst.
    insta::assert_snapshot!(run(
        &["derive", "-", "--goal", "diff(L, w)", "--goal", "diff(max(w, b), w)", "--goal", "diff(Lq, w)"],
        Some(b"var x, w, b\nlet L = (w * x + b)^2\n")
    ));
    let out =
        run(&["derive", "-", "--goal", "diff(max(w, b), w)", "--goal", "diff(L, w)"], Some(b"var w, b\nlet L = w^2\n"));
    assert!(out.starts_with("exit: 1\n--- stdout\nvar w, b\n"), "{out}");
    assert!(out.contains("∂L/∂w\n  = 2 * w") && out.contains("cannot derive: `diff(max(w, b), w)`"), "{out}");
}

#[test]
fn derive_renders_markdown() {
    insta::assert_snapshot!(run(
        &["derive", "examples/tour.deriv", "--goal", "∂E/∂net_phi[t]", "--format", "markdown"],
        None
    ));
}

#[test]
fn fmt_prints_the_canonical_form() {
    insta::assert_snapshot!(run(
        &["fmt", "-"],
        Some("var  x,y\nderive (x*y)/((x))+ -x   # note\n  ≈ x·y\n".as_bytes())
    ));
}

#[test]
fn fmt_ascii_and_check() {
    insta::assert_snapshot!(run(&["fmt", "--ascii", "-"], Some("var ζ\nderive ∂(σ(ζ))/∂ζ\n  = σ'(ζ)\n".as_bytes())));
    let out = run(&["fmt", "--check", "tests/data/good.deriv"], None);
    assert!(out.starts_with("exit: 0\n") || out.starts_with("exit: 1\n"), "{out}");
}

#[test]
fn render_latex_with_verdicts() {
    insta::assert_snapshot!(run(&["render", "tests/data/wrong.deriv", "--to", "latex", "--verdicts"], None));
}

/// A step undefined at a negative input of no declared domain is told that the input may be
/// declared positive (`diff(log(x), x) = 1/x` for `var x` was `wrong` with no word of the domain:
/// a student). Truth: log x is undefined for x < 0, where 1/x is defined.
#[test]
fn a_domain_mismatch_at_a_negative_input_hints_at_its_declaration() {
    let text = run(&["check", "-"], Some(b"var x\nderive diff(log(x), x)\n  = 1/x\n"));
    assert!(text.contains("hint: as declared, `x` may be negative") && text.contains("`var x > 0`"), "{text}");
}
