//! Command-line arguments (clap structs only).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Checks derivations in deep-learning courses step by step.
#[derive(Debug, Parser)]
#[command(name = "gradproof", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every step of every derivation in the files.
    Check(CheckArgs),
    /// Grade submissions against a reference solution: points, feedback per step, LMS files.
    Grade(GradeArgs),
    /// Write a reference derivation of a goal from a file's model, proved step by step.
    Derive(DeriveArgs),
    /// Print a file in canonical form.
    Fmt(FmtArgs),
    /// Render a file's derivations as LaTeX or Markdown.
    Render(RenderArgs),
    /// Serve the playground: a page that checks a derivation as you type, and its JSON API.
    Serve(ServeArgs),
    /// Join the JSON Lines of `grade --format jsonl` (the shards of a job array) into the output an
    /// unsharded `grade` writes.
    Merge(MergeArgs),
}

/// Arguments of `gradproof check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files or directories (walked for *.deriv); `-` reads standard input. With `--model`,
    /// answers in LaTeX (`.tex`), Markdown (`.md`) or Jupyter notebooks (`.ipynb`).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The model (a `.deriv` file whose declarations name everything) for answers written in
    /// LaTeX, Markdown or notebooks; see docs/latex.md.
    #[arg(long, value_name = "MODEL.deriv")]
    pub model: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Seed of the numeric sampling (the default is fixed, so runs are reproducible).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Numeric samples per size instance and index assignment.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub samples: u64,
    /// For proved steps, print the chain of rewrite rules that proves them.
    #[arg(long)]
    pub explain: bool,
    /// Do not search a repair for wrong steps (the search changes no verdict; it costs time).
    #[arg(long)]
    pub no_repair: bool,
    /// Numeric checking only.
    #[arg(long, conflicts_with = "no_numeric")]
    pub no_prove: bool,
    /// Symbolic checking only: a step is then `proved` or `undetermined`.
    #[arg(long)]
    pub no_numeric: bool,
    /// The prover's budget of work per expression (past it, the numbers decide).
    #[arg(long, value_name = "UNITS", default_value_t = crate::check::DEFAULT_PROVE_WORK)]
    pub prove_work: u64,
    /// The prover's safety net in time per expression, in milliseconds: far above normal use;
    /// the budget of work decides.
    #[arg(long, default_value_t = crate::check::DEFAULT_PROVE_TIMEOUT.as_millis() as u64)]
    pub timeout_ms: u64,
    /// The budget of work for checking one file (past it, the steps not yet decided are
    /// `undetermined`).
    #[arg(long, value_name = "UNITS", default_value_t = crate::check::DEFAULT_FILE_WORK)]
    pub file_work: u64,
    /// The safety net in time for checking one file, in milliseconds: far above normal use; the
    /// budget of work decides.
    #[arg(long, default_value_t = crate::check::DEFAULT_FILE_TIMEOUT.as_millis() as u64)]
    pub file_timeout_ms: u64,
    /// Threads to check on: files at once, and a file's derivations at once (0, the default: one
    /// per core; 1: one after another). The report is the same at every number.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1024))]
    pub jobs: u64,
}

