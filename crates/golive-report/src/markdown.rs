//! `--format markdown` and `--write-back`: the checklist itself, with the
//! boxes of passed items ticked (`[x]`) and failed ones flagged (`[!]`).
//! Every other byte is the input's.

use std::io::{self, Write};

use golive_checklist::Checklist;
use golive_core::RunReport;

pub fn render(
    report: &RunReport,
    checklist: Option<&Checklist>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let Some(checklist) = checklist else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the markdown format writes a checklist back, and this run has none",
        ));
    };
    out.write_all(&updated(report, checklist))
}

/// The checklist's bytes with the run's verdicts written into its boxes.
pub fn updated(report: &RunReport, checklist: &Checklist) -> Vec<u8> {
    checklist.with_statuses(report.write_back_changes())
}
