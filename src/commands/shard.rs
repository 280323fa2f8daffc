//! Batches that are split and joined again (docs/scale.md): which shard of a job array grades a
//! submission, the JSON Lines file of `grade --format jsonl` (a header line, then one record per
//! submission), reading such a file back for `--resume` and for `gradproof merge`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cli::{GradeArgs, ShardSpec};
use crate::report::{BatchInfo, GradeRecord};

/// The version of the JSON Lines file, its header's `gradproof_grades`.
pub const JSONL_VERSION: u32 = 1;

/// Shard `index` of `count` (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// K, from 0 to N-1.
    pub index: u64,
    /// N.
    pub count: u64,
}

impl Shard {
    /// The whole batch: shard 0 of 1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether the submission of this identity ([`identity`]) is in this shard.
    pub fn includes(self, identity: &str) -> bool {
        shard_of(identity, self.count) == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard a `--shard` option names; `auto/N` reads the index from `env`: a Kubernetes Indexed
/// Job's `JOB_COMPLETION_INDEX` (from 0), else a SLURM job array's `SLURM_ARRAY_TASK_ID` less
/// `SLURM_ARRAY_TASK_MIN` (so an array declared `--array=1-N` or `--array=0-(N-1)` both give 0 to
/// N-1; a step other than 1 is refused).
pub fn resolve(spec: Option<ShardSpec>, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
    let count = match spec {
        None => return Ok(Shard::ALL),
        Some(ShardSpec::Fixed { index, count }) => return Ok(Shard { index, count }),
        Some(ShardSpec::Auto { count }) => count,
    };
    let number = |name: &str| -> Result<Option<u64>, String> {
        match env(name) {
            None => Ok(None),
            Some(text) => text
                .trim()
                .parse::<u64>()
                .map(Some)
                .map_err(|_| format!("`--shard auto/{count}`: {name}={text} is not a whole number")),
        }
    };
    let (index, from) = if let Some(k) = number("JOB_COMPLETION_INDEX")? {
        (k, format!("JOB_COMPLETION_INDEX={k}"))
    } else if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        if let Some(step) = number("SLURM_ARRAY_TASK_STEP")? {
            if step != 1 {
                return Err(format!(
                    "`--shard auto/{count}`: the SLURM array has a step of {step} (SLURM_ARRAY_TASK_STEP); declare it \
                     without one, such as `--array=0-{}`",
                    count - 1
                ));
            }
        }
        let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let Some(k) = id.checked_sub(min) else {
            return Err(format!(
                "`--shard auto/{count}`: SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}"
            ));
        };
        (k, format!("SLURM_ARRAY_TASK_ID={id} less SLURM_ARRAY_TASK_MIN={min}"))
    } else {
        return Err(format!(
            "`--shard auto/{count}` reads the shard from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) or \
             SLURM_ARRAY_TASK_ID (a SLURM job array), and neither is set; give the shard as `--shard K/{count}`"
        ));
    };
    if index >= count {
        return Err(format!(
            "`--shard auto/{count}`: {from} gives shard {index}, but shards are numbered 0 to {}: is the array \
             declared with {count} tasks?",
            count - 1
        ));
    }
    Ok(Shard { index, count })
}

/// What a submission is called wherever the batch runs: its path under the directory argument it
/// was found in, with `/` between the parts (`alice/answer.tex` of `submissions/`), or a file
/// argument's name (`answer.deriv` of `submissions/answer.deriv`; `<stdin>` for `-`). It does not
/// depend on where the directory is, on the order of the walk, nor on the machine.
pub fn identity(argument: &Path, path: &Path) -> String {
    if argument.as_os_str() == "-" {
        return "<stdin>".to_string();
    }
    if let Ok(under) = path.strip_prefix(argument) {
        let parts: Vec<String> = under.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        if !parts.is_empty() {
            return parts.join("/");
        }
    }
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The shard of a submission among `count`: the first 8 bytes of the SHA-256 of its identity, as a
/// big-endian number, modulo `count`.
pub fn shard_of(identity: &str, count: u64) -> u64 {
    let digest = Sha256::digest(identity.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first) % count.max(1)
}

/// The options of a run that change its grades, besides the seed (in [`BatchInfo`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `--samples`.
    pub samples: u64,
    /// `--prove-work`.
    pub prove_work: u64,
    /// `--timeout-ms`.
    pub timeout_ms: u64,
    /// `--file-work`.
    pub file_work: u64,
    /// `--timeout-s`.
    pub timeout_s: u64,
    /// `--hints`.
    pub hints: bool,
}

impl Settings {
    /// The settings of a `grade` command line.
    pub fn of(args: &GradeArgs) -> Settings {
        Settings {
            samples: args.samples,
            prove_work: args.prove_work,
            timeout_ms: args.timeout_ms,
            file_work: args.file_work,
            timeout_s: args.timeout_s,
            hints: args.hints,
        }
    }
}

/// The first line of a JSON Lines file: what was graded, with what, and which shard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The version of this file's format.
    pub gradproof_grades: u32,
    /// Which shard of the batch the file has.
    pub shard: Shard,
    /// The submissions of the whole batch (every shard).
    pub submissions: usize,
    /// The submissions of this shard: the records the file has when the run is complete.
    pub in_shard: usize,
    /// The reference and provenance.
    pub batch: BatchInfo,
    /// The options that change the grades.
    pub settings: Settings,
}

