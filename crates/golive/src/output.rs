//! The one writer all output goes through: standard output or `-o FILE`,
//! with colour only on a terminal and never with NO_COLOR.

use std::io::{self, Write};
use std::path::Path;

use crate::cli::ColorWhen;
use crate::failure::Failure;

pub fn choice(color: ColorWhen) -> anstream::ColorChoice {
    match color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    }
}

pub fn stdout(color: ColorWhen) -> anstream::AutoStream<io::Stdout> {
    anstream::AutoStream::new(io::stdout(), choice(color))
}

/// Writes `render`'s output to `path` (plain, no colour) or standard output.
pub fn emit(
    path: Option<&Path>,
    color: ColorWhen,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), Failure> {
    match path {
        Some(p) => {
            let mut bytes = Vec::new();
            render(&mut bytes)
                .map_err(|e| Failure::internal(format!("rendering the report: {e}")))?;
            let mut plain = anstream::StripStream::new(Vec::new());
            plain
                .write_all(&bytes)
                .map_err(|e| Failure::internal(e.to_string()))?;
            write_atomically(p, &plain.into_inner())
                .map_err(|e| Failure::input(format!("{}: cannot write: {e}", p.display())))
        }
        None => {
            let mut out = stdout(color);
            match render(&mut out).and_then(|()| out.flush()) {
                Ok(()) => Ok(()),
                // A closed pipe (`golive plan … | head`) is not a failure.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(Failure::internal(format!("writing the report: {e}"))),
            }
        }
    }
}

/// Replaces a file's content all at once: a temporary file beside it is
/// written, synced and renamed over it, so a crash never leaves half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