/// Arguments of `gradproof grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// Submissions: files or directories (walked for *.deriv).
    #[arg(required_unless_present = "template")]
    pub paths: Vec<PathBuf>,
    /// The reference solution (`derive "name" worth N HEAD`, an optional `grading` line).
    #[arg(long, value_name = "REF", required_unless_present = "template")]
    pub reference: Option<PathBuf>,
    /// Print the student's template of a reference (its model and derivation heads) and stop.
    #[arg(long, value_name = "REF", conflicts_with_all = ["paths", "reference"])]
    pub template: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: GradeFormat,
    /// Where `--format gradescope` writes one `NAME/results.json` per submission.
    #[arg(long, value_name = "DIR", conflicts_with = "results")]
    pub out: Option<PathBuf>,
    /// One submission (the one `*.deriv` file among the paths): write its `--format gradescope`
    /// or `prairielearn` results at FILE, such as `/autograder/results/results.json`.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Show the reference's next step under a wrong step.
    #[arg(long)]
    pub hints: bool,
    /// Safety net in time per submission, in seconds: far above normal use (the budgets of work
    /// decide); past it, the submission gets 0 and is left to a person.
    #[arg(long, default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout_s: u64,
    /// Seed of the numeric sampling (the default is fixed, so runs are reproducible).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Numeric samples per size instance and index assignment.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub samples: u64,
    /// The prover's budget of work per expression (past it, the numbers decide).
    #[arg(long, value_name = "UNITS", default_value_t = crate::check::DEFAULT_PROVE_WORK)]
    pub prove_work: u64,
    /// The prover's safety net in time per expression, in milliseconds.
    #[arg(long, default_value_t = crate::check::DEFAULT_PROVE_TIMEOUT.as_millis() as u64)]
    pub timeout_ms: u64,
    /// The budget of work for checking one file (the reference, or a submission).
    #[arg(long, value_name = "UNITS", default_value_t = crate::check::DEFAULT_FILE_WORK)]
    pub file_work: u64,
    /// Grade only the submissions of shard K of N (K from 0 to N-1), chosen by a hash of each
    /// submission's path under its directory; `auto/N` takes K from `JOB_COMPLETION_INDEX`
    /// (Kubernetes) or `SLURM_ARRAY_TASK_ID` (SLURM). See docs/scale.md.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<ShardSpec>,
    /// With `--format jsonl`: write the lines to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With `--output FILE`: keep the submissions FILE already has (a killed run's) and grade the
    /// rest, appending; a missing FILE starts afresh.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Submissions graded at once (0, the default: one per core). The grades are the same at
    /// every number.
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1024))]
    pub jobs: u64,
}

/// Which part of a batch one run grades: shard `index` of `count`, or the index from the
/// environment of a job array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSpec {
    /// `K/N`: shard K (from 0) of N.
    Fixed {
        /// K, from 0 to N-1.
        index: u64,
        /// N, at least 1.
        count: u64,
    },
    /// `auto/N`: K from `JOB_COMPLETION_INDEX` or `SLURM_ARRAY_TASK_ID`.
    Auto {
        /// N, at least 1.
        count: u64,
    },
}

impl std::str::FromStr for ShardSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardSpec, String> {
        let usage = "expected K/N with 0 <= K < N (shards are numbered from 0), or auto/N";
        let (k, n) = text.split_once('/').ok_or_else(|| usage.to_string())?;
        let count: u64 = n.trim().parse().map_err(|_| format!("`{n}` is not a number of shards; {usage}"))?;
        if count == 0 {
            return Err(format!("there must be at least one shard; {usage}"));
        }
        if k.trim() == "auto" {
            return Ok(ShardSpec::Auto { count });
        }
        let index: u64 = k.trim().parse().map_err(|_| format!("`{k}` is not a shard number; {usage}"))?;
        if index >= count {
            return Err(format!("shard {index} of {count} does not exist; {usage}"));
        }
        Ok(ShardSpec::Fixed { index, count })
    }
}

/// Arguments of `gradproof merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The JSON Lines files of `grade --format jsonl`, one per shard, in any order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Output format: as `grade`'s (without colour).
    #[arg(long, value_enum, default_value = "human")]
    pub format: MergeFormat,
    /// Where `--format gradescope` writes one `NAME/results.json` per submission.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// The output formats of `merge`: those of a batch of `grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MergeFormat {
    /// Feedback per submission and a summary table, for people.
    Human,
    /// One JSON document with every submission, derivation and step.
    Json,
    /// One row per submission.
    Csv,
    /// A Gradescope `results.json` per submission, written into `--out DIR`.
    Gradescope,
}