impl Header {
    /// The header as one line, with its line break.
    pub fn line(&self) -> String {
        let mut text = serde_json::to_string(self).expect("a header serialises");
        text.push('\n');
        text
    }

    /// What differs between two headers of one batch (the shard aside), in words; `None` when
    /// they are of the same batch.
    pub fn differs(&self, other: &Header) -> Option<&'static str> {
        if self.gradproof_grades != other.gradproof_grades || self.batch.gradproof != other.batch.gradproof {
            Some("the version of gradproof")
        } else if self.batch.seed != other.batch.seed || self.settings != other.settings {
            Some("the seed or the options")
        } else if self.batch != other.batch {
            Some("the reference")
        } else if self.shard.count != other.shard.count {
            Some("the number of shards")
        } else if self.submissions != other.submissions {
            Some("the number of submissions")
        } else {
            None
        }
    }
}

/// A JSON Lines file read back: its header (none when the file is empty or its first line is
/// torn), its records, and how many of its bytes are whole lines.
#[derive(Debug)]
pub struct Jsonl {
    /// The first line.
    pub header: Option<Header>,
    /// The records of the whole lines after it.
    pub records: Vec<GradeRecord>,
    /// The length of the header and the whole lines: a torn last line (a run killed while it
    /// wrote) starts there.
    pub whole: u64,
    /// Whether the file ends in a torn line, which is left out.
    pub torn: bool,
}

/// Reads a file of `grade --format jsonl`. A last line without its line break is torn and left
/// out; any other line that is not a record is an error, with its line number.
pub fn read_jsonl(path: &Path) -> Result<Jsonl, String> {
    let name = path.display();
    let text = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let text = String::from_utf8_lossy(&text);
    let mut out = Jsonl { header: None, records: Vec::new(), whole: 0, torn: false };
    let mut rest: &str = &text;
    let mut number = 0;
    while !rest.is_empty() {
        number += 1;
        let Some(end) = rest.find('\n') else {
            out.torn = true;
            break;
        };
        let line = &rest[..end];
        if number == 1 {
            let header: Header = serde_json::from_str(line)
                .map_err(|e| format!("{name}:1: not the first line of `gradproof grade --format jsonl` ({e})"))?;
            if header.gradproof_grades != JSONL_VERSION {
                return Err(format!(
                    "{name}: written in version {} of the JSON Lines of grades; this gradproof reads version \
                     {JSONL_VERSION}",
                    header.gradproof_grades
                ));
            }
            out.header = Some(header);
        } else {
            let record: GradeRecord = serde_json::from_str(line)
                .map_err(|e| format!("{name}:{number}: not a line of `gradproof grade --format jsonl` ({e})"))?;
            out.records.push(record);
        }
        out.whole += end as u64 + 1;
        rest = &rest[end + 1..];
    }
    Ok(out)
}

/// Where a resumed run stands: the records the file already has.
pub struct Resumed {
    /// The records kept, in the file's order.
    pub records: Vec<GradeRecord>,
}

