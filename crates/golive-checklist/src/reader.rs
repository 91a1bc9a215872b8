//! The Markdown reader.
//!
//! Written as a line scanner rather than on a CommonMark parser, on purpose:
//! write-back must change single status bytes and keep every other byte, the
//! input may not be UTF-8 (CommonMark parsers take `&str`), and checklists in
//! the wild indent task items in ways CommonMark would read as code blocks,
//! where their authors (and GitHub's task counters) see tasks. The scanner
//! follows CommonMark where it matters for checklists: fenced code, list
//! nesting by content column, lazy continuation lines, ATX and setext
//! headings, pipe tables, HTML comments and block quotes.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use rustc_hash::FxBuildHasher;

use crate::markers;
use crate::model::{Block, BlockKind, Item, Note, Priority, Section, SignoffRole, Status};
use crate::text::{
    self, decode, find_str, fix_mojibake, indent_of, is_blank, slug, slug_into, strip_inline,
};
use crate::{Checklist, ReadError};

/// Longest id segment; longer text is cut at a word boundary.
const SEGMENT_LEN: usize = 48;

static EXPLICIT_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<!--\s*golive:id\s*=\s*([^\s>]*)\s*-->").expect("static regex"));
static VALID_ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$").expect("static regex"));
static PLAIN_BY_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^([A-Za-z][A-Za-z /]{0,40}\bby)\s*:\s*(.*)$").expect("static regex")
});
static FIELD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:\*\*)?(name|date|signature|signed)\s*:?(?:\*\*)?\s*:?\s*(.*)$")
        .expect("static regex")
});
static DATE_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bdate\s*:\s*").expect("static regex"));

struct Line<'a> {
    no: u32,
    /// Offset in the source of `body[0]`.
    offset: usize,
    body: &'a [u8],
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner {
    Item(usize),
    Section(Option<usize>),
}

struct Frame {
    content_col: usize,
    item: Option<usize>,
}

struct OpenFence {
    ch: u8,
    len: usize,
    line: u32,
    lang: Option<String>,
    owner: Owner,
    strip_col: usize,
    content: String,
    task_lines: usize,
}

struct OpenTable {
    owner: Owner,
    line: u32,
    rows: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Blank,
    /// The previous line was (a continuation of) this item's text.
    ItemText(usize),
    /// A paragraph line outside any list, which a setext underline can turn
    /// into a heading.
    Paragraph {
        line: u32,
    },
    Other,
}

struct Reader<'a> {
    /// The whole source as text, when it is UTF-8 (see [`text_of`]).
    utf8: Option<&'a str>,
    lines: Vec<Line<'a>>,
    sections: Vec<Section>,
    items: Vec<Item>,
    signoffs: Vec<SignoffRole>,
    notes: Vec<Note>,
    frames: Vec<Frame>,
    /// Open sections by heading level (index 0 = level 1).
    heading_stack: [Option<usize>; 6],
    section: Option<usize>,
    fence: Option<OpenFence>,
    table: Option<OpenTable>,
    in_comment: bool,
    last: Last,
    /// The line behind `Last::Paragraph`, read again only if a setext
    /// underline makes it a heading.
    last_paragraph_body: &'a [u8],
    /// Per section: whether it or a section it is under is a sign-off
    /// section, decided once when it opens rather than on every text line.
    signoff_section: Vec<bool>,
    /// The sign-off role a following `Name:` / `Date:` line fills in.
    open_signoff: Option<usize>,
    /// Items with an explicit id (item, id, line, column), few if any.
    explicit_ids: Vec<(usize, String, u32, u32)>,
    /// Per item: what `list_item` learnt about its text.
    shapes: Vec<Shape>,
}

pub(crate) fn read(source: Vec<u8>) -> Result<Checklist, ReadError> {
    let (sections, items, signoffs, notes) = {
        let mut reader = Reader::new(&source);
        reader.run()?;
        (reader.sections, reader.items, reader.signoffs, reader.notes)
    };
    Ok(Checklist {
        source,
        sections,
        items,
        signoffs,
        notes,
    })
}

fn split_lines(source: &[u8]) -> Vec<Line<'_>> {
    // Room for lines of 24 bytes on average, so that a checklist of usual
    // lines is split without moving the vector as it grows.
    let mut lines = Vec::with_capacity(source.len() / 24 + 1);
    let mut start = 0;
    let mut no = 1u32;
    while start < source.len() {
        let end = find_newline(&source[start..]).map_or(source.len(), |p| start + p);
        let mut body = &source[start..end];
        if body.last() == Some(&b'\r') {
            body = &body[..body.len() - 1];
        }
        lines.push(Line {
            no,
            offset: start,
            body,
        });
        no = no.saturating_add(1);
        start = end + 1;
    }
    lines
}

