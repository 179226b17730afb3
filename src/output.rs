//! Writing results: stdout (a closed pipe is not an error) or a file written atomically.

use crate::cli::CliError;
use std::io::Write;
use std::path::Path;

/// Write `bytes` to `out` (atomically: a temporary file in the same directory, then renamed),
/// or to stdout when `out` is `None` or `-`.
pub fn write_output(out: Option<&Path>, bytes: &[u8]) -> Result<(), CliError> {
    match out {
        Some(path) if path != Path::new("-") => write_atomic(path, bytes),
        _ => write_stdout(bytes),
    }
}

/// Why streamed output failed: the output itself, or the producer (whose error is kept).
pub enum StreamError<E> {
    Output(CliError),
    Producer(E),
}

/// Stream what `produce` writes to `out` (atomically, as [`write_atomic`]: on an error of
/// the producer the temporary file is removed and `out` is left as it was), or to stdout
/// when `out` is `None` or `-` (buffered; a closed pipe is [`CliError::BrokenPipe`]).
pub fn stream<E>(
    out: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), StreamError<E>> {
    match out {
        Some(path) if path != Path::new("-") => {
            let fail = |e: std::io::Error| {
                CliError::new(format!("cannot write `{}`: {e}", path.display()))
            };
            let tmp = temp_beside(path).map_err(|e| StreamError::Output(fail(e)))?;
            let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp);
            produce(&mut w).map_err(StreamError::Producer)?;
            let tmp = w
                .into_inner()
                .map_err(|e| StreamError::Output(fail(e.into_error())))?;
            finish_atomic(tmp, path).map_err(StreamError::Output)
        }
        _ => {
            let stdout = std::io::stdout().lock();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout);
            produce(&mut w).map_err(StreamError::Producer)?;
            match w.flush() {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    Err(StreamError::Output(CliError::BrokenPipe))
                }
                Err(e) => Err(StreamError::Output(CliError::new(format!(
                    "cannot write to stdout: {e}"
                )))),
            }
        }
    }
}

/// Whether an I/O error is a closed pipe (the reader went away: not a failure).
pub fn is_broken_pipe(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Write to stdout; a closed pipe becomes [`CliError::BrokenPipe`] (exit 0, nothing printed).
pub fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::BrokenPipe),
        Err(e) => Err(CliError::new(format!("cannot write to stdout: {e}"))),
    }
}

/// Replace `path` with `bytes` so that readers see either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::new(format!("cannot write `{}`: {e}", path.display()));
    let mut tmp = temp_beside(path).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    finish_atomic(tmp, path)
}

/// A temporary file in `path`'s directory, to be renamed onto `path`.
fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::NamedTempFile::new_in(dir)
}

/// Give the temporary file its permissions, sync it and rename it onto `path`.
fn finish_atomic(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), CliError> {
    let fail = |e: std::io::Error| CliError::new(format!("cannot write `{}`: {e}", path.display()));
    // The temporary file is created 0600; give the result the replaced file's permissions, or
    // the usual 0644 for a new file, so that a generated page can be served as it is.
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => meta.permissions(),
        Err(_) => default_permissions(tmp.as_file()).map_err(fail)?,
    };
    tmp.as_file().set_permissions(permissions).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}

#[cfg(unix)]
fn default_permissions(_file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        std::fs::write(&path, "old contents that are longer").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_or_sets_readable_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("page.html");
        write_atomic(&fresh, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&fresh), 0o644);
        std::fs::set_permissions(&fresh, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&fresh, b"y").unwrap();
        assert_eq!(mode(&fresh), 0o640);
    }

    #[test]
    fn atomic_write_to_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("no/such/out.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("cannot write"));
    }
}
