//! The only place that knows about colour, JSON and text layout.

mod grade;
mod human;
mod json;
mod latex;

pub use grade::{
    grade_schemas, render_batch_csv, render_batch_human, render_batch_json, render_grades_csv, render_grades_human,
    render_grades_json, render_gradescope, render_prairielearn, render_record_gradescope, BatchInfo, GradeRecord,
};
pub use human::{render_diagnostics, render_human, HumanOptions};
pub use json::{file_json, render_json};
pub use latex::{render_math, RenderFormat};

use crate::check::Verdict;
pub use crate::source::FileReport;

/// Step counts over a set of reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// All steps.
    pub steps: usize,
    /// Steps `proved`.
    pub proved: usize,
    /// Steps `checked`.
    pub checked: usize,
    /// Steps `wrong`.
    pub wrong: usize,
    /// Steps `undetermined`.
    pub undetermined: usize,
    /// Files with at least one error.
    pub files_with_errors: usize,
}

impl Summary {
    /// Counts the steps and errors of the reports.
    pub fn of(reports: &[FileReport]) -> Summary {
        let mut s = Summary::default();
        for r in reports {
            if !r.errors.is_empty() {
                s.files_with_errors += 1;
            }
            for step in r.derivations.iter().flat_map(|d| &d.steps) {
                s.steps += 1;
                match step.verdict {
                    Verdict::Proved => s.proved += 1,
                    Verdict::Checked => s.checked += 1,
                    Verdict::Wrong => s.wrong += 1,
                    Verdict::Undetermined => s.undetermined += 1,
                }
            }
        }
        s
    }

    /// The exit status of `cli.md`: 2 for an input error, 1 for a wrong or undetermined step, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.files_with_errors > 0 {
            2
        } else if self.wrong + self.undetermined > 0 {
            1
        } else {
            0
        }
    }
}
