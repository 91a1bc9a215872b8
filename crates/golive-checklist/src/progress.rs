//! Progress counts per section, as checklist authors write them in their
//! headings: `Security (6/8 complete)`.

use serde::Serialize;

use crate::Checklist;
use crate::model::{Declared, Item, Status};

#[derive(Debug, Clone, Serialize)]
pub struct SectionProgress {
    pub section: usize,
    pub title: String,
    pub level: u8,
    pub line: u32,
    /// Items directly in this section (at any nesting depth), not in sub-sections.
    pub done: u32,
    pub total: u32,
    /// The same, with every sub-section included.
    pub done_all: u32,
    pub total_all: u32,
    /// What the heading itself claims, if it carries a count.
    pub declared: Option<Declared>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub sections: Vec<SectionProgress>,
    pub done: u32,
    pub total: u32,
    pub in_progress: Vec<usize>,
    pub blocked: Vec<usize>,
    /// Items outside any heading.
    pub unsectioned_done: u32,
    pub unsectioned_total: u32,
}

pub(crate) fn compute(
    checklist: &Checklist,
    status_of: impl Fn(usize, &Item) -> Status,
) -> Progress {
    let n = checklist.sections.len();
    let mut done = vec![0u32; n];
    let mut total = vec![0u32; n];
    let mut progress = Progress {
        sections: Vec::new(),
        done: 0,
        total: 0,
        in_progress: Vec::new(),
        blocked: Vec::new(),
        unsectioned_done: 0,
        unsectioned_total: 0,
    };
    for (i, item) in checklist.items.iter().enumerate() {
        let status = status_of(i, item);
        match status {
            Status::InProgress => progress.in_progress.push(i),
            Status::Blocked => progress.blocked.push(i),
            _ => {}
        }
        // Items that do not apply are not counted either way.
        if status == Status::NotApplicable {
            continue;
        }
        let is_done = u32::from(status == Status::Done);
        progress.total += 1;
        progress.done += is_done;
        match item.section {
            Some(s) => {
                total[s] += 1;
                done[s] += is_done;
            }
            None => {
                progress.unsectioned_total += 1;
                progress.unsectioned_done += is_done;
            }
        }
    }
    // Sections are in document order and a parent always precedes its
    // children, so a reverse pass accumulates sub-sections into parents.
    let mut done_all = done.clone();
    let mut total_all = total.clone();
    for i in (0..n).rev() {
        if let Some(p) = checklist.sections[i].parent {
            done_all[p] += done_all[i];
            total_all[p] += total_all[i];
        }
    }
    progress.sections = checklist
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| SectionProgress {
            section: i,
            title: s.title.clone(),
            level: s.level,
            line: s.line,
            done: done[i],
            total: total[i],
            done_all: done_all[i],
            total_all: total_all[i],
            declared: s.declared.clone(),
        })
        .collect();
    progress
}