/// Opens `path` to resume a run with `header` over the submissions `expected` (their indices and
/// paths): a missing or empty file is started with the header; an existing one must have been
/// written by the same run, its torn last line is cut off, and its records are kept. Returns the
/// file, positioned at its end, and the records kept.
pub fn resume(
    path: &Path,
    header: &Header,
    expected: &std::collections::HashMap<usize, &str>,
) -> Result<(std::fs::File, Resumed), String> {
    let name = path.display();
    let exists = path.metadata().is_ok_and(|m| m.len() > 0);
    if !exists {
        return Ok((create(path, header)?, Resumed { records: Vec::new() }));
    }
    let file = read_jsonl(path)?;
    let Some(found) = &file.header else {
        // Killed while it wrote its first line: nothing of it is kept.
        return Ok((create(path, header)?, Resumed { records: Vec::new() }));
    };
    if found.shard != header.shard && found.differs(header).is_none() {
        return Err(format!(
            "{name} has shard {} and this run is shard {}: give each shard a file of its own",
            found.shard, header.shard
        ));
    }
    if let Some(what) = found.differs(header) {
        return Err(format!(
            "{name} was written by a run with another {}: give another `--output`, or remove the file to start afresh",
            what.trim_start_matches("the ")
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for r in &file.records {
        if expected.get(&r.index) != Some(&r.path.as_str()) {
            return Err(format!(
                "{name} has `{}` as submission {} of the batch, which this run does not: were the submissions \
                 changed? Remove the file to start afresh",
                r.path, r.index
            ));
        }
        if !seen.insert(r.index) {
            return Err(format!("{name} has `{}` twice", r.path));
        }
    }
    let handle = std::fs::OpenOptions::new().write(true).open(path).map_err(|e| format!("cannot open {name}: {e}"))?;
    handle.set_len(file.whole).map_err(|e| format!("cannot cut the torn last line of {name}: {e}"))?;
    let mut handle = handle;
    std::io::Seek::seek(&mut handle, std::io::SeekFrom::End(0)).map_err(|e| format!("cannot write {name}: {e}"))?;
    Ok((handle, Resumed { records: file.records }))
}

/// Creates (or empties) `path` and writes the header.
pub fn create(path: &Path, header: &Header) -> Result<std::fs::File, String> {
    let name = path.display();
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let mut file = std::fs::File::create(path).map_err(|e| format!("cannot write {name}: {e}"))?;
    std::io::Write::write_all(&mut file, header.line().as_bytes()).map_err(|e| format!("cannot write {name}: {e}"))?;
    Ok(file)
}

/// The shards' files joined: the batch information and every record in the batch's order, or
/// every reason they cannot be joined (a shard missing, incomplete or given twice, files of other
/// runs).
pub fn join(files: &[PathBuf]) -> Result<(BatchInfo, Vec<GradeRecord>), Vec<String>> {
    let mut errors = Vec::new();
    let mut read: Vec<(&PathBuf, Header, Vec<GradeRecord>, bool)> = Vec::new();
    for path in files {
        match read_jsonl(path) {
            Ok(Jsonl { header: Some(header), records, torn, .. }) => read.push((path, header, records, torn)),
            Ok(Jsonl { header: None, .. }) => errors.push(format!(
                "{} is empty: its shard wrote nothing yet (run it again with `--resume`)",
                path.display()
            )),
            Err(e) => errors.push(e),
        }
    }
    let Some((first_path, first, _, _)) = read.first() else {
        return Err(errors);
    };
    let count = first.shard.count;
    let mut given: Vec<Option<&PathBuf>> = vec![None; usize::try_from(count).unwrap_or(usize::MAX).min(1 << 20)];
    for (path, header, records, torn) in &read {
        if let Some(what) = header.differs(first) {
            errors.push(format!(
                "{} and {} are not of the same batch: {what} differs",
                first_path.display(),
                path.display()
            ));
            continue;
        }
        let Some(slot) = given.get_mut(header.shard.index as usize) else { continue };
        if let Some(other) = slot {
            errors.push(format!("shard {} is given twice: {} and {}", header.shard, other.display(), path.display()));
            continue;
        }
        *slot = Some(path);
        if records.len() < header.in_shard {
            let torn = if *torn { ", and its last line is torn" } else { "" };
            errors.push(format!(
                "{} (shard {}) is incomplete: {} of its {} submissions{torn}; run its `grade` again with `--resume`",
                path.display(),
                header.shard,
                records.len(),
                header.in_shard
            ));
        }
    }
    let missing: Vec<String> =
        given.iter().enumerate().filter(|(_, p)| p.is_none()).map(|(k, _)| format!("{k}/{count}")).collect();
    if !missing.is_empty() && errors.is_empty() {
        let (s, are) = if missing.len() == 1 { ("", "is") } else { ("s", "are") };
        errors.push(format!("shard{s} {} {are} missing", missing.join(", ")));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let info = first.batch.clone();
    let submissions = first.submissions;
    let mut records: Vec<GradeRecord> = read.into_iter().flat_map(|(_, _, records, _)| records).collect();
    records.sort_by_key(|r| r.index);
    for pair in records.windows(2) {
        if pair[0].index == pair[1].index {
            errors.push(format!("submission {} (`{}`) is in two files", pair[0].index, pair[0].path));
        }
    }
    if errors.is_empty() && records.len() != submissions {
        errors.push(format!("the shards have {} submissions; the batch has {submissions}", records.len()));
    }
    if errors.is_empty() {
        Ok((info, records))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn auto_reads_kubernetes_from_zero_and_slurm_from_its_minimum() {
        let auto = Some(ShardSpec::Auto { count: 4 });
        assert_eq!(resolve(auto, env(&[("JOB_COMPLETION_INDEX", "3")])), Ok(Shard { index: 3, count: 4 }));
        assert_eq!(
            resolve(auto, env(&[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_MIN", "1")])),
            Ok(Shard { index: 0, count: 4 })
        );
        assert_eq!(
            resolve(auto, env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1")])),
            Ok(Shard { index: 3, count: 4 })
        );
        assert_eq!(resolve(auto, env(&[("SLURM_ARRAY_TASK_ID", "2")])), Ok(Shard { index: 2, count: 4 }));
    }

    #[test]
    fn auto_without_an_index_or_out_of_range_is_an_error_that_says_why() {
        let auto = Some(ShardSpec::Auto { count: 4 });
        let none = resolve(auto, env(&[])).unwrap_err();
        assert!(none.contains("JOB_COMPLETION_INDEX") && none.contains("SLURM_ARRAY_TASK_ID"), "{none}");
        let high = resolve(auto, env(&[("JOB_COMPLETION_INDEX", "4")])).unwrap_err();
        assert!(high.contains("numbered 0 to 3"), "{high}");
        let slurm = resolve(auto, env(&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "1")])).unwrap_err();
        assert!(slurm.contains("gives shard 4"), "{slurm}");
        let step = resolve(auto, env(&[("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_STEP", "2")])).unwrap_err();
        assert!(step.contains("step of 2"), "{step}");
        let word = resolve(auto, env(&[("JOB_COMPLETION_INDEX", "two")])).unwrap_err();
        assert!(word.contains("not a whole number"), "{word}");
    }

    #[test]
    fn the_identity_is_the_path_under_the_directory_or_the_file_name() {
        assert_eq!(identity(Path::new("subs"), Path::new("subs/alice/a.tex")), "alice/a.tex");
        assert_eq!(identity(Path::new("/mnt/course/subs/"), Path::new("/mnt/course/subs/b.deriv")), "b.deriv");
        assert_eq!(identity(Path::new("subs/b.deriv"), Path::new("subs/b.deriv")), "b.deriv");
        assert_eq!(identity(Path::new("-"), Path::new("-")), "<stdin>");
    }

    #[test]
    fn the_shard_of_an_identity_is_fixed_by_sha256() {
        // The first 8 bytes of SHA-256 as Python's hashlib gives them: student_000.deriv
        // 0xe5d78010b4114c63, alice/a.tex 0x3a72aac219f0f2fc, correct.deriv 0xa70c4a132d2d83f4.
        assert_eq!(shard_of("student_000.deriv", 7), 0xe5d7_8010_b411_4c63 % 7);
        assert_eq!(shard_of("student_000.deriv", 1000), 995);
        assert_eq!(shard_of("alice/a.tex", 1000), 660);
        assert_eq!(shard_of("correct.deriv", 7), 1);
        assert_eq!(shard_of("anything", 1), 0);
        // Every shard gets some of a batch of a few hundred.
        let counts = (0..300).fold([0; 4], |mut c, i| {
            c[shard_of(&format!("student_{i:03}.deriv"), 4) as usize] += 1;
            c
        });
        assert!(counts.iter().all(|&n| n > 40), "{counts:?}");
    }
}
