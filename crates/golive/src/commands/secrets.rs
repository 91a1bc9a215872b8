//! `golive secrets gen`: strong secrets from the operating system's generator.

use std::process::ExitCode;

use base64::Engine;

use crate::cli::{ColorWhen, SecretsArgs, SecretsCommand};
use crate::failure::Failure;
use crate::output;

pub fn command(args: &SecretsArgs, color: ColorWhen) -> Result<ExitCode, Failure> {
    let SecretsCommand::Gen { hex, base64, count } = &args.command;
    let (bytes, b64) = match (hex, base64) {
        (_, Some(n)) => (*n, true),
        (Some(n), None) => (*n, false),
        (None, None) => (32, false),
    };
    if !(16..=1024).contains(&bytes) {
        return Err(Failure::input(format!(
            "{bytes} bytes: choose 16 to 1024 (32 is the usual)"
        )));
    }
    let mut lines = Vec::new();
    for _ in 0..(*count).clamp(1, 1000) {
        let mut buf = vec![0u8; bytes];
        getrandom::fill(&mut buf)
            .map_err(|e| Failure::internal(format!("the system's random generator failed: {e}")))?;
        lines.push(if b64 {
            base64::engine::general_purpose::STANDARD.encode(&buf)
        } else {
            hex::encode(&buf)
        });
    }
    output::emit(None, color, |out| {
        for l in &lines {
            writeln!(out, "{l}")?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
