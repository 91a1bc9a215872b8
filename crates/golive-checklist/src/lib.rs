//! The Markdown checklist a team already keeps, as golive reads it.
//!
//! Headings become sections, task-list items (`- [ ]`, `* [x]`, `+ [~]`,
//! `1. [!]`) become items nested as written, and the code blocks and tables
//! under an item stay with it, since they often hold the command or URL to
//! check. Priority markers, section progress markers and sign-off tables are
//! understood. The source bytes are kept as they are: exporting an unchanged
//! checklist gives back the input byte for byte, and writing verdicts back
//! changes only the status characters whose status changed.
//!
//! This crate does no I/O: it reads from bytes and writes to bytes.

mod markers;
mod model;
mod progress;
mod reader;
pub mod text;

pub use markers::{find_priority, is_filled};
pub use model::{Block, BlockKind, Declared, Item, Note, Priority, Section, SignoffRole, Status};
pub use progress::{Progress, SectionProgress};

/// A checklist problem that stops golive from reading it. Everything else
/// (odd encodings, unclosed fences, stray markup) is read as well as it can
/// be and reported as a [`Note`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(
        "line {line}, column {column}: the id `{id}` is given to two items (first at line {first_line})"
    )]
    DuplicateId {
        id: String,
        line: u32,
        column: u32,
        first_line: u32,
    },
    #[error(
        "line {line}, column {column}: `{id}` is not a usable item id (letters, digits, `.`, `_`, `/` and `-`, starting with a letter or digit)"
    )]
    InvalidId { id: String, line: u32, column: u32 },
}

impl ReadError {
    pub fn line(&self) -> u32 {
        match self {
            Self::DuplicateId { line, .. } | Self::InvalidId { line, .. } => *line,
        }
    }

    pub fn column(&self) -> u32 {
        match self {
            Self::DuplicateId { column, .. } | Self::InvalidId { column, .. } => *column,
        }
    }
}

/// A read checklist: its source bytes and what golive found in them.
#[derive(Debug, Clone)]
pub struct Checklist {
    source: Vec<u8>,
    pub sections: Vec<Section>,
    pub items: Vec<Item>,
    pub signoffs: Vec<SignoffRole>,
    pub notes: Vec<Note>,
}

impl Checklist {
    /// Reads a checklist from its bytes. Any bytes are accepted; only
    /// contradictory explicit ids are errors.
    pub fn parse(source: impl Into<Vec<u8>>) -> Result<Self, ReadError> {
        reader::read(source.into())
    }

    /// The bytes the checklist was read from.
    pub fn source(&self) -> &[u8] {
        &self.source
    }

    /// The checklist as Markdown again: the source, unchanged.
    pub fn export(&self) -> Vec<u8> {
        self.source.clone()
    }

    /// The document's title: its one level-1 heading, if it opens the document.
    pub fn title(&self) -> Option<&str> {
        let h1 = self.sections.iter().filter(|s| s.level == 1).count();
        self.sections
            .first()
            .filter(|s| s.level == 1 && h1 == 1)
            .map(|s| s.title.as_str())
    }

    /// The item with this id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// Headings from the outermost down to the item's own section, without
    /// the document title.
    pub fn section_path(&self, item: &Item) -> Vec<&str> {
        self.path_of(item.section)
    }

    /// Heading titles from the outermost down to `section`, without the title.
    pub fn path_of(&self, section: Option<usize>) -> Vec<&str> {
        let title = self.title().map(|_| 0);
        let mut path = Vec::new();
        let mut s = section;
        while let Some(i) = s {
            if Some(i) != title {
                path.push(self.sections[i].title.as_str());
            }
            s = self.sections[i].parent;
        }
        path.reverse();
        path
    }

    /// The checklist with the given items' statuses changed: only their
    /// status bytes differ from the source, and only where the status really
    /// changes (`[X]` stays `[X]` when the item is done either way).
    pub fn with_statuses<I>(&self, changes: I) -> Vec<u8>
    where
        I: IntoIterator<Item = (usize, Status)>,
    {
        let mut out = self.source.clone();
        for (index, status) in changes {
            let Some(item) = self.items.get(index) else {
                continue;
            };
            if item.status != status {
                out[item.status_offset] = status.marker();
            }
        }
        out
    }

    /// The same for sign-off lines that are task items.
    pub fn with_signoff_statuses<I>(&self, source: &mut [u8], changes: I)
    where
        I: IntoIterator<Item = (usize, Status)>,
    {
        for (index, status) in changes {
            let Some(role) = self.signoffs.get(index) else {
                continue;
            };
            if let (Some(offset), Some(current)) = (role.status_offset, role.status)
                && current != status
            {
                source[offset] = status.marker();
            }
        }
    }

    /// Progress per section, counted as the seeds count it.
    pub fn progress(&self) -> Progress {
        self.progress_with(|_, item| item.status)
    }

    /// Progress per section with statuses from elsewhere (a run, marks).
    pub fn progress_with(&self, status_of: impl Fn(usize, &Item) -> Status) -> Progress {
        progress::compute(self, status_of)
    }
}
