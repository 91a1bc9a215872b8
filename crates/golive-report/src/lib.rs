//! Reports of a run. One module per format behind one function; each
//! renders the same [`RunReport`], so a fact shown in one format is shown in
//! all, with secrets already redacted by the runner.

use std::io::{self, Write};

use golive_checklist::Checklist;
use golive_core::RunReport;

pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Junit,
    Markdown,
    Html,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["human", "json", "junit", "markdown", "html"];

    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "human" => Self::Human,
            "json" => Self::Json,
            "junit" => Self::Junit,
            "markdown" | "md" => Self::Markdown,
            "html" => Self::Html,
            _ => return None,
        })
    }
}

/// Renders `report` in `format`. The Markdown format needs the checklist
/// (it is the checklist with its ticks updated).
pub fn render(
    format: Format,
    report: &RunReport,
    checklist: Option<&Checklist>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(report, out),
        Format::Json => json::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Markdown => markdown::render(report, checklist, out),
        Format::Html => html::render(report, out),
    }
}
