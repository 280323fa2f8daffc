//! `gradproof merge SHARD.jsonl…`: the JSON Lines of a sharded `grade` joined into the output an
//! unsharded `grade` writes (docs/scale.md).

use crate::cli::{MergeArgs, MergeFormat};
use crate::report::{render_batch_csv, render_batch_human, render_batch_json};

/// Runs `merge`; returns the exit status: 0 when the output was written and every submission could
/// be read, 2 when the files cannot be joined (unreadable, not of one batch, a shard missing,
/// incomplete or given twice), the output cannot be written, or some submission could not be
/// read (as `grade` exits).
pub fn run(args: &MergeArgs) -> i32 {
    if args.format == MergeFormat::Gradescope && args.out.is_none() {
        eprintln!("error: `--format gradescope` needs `--out DIR`");
        return 2;
    }
    let (info, records) = match super::shard::join(&args.files) {
        Ok(joined) => joined,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            eprintln!("error: nothing was merged");
            return 2;
        }
    };
    let printed = match args.format {
        MergeFormat::Human => super::print_stdout(&render_batch_human(&records, &info)),
        MergeFormat::Json => super::print_stdout(&render_batch_json(&records, &info)),
        MergeFormat::Csv => super::print_stdout(&render_batch_csv(&records, &info)),
        MergeFormat::Gradescope => {
            let Some(dir) = &args.out else { return 2 };
            if let Err(status) = super::grade::gradescope_files(dir, &records) {
                return status;
            }
            Ok(())
        }
    };
    if let Err(e) = printed {
        return super::output_failed(&e);
    }
    super::grade::unreadable_status(&records)
}
