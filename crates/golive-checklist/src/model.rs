//! The checklist as golive understands it: sections, items, blocks under
//! items, and sign-off roles, each pointing back at where it was written.

use serde::Serialize;

/// What the status box of a task item says, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// `[ ]`
    Todo,
    /// `[x]` or `[X]`
    Done,
    /// `[~]` (or `[/]`, as some editors write it)
    InProgress,
    /// `[!]`
    Blocked,
    /// `[-]`: does not apply to this deployment.
    NotApplicable,
}

impl Status {
    /// The status a marker byte stands for, if it is one golive reads.
    pub fn from_marker(byte: u8) -> Option<Self> {
        Some(match byte {
            b' ' => Self::Todo,
            b'x' | b'X' => Self::Done,
            b'~' | b'/' => Self::InProgress,
            b'!' => Self::Blocked,
            b'-' => Self::NotApplicable,
            _ => return None,
        })
    }

    /// The marker golive writes for this status.
    pub fn marker(self) -> u8 {
        match self {
            Self::Todo => b' ',
            Self::Done => b'x',
            Self::InProgress => b'~',
            Self::Blocked => b'!',
            Self::NotApplicable => b'-',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Todo => "todo",
            Self::Done => "done",
            Self::InProgress => "in_progress",
            Self::Blocked => "blocked",
            Self::NotApplicable => "na",
        }
    }
}

/// How much an item matters to the go-live decision, from the markers its
/// text, its parent or its section carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, Default)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// `**CRITICAL:**`, 🔴
    Critical,
    /// `**HIGH:**`, 🟠
    High,
    /// `**Required:**`, `(required)`
    Required,
    /// No marker.
    #[default]
    Normal,
    /// `(recommended)`
    Recommended,
    /// `**Optional:**`, `(optional)`
    Optional,
    /// `(if applicable)`, `(if using S3)`: applies only in some deployments.
    Conditional,
}

impl Priority {
    /// Whether an item of this priority holds up go-live while it is open.
    pub fn blocks_when_open(self) -> bool {
        matches!(self, Self::Critical | Self::High | Self::Required)
    }

    /// Whether a failure of an item of this priority holds up go-live unless
    /// it is waived. Optional, recommended and conditional items only warn.
    pub fn blocks_when_failed(self) -> bool {
        matches!(
            self,
            Self::Critical | Self::High | Self::Required | Self::Normal
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Required => "required",
            Self::Normal => "normal",
            Self::Recommended => "recommended",
            Self::Optional => "optional",
            Self::Conditional => "conditional",
        }
    }
}

/// A heading. Sections nest by heading level.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// Title without leading symbols and without a progress marker.
    pub title: String,
    /// Heading text as written (decoded, mojibake repaired).
    pub heading: String,
    pub level: u8,
    pub line: u32,
    pub parent: Option<usize>,
    /// Priority the heading or a `**Priority:**` line under it declares.
    pub priority: Option<Priority>,
    /// A progress marker in the heading: `(4/8 Complete - ACTION REQUIRED)`.
    pub declared: Option<Declared>,
    /// Id segment for this section.
    pub slug: String,
    /// Code blocks, tables and text directly under the heading, not inside an item.
    pub blocks: Vec<Block>,
}

/// A progress count a heading states about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Declared {
    pub done: u32,
    pub total: u32,
    /// The rest of the marker ("ACTION REQUIRED"), if any.
    pub note: Option<String>,
}

/// A task-list item: `- [ ] text`.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// Stable id: section path and text, slugged; an explicit
    /// `<!-- golive:id=NAME -->` wins.
    pub id: String,
    pub explicit_id: bool,
    /// 1-based line and column of the status box `[`.
    pub line: u32,
    pub column: u32,
    pub status: Status,
    /// Byte offset of the status character in the source.
    #[serde(skip)]
    pub status_offset: usize,
    /// The item's text as written, with HTML comments removed and wrapped
    /// continuation lines joined.
    pub text: String,
    /// The text without Markdown formatting and without a leading priority marker.
    pub plain: String,
    /// Contents of inline code spans, in order.
    pub code_spans: Vec<String>,
    pub priority: Priority,
    /// The marker that set the priority, when the item carries one itself.
    pub priority_marker: Option<String>,
    pub section: Option<usize>,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    pub depth: u32,
    /// Code blocks, tables and text lines nested under the item.
    pub blocks: Vec<Block>,
}

/// Content nested under an item or a heading: often the command or URL to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    pub kind: BlockKind,
    /// 1-based line of the block's first line.
    pub line: u32,
    /// The block's text: code without its fences, table rows, or a text line.
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum BlockKind {
    Code { lang: Option<String> },
    Table,
    Text,
}

/// A role whose sign-off go-live waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignoffRole {
    pub role: String,
    pub line: u32,
    /// A name already written into the checklist, if any.
    pub name: Option<String>,
    pub date: Option<String>,
    /// The sign-off line's own status box, when it is a task item.
    pub status: Option<Status>,
    #[serde(skip)]
    pub status_offset: Option<usize>,
}

impl SignoffRole {
    /// Whether the checklist itself records this sign-off (a ticked box or a
    /// name written in).
    pub fn signed_in_document(&self) -> bool {
        self.status == Some(Status::Done) || self.name.is_some()
    }
}

/// Something worth telling the author about the document (not an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub line: u32,
    pub message: String,
}