/// The first `\n`, eight bytes at a time (the classic "has a zero byte" test
/// on the bytes XORed with `\n`): finding line ends byte by byte was a
/// tenth of reading a long checklist.
fn find_newline(hay: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut chunks = hay.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ (ONES * u64::from(b'\n'));
        // Only bytes at or above the first zero byte can be flagged, so the
        // lowest flag is the first newline.
        let zero = x.wrapping_sub(ONES) & !x & HIGHS;
        if zero != 0 {
            return Some(at + (zero.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| at + p)
}

/// The text of `bytes`, a slice of the source, cut from `whole`, the source
/// decoded once when it is UTF-8, rather than validated again line by line.
/// As `decode` for anything else (not UTF-8, or not cut at characters).
fn text_of<'a>(whole: Option<&'a str>, bytes: &'a [u8]) -> Cow<'a, str> {
    if let Some(whole) = whole {
        // Where the slice starts in the source, from the addresses as numbers
        // (safe; slices have no stable way to tell their offset in another).
        // `get` checks the range and the character boundaries; a slice
        // from elsewhere (an empty default) gives a range outside the source.
        let start = (bytes.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        if let Some(s) = whole.get(start..start.wrapping_add(bytes.len()))
            && std::ptr::eq(s.as_ptr(), bytes.as_ptr())
        {
            return Cow::Borrowed(s);
        }
    }
    decode(bytes)
}

/// Length of a block-quote prefix (`> `, `>> `, ` > `), which the scanner
/// looks through.
fn quote_prefix(body: &[u8]) -> usize {
    let mut i = 0;
    loop {
        let (_, ws) = indent_of(&body[i..]);
        if ws <= 3 && body.get(i + ws) == Some(&b'>') {
            i += ws + 1;
            if body.get(i) == Some(&b' ') {
                i += 1;
            }
        } else {
            return i;
        }
    }
}

fn fence_open(body: &[u8]) -> Option<(u8, usize, Option<String>)> {
    let ch = *body.first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = body.iter().take_while(|&&b| b == ch).count();
    if len < 3 {
        return None;
    }
    let info = decode(&body[len..]).trim().to_string();
    if ch == b'`' && info.contains('`') {
        return None;
    }
    let lang = info
        .split_whitespace()
        .next()
        .map(|s| s.trim_matches(|c| c == '{' || c == '}').to_string())
        .filter(|s| !s.is_empty());
    Some((ch, len, lang))
}

fn heading(body: &[u8]) -> Option<(u8, &[u8])> {
    let level = body.iter().take_while(|&&b| b == b'#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &body[level..];
    if !rest.is_empty() && rest[0] != b' ' && rest[0] != b'\t' {
        return None;
    }
    let mut text = rest;
    // Closing sequence: trailing #s preceded by a space.
    let trimmed_end = text
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    text = &text[..trimmed_end];
    let hashes = text.iter().rev().take_while(|&&b| b == b'#').count();
    if hashes > 0 {
        let before = text.len() - hashes;
        if before == 0 || text[before - 1] == b' ' || text[before - 1] == b'\t' {
            text = &text[..before];
        }
    }
    Some((u8::try_from(level).unwrap_or(6), text))
}

fn thematic_break(body: &[u8]) -> bool {
    let first = match body.first() {
        Some(&b @ (b'-' | b'*' | b'_')) => b,
        _ => return false,
    };
    let mut count = 0;
    for &b in body {
        if b == first {
            count += 1;
        } else if b != b' ' && b != b'\t' {
            return false;
        }
    }
    count >= 3
}

fn setext_underline(body: &[u8]) -> Option<u8> {
    let trimmed = &body[..body
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |p| p + 1)];
    let first = *trimmed.first()?;
    if (first == b'=' || first == b'-') && trimmed.iter().all(|&b| b == first) {
        Some(if first == b'=' { 1 } else { 2 })
    } else {
        None
    }
}

/// A list marker at the start of `body`: returns (marker width incl. the
/// spaces after it, whether the line ends after the marker).
fn list_marker(body: &[u8]) -> Option<usize> {
    let marker_len = match body.first()? {
        b'-' | b'*' | b'+' => 1,
        b'0'..=b'9' => {
            let digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 9 {
                return None;
            }
            match body.get(digits) {
                Some(b'.' | b')') => digits + 1,
                _ => return None,
            }
        }
        _ => return None,
    };
    let after = &body[marker_len..];
    if after.is_empty() {
        return Some(marker_len + 1);
    }
    let (cols, _) = indent_of(after);
    if cols == 0 {
        return None;
    }
    // CommonMark: more than four spaces after the marker means the content
    // starts one space after it (the rest is indented code).
    Some(marker_len + if cols > 4 { 1 } else { cols })
}

/// The status box right after a list marker: `[ ]`, `[x]`, `[~]`, `[!]`, `[-]`, `[/]`.
fn task_box(rest: &[u8]) -> Option<(Status, u8)> {
    if rest.len() < 3 || rest[0] != b'[' || rest[2] != b']' {
        return None;
    }
    if let Some(&next) = rest.get(3)
        && next != b' '
        && next != b'\t'
    {
        return None;
    }
    Status::from_marker(rest[1]).map(|s| (s, rest[1]))
}

fn is_table_delimiter(body: &[u8]) -> bool {
    let s = decode(body);
    let s = s.trim();
    if !s.contains('-') {
        return false;
    }
    let inner = s.trim_start_matches('|').trim_end_matches('|');
    if inner.is_empty() {
        return false;
    }
    inner.split('|').all(|cell| {
        let c = cell.trim();
        !c.is_empty()
            && c.trim_start_matches(':')
                .trim_end_matches(':')
                .chars()
                .all(|ch| ch == '-')
    }) && (s.starts_with('|') || inner.contains('|'))
}

fn table_cells(row: &str) -> Vec<String> {
    let s = row.trim();
    let s = s.strip_prefix('|').unwrap_or(s);
    let s = s.strip_suffix('|').unwrap_or(s);
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '|' {
            cells.push(strip_inline(cur.trim()));
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    cells.push(strip_inline(cur.trim()));
    cells
}

fn code_spans(text: &str) -> Vec<String> {
    let mut spans = Vec::new();
    if !text.as_bytes().contains(&b'`') {
        return spans;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'`' {
            let ticks = bytes[i..].iter().take_while(|&&b| b == b'`').count();
            let open_end = i + ticks;
            let mut j = open_end;
            let mut found = None;
            while j < bytes.len() {
                if bytes[j] == b'`' {
                    let run = bytes[j..].iter().take_while(|&&b| b == b'`').count();
                    if run == ticks {
                        found = Some(j);
                        break;
                    }
                    j += run;
                } else {
                    j += 1;
                }
            }
            match found {
                Some(close) => {
                    let inner = text[open_end..close].trim();
                    if !inner.is_empty() {
                        spans.push(inner.to_string());
                    }
                    i = close + ticks;
                }
                None => i = open_end,
            }
        } else {
            i += 1;
        }
    }
    spans
}

impl<'a> Reader<'a> {
    fn new(source: &'a [u8]) -> Self {
        let lines = split_lines(source);
        // Items are large, and growing their vector one by one moved them a
        // dozen times. Checklists are about half items; capped, so that a
        // long file of other text does not reserve much it never uses.
        let items = (lines.len() / 2 + 16).min(1024);
        Self {
            utf8: std::str::from_utf8(source).ok(),
            lines,
            sections: Vec::new(),
            items: Vec::with_capacity(items),
            signoffs: Vec::new(),
            notes: Vec::new(),
            frames: Vec::new(),
            heading_stack: [None; 6],
            section: None,
            fence: None,
            table: None,
            in_comment: false,
            last: Last::Blank,
            last_paragraph_body: &[],
            signoff_section: Vec::new(),
            open_signoff: None,
            explicit_ids: Vec::new(),
            shapes: Vec::with_capacity(items),
        }
    }

    fn run(&mut self) -> Result<(), ReadError> {
        for idx in 0..self.lines.len() {
            self.line(idx);
        }
        self.finish_table();
        if let Some(fence) = self.fence.take() {
            if fence.task_lines > 0 {
                self.notes.push(Note {
                    line: fence.line,
                    message: format!(
                        "code fence opened here is never closed: {} task line(s) after it are read as code, not as items",
                        fence.task_lines
                    ),
                });
            }
            self.attach(
                fence.owner,
                Block {
                    kind: BlockKind::Code { lang: fence.lang },
                    line: fence.line,
                    content: fence.content,
                },
            );
        }
        self.resolve_priorities();
        self.assign_ids()
    }

    fn line(&mut self, idx: usize) {
        let line_no = self.lines[idx].no;
        let raw: &'a [u8] = self.lines[idx].body;
        let quote = quote_prefix(raw);
        let full = &raw[quote..];
        let (indent_col, indent_bytes) = indent_of(full);
        let body = &full[indent_bytes..];
        let body_offset = self.lines[idx].offset + quote + indent_bytes;

        if let Some(fence) = &mut self.fence {
            let closes = body.first() == Some(&fence.ch)
                && body.iter().take_while(|&&b| b == fence.ch).count() >= fence.len
                && body
                    .iter()
                    .all(|&b| b == fence.ch || b.is_ascii_whitespace());
            if closes {
                let fence = self.fence.take().expect("open fence");
                self.attach(
                    fence.owner,
                    Block {
                        kind: BlockKind::Code { lang: fence.lang },
                        line: fence.line,
                        content: fence.content,
                    },
                );
                self.last = Last::Other;
            } else {
                if line_no > fence.line + 1 {
                    fence.content.push('\n');
                }
                let keep_from = indent_bytes.min(fence.strip_col);
                fence
                    .content
                    .push_str(&text_of(self.utf8, &full[keep_from..]));
                if list_marker(body).is_some_and(|w| task_box(&body[w.min(body.len())..]).is_some())
                {
                    fence.task_lines += 1;
                }
            }
            return;
        }
        if self.in_comment {
            // Lossy decoding never touches ASCII bytes, so the bytes can be searched.
            if full.windows(3).any(|w| w == b"-->") {
                self.in_comment = false;
            }
            return;
        }
        if is_blank(body) {
            self.finish_table();
            self.last = Last::Blank;
            return;
        }
        if body.starts_with(b"<!--") {
            let text = decode(body);
            if !text.contains("-->") {
                self.finish_table();
                self.in_comment = true;
                return;
            }
            if text.trim_end().ends_with("-->") && text.matches("<!--").count() == 1 {
                // A comment on a line of its own is not content.
                return;
            }
        }
        if let Some((ch, len, lang)) = fence_open(body) {
            self.finish_table();
            let owner = self.container(indent_col);
            self.fence = Some(OpenFence {
                ch,
                len,
                line: line_no,
                lang,
                owner,
                strip_col: indent_bytes,
                content: String::new(),
                task_lines: 0,
            });
            self.last = Last::Other;
            return;
        }
        if indent_col <= 3 {
            if let Some((level, text)) = heading(body) {
                self.finish_table();
                self.frames.clear();
                let heading_text = decode(text).trim().to_string();
                self.open_section(level, heading_text, line_no);
                self.last = Last::Other;
                return;
            }
            // The underline test comes last: it only matters right under a paragraph.
            if let Last::Paragraph { line } = self.last
                && self.frames.is_empty()
                && line + 1 == line_no
                && let Some(level) = setext_underline(body)
            {
                // The paragraph line above was a heading after all.
                let owner_section = self.section;
                if let Some(blocks) = self.blocks_of(Owner::Section(owner_section))
                    && blocks.last().is_some_and(|b| b.line == line)
                {
                    blocks.pop();
                }
                let heading_text = decode(self.last_paragraph_body).trim().to_string();
                self.open_section(level, heading_text, line);
                self.last = Last::Other;
                return;
            }
        }
        if thematic_break(body) && list_marker(body).is_none_or(|_| !body.contains(&b'[')) {
            self.finish_table();
            self.frames.clear();
            self.last = Last::Other;
            return;
        }
        if let Some(width) = list_marker(body) {
            self.finish_table();
            self.list_item(line_no, indent_col, body, body_offset, width);
            return;
        }
        let is_row = body.first() == Some(&b'|')
            || (body.contains(&b'|')
                && self
                    .lines
                    .get(idx + 1)
                    .is_some_and(|next| is_table_delimiter(&next.body[quote_prefix(next.body)..])));
        if is_row {
            if self.table.is_none() {
                let owner = self.container(indent_col);
                self.table = Some(OpenTable {
                    owner,
                    line: line_no,
                    rows: Vec::new(),
                });
            }
            if let Some(table) = &mut self.table {
                table.rows.push(decode(body).trim().to_string());
            }
            self.last = Last::Other;
            return;
        }
        self.finish_table();
        self.text_line(line_no, indent_col, body);
    }

    /// Closes the list frames a line at `indent_col` is not inside of, and
    /// returns what the line's block belongs to.
    fn container(&mut self, indent_col: usize) -> Owner {
        while self
            .frames
            .last()
            .is_some_and(|f| indent_col < f.content_col)
        {
            self.frames.pop();
        }
        self.frames
            .iter()
            .rev()
            .find_map(|f| f.item)
            .map_or(Owner::Section(self.section), Owner::Item)
    }

    fn blocks_of(&mut self, owner: Owner) -> Option<&mut Vec<Block>> {
        match owner {
            Owner::Item(i) => self.items.get_mut(i).map(|it| &mut it.blocks),
            Owner::Section(Some(s)) => self.sections.get_mut(s).map(|sec| &mut sec.blocks),
            Owner::Section(None) => None,
        }
    }

    fn attach(&mut self, owner: Owner, block: Block) {
        if let Some(blocks) = self.blocks_of(owner) {
            blocks.push(block);
        }
    }

    fn open_section(&mut self, level: u8, heading_text: String, line: u32) {
        // Copied only when there is mojibake to repair or a progress marker
        // to cut out.
        let heading = match fix_mojibake(&heading_text) {
            Cow::Borrowed(_) => heading_text,
            Cow::Owned(repaired) => repaired,
        };
        let mut title = Cow::Borrowed(text::trim_symbols(&heading));
        let declared = markers::declared_progress(&title).map(|(d, range)| {
            title.to_mut().replace_range(range, "");
            d
        });
        let priority = markers::find_priority(&heading).map(|m| m.priority);
        let title = strip_inline(title.trim());
        let level_idx = usize::from(level.clamp(1, 6)) - 1;
        let parent = self.heading_stack[..level_idx]
            .iter()
            .rev()
            .find_map(|s| *s);
        let index = self.sections.len();
        let signoff =
            markers::is_signoff_heading(&title) || parent.is_some_and(|p| self.signoff_section[p]);
        self.signoff_section.push(signoff);
        self.sections.push(Section {
            title,
            heading,
            level,
            line,
            parent,
            priority,
            declared,
            slug: String::new(),
            blocks: Vec::new(),
        });
        self.heading_stack[level_idx] = Some(index);
        for deeper in &mut self.heading_stack[level_idx + 1..] {
            *deeper = None;
        }
        self.section = Some(index);
        self.open_signoff = None;
    }

    fn in_signoff_section(&self) -> bool {
        self.section.is_some_and(|s| self.signoff_section[s])
    }

    fn list_item(
        &mut self,
        line_no: u32,
        indent_col: usize,
        body: &'a [u8],
        body_offset: usize,
        width: usize,
    ) {
        while self
            .frames
            .last()
            .is_some_and(|f| indent_col < f.content_col)
        {
            self.frames.pop();
        }
        let content_col = indent_col + width;
        let rest = &body[width.min(body.len())..];
        let parent_item = self.frames.iter().rev().find_map(|f| f.item);
        let Some((status, _)) = task_box(rest) else {
            // A plain list item: its text belongs to the enclosing item or section.
            let owner = parent_item.map_or(Owner::Section(self.section), Owner::Item);
            let content = text_of(self.utf8, body).trim().to_string();
            if self.in_signoff_section() {
                self.signoff_label(strip_list_text(&content));
            }
            self.attach(
                owner,
                Block {
                    kind: BlockKind::Text,
                    line: line_no,
                    content,
                },
            );
            self.frames.push(Frame {
                content_col,
                item: None,
            });
            self.last = Last::Other;
            return;
        };
        let box_start = width.min(body.len());
        let status_offset = body_offset + box_start + 1;
        let column = u32::try_from(indent_col + box_start + 1).unwrap_or(u32::MAX);
        let raw_text = text_of(self.utf8, rest.get(3..).unwrap_or_default());
        let raw_text = raw_text.trim();

        if let Some(role) = self.signoff_item(raw_text, line_no, status, status_offset) {
            self.signoffs.push(role);
            self.frames.push(Frame {
                content_col,
                item: None,
            });
            self.last = Last::Other;
            return;
        }

        let index = self.items.len();
        // One pass over the text answers what the steps after it would each
        // scan it for.
        let mut classes = 0;
        let mut double_space = false;
        let mut after_space = false;
        for &b in raw_text.as_bytes() {
            classes |= CLASSES[usize::from(b)];
            let space = b == b' ';
            double_space |= space & after_space;
            after_space = space;
        }
        // An explicit id is written in a comment, so most texts need neither
        // the id regex nor comment removal.
        let has_comment = classes & LT != 0 && find_str(raw_text, "<!--").is_some();
        let explicit = (has_comment && find_str(raw_text, "golive:id").is_some())
            .then(|| EXPLICIT_ID.captures(raw_text))
            .flatten()
            .map(|c| (c[1].to_string(), line_no, column));
        // `raw_text` is trimmed: tidy ASCII is what collapsing spaces keeps as it is.
        let tidy = classes & (CONTROL_SPACE | NON_ASCII) == 0 && !double_space;
        let text = if has_comment {
            let mut text = String::with_capacity(raw_text.len());
            collapse_comments_into(raw_text, &mut text);
            text
        } else if tidy {
            raw_text.to_string()
        } else {
            text::collapse_spaces(raw_text)
        };
        self.shapes.push(if has_comment {
            Shape::UNKNOWN
        } else {
            Shape {
                plain_is_text: tidy && classes & MARKUP == 0,
                has_paren: classes & PAREN != 0,
                ascii: classes & NON_ASCII == 0,
            }
        });
        let depth = parent_item.map_or(0, |p| self.items[p].depth + 1);
        if let Some(p) = parent_item {
            self.items[p].children.push(index);
        }
        self.items.push(Item {
            id: String::new(),
            explicit_id: explicit.is_some(),
            line: line_no,
            column,
            status,
            status_offset,
            text,
            plain: String::new(),
            code_spans: Vec::new(),
            priority: Priority::Normal,
            priority_marker: None,
            section: self.section,
            parent: parent_item,
            children: Vec::new(),
            depth,
            blocks: Vec::new(),
        });
        if let Some((id, line, column)) = explicit {
            self.explicit_ids.push((index, id, line, column));
        }
        self.frames.push(Frame {
            content_col,
            item: Some(index),
        });
        self.last = Last::ItemText(index);
    }

    /// A task line that is a sign-off slot: `- [ ] **DevOps Engineer:** ____ Date: ____`.
    fn signoff_item(
        &self,
        text: &str,
        line: u32,
        status: Status,
        offset: usize,
    ) -> Option<SignoffRole> {
        let (label, rest, label_has_colon) = bold_label(text)?;
        let has_blank = find_str(rest, "___").is_some();
        // The regex needs the word, so most labels are settled without it.
        let has_date = contains_ignore_case(rest.as_bytes(), b"date") && DATE_FIELD.is_match(rest);
        let bare = rest.is_empty() && label_has_colon && self.in_signoff_section();
        if label.is_empty() || !(has_blank || has_date || bare) {
            return None;
        }
        let (name_part, date_part) = match DATE_FIELD.find(rest) {
            Some(m) => (&rest[..m.start()], Some(&rest[m.end()..])),
            None => (rest, None),
        };
        let name = Some(strip_inline(name_part.trim())).filter(|n| markers::is_filled(n));
        let date = date_part
            .map(|d| strip_inline(d.trim()))
            .filter(|d| markers::is_filled(d));
        Some(SignoffRole {
            role: strip_inline(label),
            line,
            name,
            date,
            status: Some(status),
            status_offset: Some(offset),
        })
    }

    /// `**Authorized By:** ____` in a sign-off section opens a role; `Name:`
    /// and `Date:` lines after it fill it in.
    fn signoff_label(&mut self, text: &str) -> bool {
        if !self.in_signoff_section() {
            return false;
        }
        let labelled = bold_label(text)
            .map(|(label, rest, _)| (label.to_string(), rest.to_string()))
            .or_else(|| {
                PLAIN_BY_LABEL
                    .captures(text)
                    .map(|c| (c[1].trim().to_string(), c[2].trim().to_string()))
            });
        if let Some((label, value)) = labelled {
            let lower = label.to_ascii_lowercase();
            if lower.ends_with(" by") || lower == "by" {
                let value = strip_inline(&value);
                self.signoffs.push(SignoffRole {
                    role: strip_inline(&label),
                    line: 0,
                    name: Some(value).filter(|v| markers::is_filled(v)),
                    date: None,
                    status: None,
                    status_offset: None,
                });
                self.open_signoff = Some(self.signoffs.len() - 1);
                return true;
            }
            if FIELD.captures(text).is_none() {
                self.open_signoff = None;
            }
        }
        if let (Some(open), Some(c)) = (self.open_signoff, FIELD.captures(text)) {
            let value = strip_inline(c[2].trim());
            if markers::is_filled(&value) {
                let role = &mut self.signoffs[open];
                match c[1].to_ascii_lowercase().as_str() {
                    "name" | "signed" | "signature" if role.name.is_none() => {
                        role.name = Some(value)
                    }
                    "date" => role.date = Some(value),
                    _ => {}
                }
            }
            return true;
        }
        false
    }

    fn text_line(&mut self, line_no: u32, indent_col: usize, body: &'a [u8]) {
        let decoded = text_of(self.utf8, body);
        let content = decoded.trim_end();
        if let Last::ItemText(item) = self.last
            && self.frames.last().and_then(|f| f.item) == Some(item)
        {
            // A wrapped line of the item's own text (indented or lazy).
            let it = &mut self.items[item];
            self.shapes[item] = Shape::UNKNOWN;
            it.text.push(' ');
            collapse_comments_into(content.trim(), &mut it.text);
            return;
        }
        let owner = self.container(indent_col);
        if let Owner::Section(Some(s)) = owner
            && contains_ignore_case(content.as_bytes(), b"priority")
            && let Some(p) = markers::priority_line(content)
        {
            self.sections[s].priority = Some(p);
        }
        let before = self.signoffs.len();
        let was_signoff = self.in_signoff_section() && self.signoff_label(content.trim());
        if was_signoff
            && self.signoffs.len() > before
            && let Some(role) = self.signoffs.last_mut()
        {
            role.line = line_no;
        }
        self.attach(
            owner,
            Block {
                kind: BlockKind::Text,
                line: line_no,
                content: content.trim().to_string(),
            },
        );
        self.last = if self.frames.is_empty() && indent_col <= 3 {
            self.last_paragraph_body = body;
            Last::Paragraph { line: line_no }
        } else {
            Last::Other
        };
    }

    fn finish_table(&mut self) {
        let Some(table) = self.table.take() else {
            return;
        };
        let valid = table.rows.len() >= 2 && is_table_delimiter(table.rows[1].as_bytes());
        if valid {
            let header = table_cells(&table.rows[0]);
            if markers::is_signoff_header(&header) {
                let find = |words: &[&str]| {
                    header
                        .iter()
                        .position(|h| words.iter().any(|w| h.to_ascii_lowercase().contains(w)))
                };
                let role_col = find(&["role", "approver", "team"]).unwrap_or(0);
                let name_col = find(&["name"]).filter(|&c| c != role_col);
                let sign_col = find(&["signature", "signed", "sign"]).filter(|&c| c != role_col);
                let date_col = find(&["date"]).filter(|&c| c != role_col);
                for (i, row) in table.rows.iter().enumerate().skip(2) {
                    let cells = table_cells(row);
                    let cell = |c: Option<usize>| {
                        c.and_then(|c| cells.get(c))
                            .filter(|v| markers::is_filled(v))
                            .cloned()
                    };
                    let Some(role) = cells.get(role_col).filter(|r| !r.is_empty()) else {
                        continue;
                    };
                    self.signoffs.push(SignoffRole {
                        role: role.clone(),
                        line: table.line + u32::try_from(i).unwrap_or(0),
                        name: cell(name_col).or_else(|| cell(sign_col)),
                        date: cell(date_col),
                        status: None,
                        status_offset: None,
                    });
                }
                return;
            }
        }
        let kind = if valid {
            BlockKind::Table
        } else {
            BlockKind::Text
        };
        let content = table.rows.join("\n");
        self.attach(
            table.owner,
            Block {
                kind,
                line: table.line,
                content,
            },
        );
    }

    fn resolve_priorities(&mut self) {
        // Each section's priority or the nearest one above it, once per
        // section rather than walked up for every item (parents come first).
        let mut section_priority: Vec<Option<Priority>> = Vec::with_capacity(self.sections.len());
        for s in &self.sections {
            let own = s
                .priority
                .or_else(|| s.parent.and_then(|p| section_priority[p]));
            section_priority.push(own);
        }
        for i in 0..self.items.len() {
            let shape = self.shapes[i];
            let marker = if shape.ascii && !shape.has_paren {
                // ASCII without `(`: neither a parenthesised marker nor an emoji.
                markers::leading_priority(&self.items[i].text)
            } else {
                markers::find_priority(&self.items[i].text)
            };
            let inherited = self.items[i]
                .parent
                .map(|p| self.items[p].priority)
                .filter(|p| *p != Priority::Normal)
                .or_else(|| self.items[i].section.and_then(|s| section_priority[s]));
            let item = &mut self.items[i];
            if marker.is_none() && shape.plain_is_text {
                // Tidy ASCII needs no mojibake repair, has no markup to strip
                // (nor code spans) and no spaces to collapse: the plain text
                // is the text.
                item.plain = item.text.clone();
                item.priority = inherited.unwrap_or_default();
                continue;
            }
            let plain_src = match &marker {
                // The marker says how much the task matters; it is not part of the task.
                Some(m) => {
                    let mut s = String::with_capacity(item.text.len());
                    s.push_str(&item.text[..m.range.start]);
                    s.push(' ');
                    s.push_str(&item.text[m.range.end..]);
                    Cow::Owned(s)
                }
                None => Cow::Borrowed(item.text.as_str()),
            };
            let plain = strip_inline(&fix_mojibake(&plain_src));
            item.plain = plain;
            item.code_spans = code_spans(&item.text);
            match marker {
                Some(m) => {
                    item.priority = m.priority;
                    item.priority_marker = Some(m.text);
                }
                None => item.priority = inherited.unwrap_or_default(),
            }
        }
    }

    fn assign_ids(&mut self) -> Result<(), ReadError> {
        // The document's title is its one level-1 heading at the top: it is
        // not part of every id.
        let h1: Vec<usize> = (0..self.sections.len())
            .filter(|&i| self.sections[i].level == 1)
            .collect();
        let title = (h1.len() == 1 && h1[0] == 0).then_some(0);
        for i in 0..self.sections.len() {
            let sec = &self.sections[i];
            let without_marker = match markers::find_priority(&sec.title) {
                Some(m) if m.range.start > 0 => {
                    let mut t = sec.title.clone();
                    t.replace_range(m.range, "");
                    Cow::Owned(t)
                }
                _ => Cow::Borrowed(sec.title.as_str()),
            };
            let s = slug(markers::without_numbering(&without_marker), SEGMENT_LEN);
            self.sections[i].slug = if s.is_empty() { "section".into() } else { s };
        }
        // Ids already taken, borrowed from the explicit ids and the items'
        // bases; the rare numbered ids (`base-2`) are kept in `numbered`.
        // Ids are short strings from the checklist itself: SipHash's
        // resistance to chosen keys buys nothing here, and costs a
        // measurable share of reading a long checklist.
        let mut used: HashSet<&str, FxBuildHasher> =
            HashSet::with_capacity_and_hasher(self.items.len() * 2, FxBuildHasher);
        for (n, (i, id, line, column)) in self.explicit_ids.iter().enumerate() {
            if !VALID_ID.is_match(id) {
                return Err(ReadError::InvalidId {
                    id: id.clone(),
                    line: *line,
                    column: *column,
                });
            }
            if let Some((first, ..)) = self.explicit_ids[..n]
                .iter()
                .find(|(_, other, ..)| other == id)
            {
                return Err(ReadError::DuplicateId {
                    id: id.clone(),
                    line: *line,
                    column: *column,
                    first_line: self.items[*first].line,
                });
            }
            used.insert(id.as_str());
            self.items[*i].id = id.clone();
        }
        // Each section's id prefix, built from its parent's: sections come
        // in document order, parents first.
        // A prefix is the slugs from the outermost section down, joined by
        // `/` (the title's adds nothing). All of them are kept in one string,
        // each a range of it: one allocation instead of one per section.
        let mut prefixes = String::new();
        let mut prefix_range: Vec<std::ops::Range<usize>> = Vec::with_capacity(self.sections.len());
        let mut chain = Vec::new();
        for k in 0..self.sections.len() {
            chain.clear();
            let mut s = Some(k);
            while let Some(i) = s {
                chain.push(i);
                s = self.sections[i].parent;
            }
            let start = prefixes.len();
            for &i in chain.iter().rev() {
                if Some(i) == title {
                    continue;
                }
                if prefixes.len() > start {
                    prefixes.push('/');
                }
                prefixes.push_str(&self.sections[i].slug);
            }
            prefix_range.push(start..prefixes.len());
        }
        let section_prefix = |s: usize| &prefixes[prefix_range[s].clone()];
        // An item's base: its parent item's base (or its section's prefix)
        // and its own slug. Parents come before their children.
        let mut base_of: Vec<String> = Vec::with_capacity(self.items.len());
        for i in 0..self.items.len() {
            let prefix = match self.items[i].parent {
                Some(p) => base_of[p].as_str(),
                None => self.items[i].section.map_or("", section_prefix),
            };
            let plain = &self.items[i].plain;
            let mut base =
                String::with_capacity(prefix.len() + 1 + plain.len().min(4 * SEGMENT_LEN));
            if !prefix.is_empty() {
                base.push_str(prefix);
                base.push('/');
            }
            let own_start = base.len();
            slug_into(plain, SEGMENT_LEN, &mut base);
            if base.len() == own_start {
                base.push_str("item");
            }
            base_of.push(base);
        }
        let mut numbered: Vec<(usize, String)> = Vec::new();
        let mut numbered_used: HashSet<String, FxBuildHasher> = HashSet::default();
        for (i, base) in base_of.iter().enumerate() {
            if self.items[i].explicit_id {
                continue;
            }
            if (numbered_used.is_empty() || !numbered_used.contains(base.as_str()))
                && used.insert(base.as_str())
            {
                continue;
            }
            let mut k = 2;
            let mut id = format!("{base}-{k}");
            while used.contains(id.as_str()) || numbered_used.contains(&id) {
                k += 1;
                id = format!("{base}-{k}");
            }
            numbered_used.insert(id.clone());
            numbered.push((i, id));
        }
        drop(used);
        for (i, base) in base_of.into_iter().enumerate() {
            if !self.items[i].explicit_id {
                self.items[i].id = base;
            }
        }
        for (i, id) in numbered {
            self.items[i].id = id;
        }
        Ok(())
    }
}

/// What one pass over an item's text found (see `list_item`).
#[derive(Clone, Copy)]
struct Shape {
    /// Tidy ASCII without markup: its own plain text unless a priority
    /// marker is cut out of it.
    plain_is_text: bool,
    has_paren: bool,
    /// No byte above 127, so no emoji marker.
    ascii: bool,
}

impl Shape {
    /// Nothing known: every step looks for itself.
    const UNKNOWN: Self = Self {
        plain_is_text: false,
        has_paren: true,
        ascii: false,
    };
}

/// Byte classes for the pass over an item's text.
const MARKUP: u8 = 1;
const CONTROL_SPACE: u8 = 2;
const NON_ASCII: u8 = 4;
const LT: u8 = 8;
const PAREN: u8 = 16;

const CLASSES: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = match b as u8 {
            // What `text::strip_inline` removes or unescapes.
            b'\\' | b'*' | b'~' | b'`' | b'!' | b'[' => MARKUP,
            b'<' => MARKUP | LT,
            b'\t' | b'\n' | b'\x0C' | b'\r' => CONTROL_SPACE,
            b'(' => PAREN,
            0x80..=0xFF => NON_ASCII,
            _ => 0,
        };
        b += 1;
    }
    table
};

/// A bold label at the start of a line: `**Label:** rest`, `**Label**: rest`
/// or `__Label:__ rest`. Returns the label (without its colon), the rest,
/// and whether a colon followed the label.
fn bold_label(text: &str) -> Option<(&str, &str, bool)> {
    let marker = if text.starts_with("**") {
        "**"
    } else if text.starts_with("__") {
        "__"
    } else {
        return None;
    };
    let inner_start = marker.len();
    let close = find_str(&text[inner_start..], marker)? + inner_start;
    let inner = &text[inner_start..close];
    if inner.trim().is_empty() {
        return None;
    }
    let mut rest = &text[close + marker.len()..];
    let mut colon = inner.trim_end().ends_with(':');
    if let Some(r) = rest.trim_start().strip_prefix(':') {
        colon = true;
        rest = r;
    }
    Some((
        inner.trim().trim_end_matches(':').trim(),
        rest.trim(),
        colon,
    ))
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The text without HTML comments and with its spaces collapsed, appended to
/// `out` (an item's text, or a new string).
fn collapse_comments_into(text: &str, out: &mut String) {
    if find_str(text, "<!--").is_none() {
        text::collapse_spaces_into(text, out);
        return;
    }
    let mut without = text.to_string();
    while let Some(start) = without.find("<!--") {
        match without[start..].find("-->") {
            Some(end) => without.replace_range(start..start + end + 3, ""),
            None => break,
        }
    }
    text::collapse_spaces_into(&without, out);
}

fn strip_list_text(content: &str) -> &str {
    let body = content.as_bytes();
    match list_marker(body) {
        Some(w) => content.get(w.min(content.len())..).unwrap_or("").trim(),
        None => content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_and_boxes() {
        assert_eq!(list_marker(b"- [ ] x"), Some(2));
        assert_eq!(list_marker(b"12. [x] y"), Some(4));
        assert_eq!(list_marker(b"-x"), None);
        assert_eq!(list_marker(b"**bold**"), None);
        assert_eq!(task_box(b"[ ] a").map(|t| t.0), Some(Status::Todo));
        assert_eq!(task_box(b"[X]").map(|t| t.0), Some(Status::Done));
        assert_eq!(task_box(b"[~] a").map(|t| t.0), Some(Status::InProgress));
        assert_eq!(task_box(b"[!] a").map(|t| t.0), Some(Status::Blocked));
        assert!(task_box(b"[link](x)").is_none());
        assert!(task_box(b"[a] b").is_none());
    }

    #[test]
    fn code_span_extraction() {
        assert_eq!(code_spans("Set `A` and ``b ` c``"), vec!["A", "b ` c"]);
        assert_eq!(code_spans("unclosed `tick"), Vec::<String>::new());
    }
}
