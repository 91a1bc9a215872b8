//! `--format json`: the whole report, for machines. The shape is documented
//! in the README and kept stable.

use std::io::{self, Write};

use golive_core::RunReport;

pub fn render(report: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
    writeln!(out)
}
