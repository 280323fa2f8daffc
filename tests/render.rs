//! `gradproof render`: every file of the corpus renders to LaTeX and Markdown; where `pdflatex`
//! is installed, a few rendered files are compiled (`docs/render-check.sh` compiles them all).

use gradproof::check::{check_model, CheckOptions};
use gradproof::model::resolve;
use gradproof::report::{render_math, RenderFormat};
use gradproof::syntax::parse_file;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["derivations", "tests/egg_math", "../shared/examples"] {
        for entry in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name().into_iter().flatten() {
            if entry.path().extension().is_some_and(|x| x == "deriv") {
                files.push(entry.into_path());
            }
        }
    }
    files
}

fn render(path: &Path, format: RenderFormat, verdicts: bool) -> Option<String> {
    let source = std::fs::read_to_string(path).unwrap();
    let (file, errors) = parse_file(&source);
    let (model, resolve_errors) = resolve(&file);
    if !errors.is_empty() || !resolve_errors.is_empty() {
        return None;
    }
    let results = verdicts.then(|| check_model(&model, &CheckOptions::default()));
    Some(render_math(&file, results.as_deref(), format))
}

#[test]
fn every_corpus_file_renders() {
    let mut rendered = 0;
    for path in corpus() {
        let Some(latex) = render(&path, RenderFormat::Latex, false) else { continue };
        rendered += 1;
        let name = path.display();
        assert_eq!(latex.matches("\\begin{align*}").count(), latex.matches("\\end{align*}").count(), "{name}");
        assert_eq!(latex.matches("\\left(").count(), latex.matches("\\right)").count(), "{name}");
        assert_eq!(
            latex.matches('{').count(),
            latex.matches('}').count() + latex.matches("\\}").count() - latex.matches("\\{").count(),
            "{name}: unbalanced braces"
        );
        assert!(latex.is_ascii(), "{name}: pdflatex wants ASCII here");
        let markdown = render(&path, RenderFormat::Markdown, false).unwrap();
        assert_eq!(markdown.matches("$$").count() % 2, 0, "{name}");
    }
    assert!(rendered >= 40, "only {rendered} files rendered");
}

#[test]
fn render_marks_each_step_with_its_verdict() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("derivations/lstm_forget_gate.deriv");
    let latex = render(&path, RenderFormat::Latex, true).unwrap();
    assert!(latex.contains("\\frac{\\partial E}{\\partial y_{\\phi,t}}"), "{latex}");
    assert!(latex.contains("\\sum_{c=1}^{D}"), "{latex}");
    assert!(latex.contains("\\quad \\checkmark"), "{latex}");
    assert!(latex.contains("\\quad \\times"), "{latex}");
    assert!(!latex.contains("expect:"), "test annotations are left out");
    insta::assert_snapshot!("lstm_forget_gate_markdown", render(&path, RenderFormat::Markdown, true).unwrap());
}

#[test]
fn rendered_latex_compiles_where_pdflatex_is_installed() {
    if Command::new("pdflatex").arg("--version").output().is_err() {
        eprintln!("pdflatex is not installed; docs/render-check.sh compiles the corpus where it is");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("gradproof-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["lstm_forget_gate", "softmax_ce_matrix", "sparse_autoencoder", "matrix_cookbook"] {
        let latex = render(&root.join(format!("derivations/{name}.deriv")), RenderFormat::Latex, true).unwrap();
        std::fs::write(dir.join(format!("{name}.tex")), latex).unwrap();
        let status = Command::new("pdflatex")
            .args(["-interaction=nonstopmode", "-halt-on-error", &format!("{name}.tex")])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(status.status.success(), "{name}.tex does not compile:\n{}", String::from_utf8_lossy(&status.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
