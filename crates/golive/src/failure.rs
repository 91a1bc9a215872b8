//! "golive failed": bad input (exit 2) or a failure of golive itself (exit
//! 3), reported with the file, line and column where there is one.

use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};

use crate::cli::ColorWhen;

#[derive(Debug)]
pub struct Location {
    pub path: PathBuf,
    pub line: u32,
    pub column: u32,
    /// The file's text and the span to underline, for a snippet.
    pub source: Option<(String, Range<usize>)>,
}

#[derive(Debug)]
pub enum Failure {
    /// The input or the command line is wrong.
    Input {
        message: String,
        at: Option<Box<Location>>,
    },
    /// golive itself failed.
    Internal(String),
}

impl Failure {
    pub fn input(message: impl Into<String>) -> Self {
        Self::Input {
            message: message.into(),
            at: None,
        }
    }

    pub fn input_at(message: impl Into<String>, at: Location) -> Self {
        Self::Input {
            message: message.into(),
            at: Some(Box::new(at)),
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// A file that cannot be read.
    pub fn unreadable(path: &Path, e: &std::io::Error) -> Self {
        Self::input(format!("{}: cannot read: {e}", path.display()))
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Self::Input { .. } => ExitCode::from(2),
            Self::Internal(_) => ExitCode::from(3),
        }
    }

    pub fn report(&self, color: ColorWhen) {
        let choice = match color {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        let mut err = anstream::AutoStream::new(std::io::stderr(), choice);
        let text = match self {
            Self::Internal(message) => format!("error: golive failed: {message}\n"),
            Self::Input { message, at: None } => format!("error: {message}\n"),
            Self::Input {
                message,
                at: Some(at),
            } => {
                let place = format!("{}:{}:{}", at.path.display(), at.line, at.column);
                match &at.source {
                    Some((source, span)) if span.end <= source.len() => {
                        let path = at.path.display().to_string();
                        let report = &[Level::ERROR.primary_title(message.as_str()).element(
                            Snippet::source(source.as_str())
                                .path(path.as_str())
                                .annotation(AnnotationKind::Primary.span(span.clone())),
                        )];
                        format!("{}\n", Renderer::styled().render(report))
                    }
                    _ => format!("error: {place}: {message}\n"),
                }
            }
        };
        let _ = err.write_all(text.as_bytes());
    }
}