/// Arguments of `gradproof fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// The file (or, with `--write` or `--check`, files and directories); `-` reads standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// ASCII only: `sigmoid`, `delta`, `.*`, `^T`, `~=`, `diff(…)`, Greek letters spelled out.
    #[arg(long)]
    pub ascii: bool,
    /// Rewrite the files in place.
    #[arg(long, conflicts_with = "check")]
    pub write: bool,
    /// Print the files that are not in canonical form, and exit with 1 if there are any.
    #[arg(long)]
    pub check: bool,
}

/// Arguments of `gradproof render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The file; `-` reads standard input.
    pub path: PathBuf,
    /// The output format.
    #[arg(long, value_enum)]
    pub to: RenderTo,
    /// Check the file and mark each step: ✓ proved, (✓) checked, ✗ wrong, ? undetermined.
    #[arg(long)]
    pub verdicts: bool,
}

/// Arguments of `gradproof serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = 8421)]
    pub port: u16,
    /// The address to listen on: loopback by default; `0.0.0.0` serves a class on the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Checks that may run at once; a request past it is refused with a message to try again.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub max_checks: u64,
    /// The budget of work for checking one text (past it, the steps not yet decided are
    /// `undetermined`).
    #[arg(long, value_name = "UNITS", default_value_t = crate::check::DEFAULT_FILE_WORK)]
    pub file_work: u64,
    /// The safety net in time for checking one text, in milliseconds: far above normal use, as for
    /// `check` (the budget of work decides, so the page shows what `check` shows).
    #[arg(long, default_value_t = crate::check::DEFAULT_FILE_TIMEOUT.as_millis() as u64)]
    pub file_timeout_ms: u64,
}

/// Arguments of `gradproof derive`.
#[derive(Debug, clap::Args)]
pub struct DeriveArgs {
    /// The file whose model is used; `-` reads standard input.
    pub path: PathBuf,
    /// What to derive, such as `∂E/∂net_phi[t]` or `diff(L, W[j,k])`; repeat for several
    /// derivations in one file.
    #[arg(long, required = true)]
    pub goal: Vec<String>,
    /// The derivation's name (default: the goal); repeat to name each goal in order.
    #[arg(long)]
    pub name: Vec<String>,
    /// The output: a `.deriv` file (the model and the derivation), or its rendering.
    #[arg(long, value_enum, default_value = "deriv")]
    pub format: DeriveFormat,
    /// The prover's budget of work per expression.
    #[arg(long, value_name = "UNITS", default_value_t = crate::check::DEFAULT_PROVE_WORK)]
    pub prove_work: u64,
    /// The prover's safety net in time per expression, in milliseconds.
    #[arg(long, default_value_t = crate::check::DEFAULT_PROVE_TIMEOUT.as_millis() as u64)]
    pub timeout_ms: u64,
}

/// The output formats of `derive`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DeriveFormat {
    /// A `.deriv` file that `check` proves.
    Deriv,
    /// A LaTeX document (as `render --to latex`).
    Latex,
    /// Markdown (as `render --to markdown`).
    Markdown,
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// The JSON report of `cli.md`.
    Json,
}

/// The output formats of `grade`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GradeFormat {
    /// Feedback per submission and a summary table, for people.
    Human,
    /// One JSON document with every submission, derivation and step.
    Json,
    /// One row per submission: path, score, max_score, one column per derivation.
    Csv,
    /// A Gradescope `results.json` per submission, written into `--out DIR`; or, with
    /// `--results FILE`, one submission's.
    Gradescope,
    /// PrairieLearn's external-grader `results.json` of one submission, written at `--results
    /// FILE` (or to standard output).
    Prairielearn,
    /// One JSON object per line and submission, written as each is graded (for a shard of a job
    /// array, and for `gradproof merge`).
    Jsonl,
}

/// The output formats of `render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RenderTo {
    /// A LaTeX document (article, amsmath, amssymb) with one `align*` per derivation.
    Latex,
    /// Markdown with one `$$\begin{aligned}…\end{aligned}$$` block per derivation.
    Markdown,
}
