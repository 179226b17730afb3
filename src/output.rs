//! Writing results: stdout (a closed pipe is not an error), a file written atomically, or a
//! directory written atomically.
//!
//! Invariant: what `-o` names is replaced whole or not at all: its new contents are written
//! under a temporary name beside it, synced, then renamed into place; on any failure the
//! temporary file or directory is removed and the old one is left as it was.

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

/// The error of a write to `path`.
fn cannot_write(path: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::new(format!("cannot write `{}`: {e}", path.display()))
}

/// The error of a write to stdout: a closed pipe is [`CliError::BrokenPipe`] (exit 0, nothing
/// printed).
fn stdout_error(e: &std::io::Error) -> CliError {
    if is_broken_pipe(e) {
        CliError::BrokenPipe
    } else {
        CliError::new(format!("cannot write to stdout: {e}"))
    }
}

/// The directory `path` is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
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
            let fail = |e: std::io::Error| StreamError::Output(cannot_write(path, e));
            let tmp = temp_beside(path).map_err(fail)?;
            let mut w = std::io::BufWriter::with_capacity(1 << 16, tmp);
            produce(&mut w).map_err(StreamError::Producer)?;
            let tmp = w.into_inner().map_err(|e| fail(e.into_error()))?;
            finish_atomic(tmp, path).map_err(StreamError::Output)
        }
        _ => {
            let stdout = std::io::stdout().lock();
            let mut w = std::io::BufWriter::with_capacity(1 << 16, stdout);
            produce(&mut w).map_err(StreamError::Producer)?;
            w.flush().map_err(|e| StreamError::Output(stdout_error(&e)))
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
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| stdout_error(&e))
}

/// Replace `path` with `bytes` so that readers see either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let fail = |e| cannot_write(path, e);
    let mut tmp = temp_beside(path).map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    finish_atomic(tmp, path)
}

/// A temporary file in `path`'s directory, to be renamed onto `path`.
fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::NamedTempFile::new_in(parent_dir(path))
}

/// Give the temporary file its permissions, sync it and rename it onto `path`.
fn finish_atomic(tmp: tempfile::NamedTempFile, path: &Path) -> Result<(), CliError> {
    let fail = |e| cannot_write(path, e);
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

/// Write the directory `dir` atomically: `produce` fills a fresh temporary directory beside
/// it (same parent, named `.NAME.XXXXXX`), every file in it is synced, and it is renamed to
/// `dir`. An existing `dir` is replaced only once the new one is complete: it is first renamed
/// aside (into a temporary `.NAME.old.XXXXXX/`), the new one renamed in, then the old one
/// removed. If either fails, or `produce` does, the temporary directory is removed and `dir`
/// is left as it was (the old one is renamed back).
///
/// If the process dies in between, nothing is half-written under `dir`'s name, but hidden
/// directories may be left beside it: `.NAME.XXXXXX` (a new directory, complete only if the
/// old one was already set aside) and `.NAME.old.XXXXXX/NAME` (the previous contents, whole).
/// Between the two renames `dir` itself is missing for an instant: a crash there leaves both
/// complete directories under those names, for a person to rename back.
pub fn write_dir<E>(
    dir: &Path,
    produce: impl FnOnce(&Path) -> Result<(), E>,
) -> Result<(), StreamError<E>> {
    let fail = |e: std::io::Error| StreamError::Output(cannot_write(dir, e));
    let name = match dir.file_name() {
        Some(n) if dir.components().next_back() == Some(std::path::Component::Normal(n)) => n,
        _ => {
            return Err(StreamError::Output(cannot_write(
                dir,
                "name a directory to create or replace, such as `out`",
            )))
        }
    };
    let parent = parent_dir(dir);
    let old = match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Some(meta.permissions()),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(StreamError::Output(cannot_write(
                dir,
                "it is a symbolic link; name the directory itself",
            )))
        }
        Ok(_) => {
            return Err(StreamError::Output(cannot_write(
                dir,
                "it exists and is not a directory",
            )))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail(e)),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    let tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(parent)
        .map_err(|e| fail(without_temp_name(e)))?;
    produce(tmp.path()).map_err(StreamError::Producer)?;
    // The temporary directory is created 0700: give the result the replaced directory's
    // permissions, or the usual 0755.
    let permissions = match &old {
        Some(p) => p.clone(),
        None => default_dir_permissions(tmp.path()).map_err(fail)?,
    };
    std::fs::set_permissions(tmp.path(), permissions).map_err(fail)?;
    sync_tree(tmp.path()).map_err(fail)?;
    match old {
        None => {
            std::fs::rename(tmp.path(), dir).map_err(fail)?;
            // Renamed: nothing is left to remove.
            let _ = tmp.keep();
        }
        Some(_) => {
            prefix.push("old.");
            let aside = tempfile::Builder::new()
                .prefix(&prefix)
                .tempdir_in(parent)
                .map_err(|e| fail(without_temp_name(e)))?;
            let previous = aside.path().join(name);
            std::fs::rename(dir, &previous).map_err(fail)?;
            if let Err(e) = std::fs::rename(tmp.path(), dir) {
                let back = std::fs::rename(&previous, dir);
                return Err(match back {
                    Ok(()) => fail(e),
                    Err(b) => StreamError::Output(CliError::new(format!(
                        "cannot write `{}`: {e}; its previous contents are in `{}` ({b})",
                        dir.display(),
                        aside.keep().join(name).display()
                    ))),
                });
            }
            let _ = tmp.keep();
            aside.close().map_err(|e| {
                StreamError::Output(CliError::new(format!(
                    "wrote `{}`, but cannot remove its previous contents beside it: {e}",
                    dir.display()
                )))
            })?;
        }
    }
    sync_dir(parent).map_err(fail)?;
    Ok(())
}

/// `tempfile`'s error without the random name it tried (the message names `-o` instead).
fn without_temp_name(e: std::io::Error) -> std::io::Error {
    let text = e.to_string();
    match text.split_once(" at path \"") {
        Some((message, _)) => std::io::Error::new(e.kind(), message.to_string()),
        None => e,
    }
}

/// Sync every file under `dir`, then `dir` itself.
fn sync_tree(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            sync_tree(&entry.path())?;
        } else if kind.is_file() {
            std::fs::File::open(entry.path())?.sync_all()?;
        }
    }
    sync_dir(dir)
}

/// Make a directory's entries (files created, renamed in) durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn default_dir_permissions(_dir: &Path) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn default_dir_permissions(dir: &Path) -> std::io::Result<std::fs::Permissions> {
    Ok(std::fs::metadata(dir)?.permissions())
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

    /// The names in `dir`, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    fn fill(files: &'static [&'static str]) -> impl FnOnce(&Path) -> Result<(), String> {
        move |dir: &Path| {
            for f in files {
                std::fs::write(dir.join(f), f.as_bytes()).map_err(|e| e.to_string())?;
            }
            Ok(())
        }
    }

    fn message<E>(r: Result<(), StreamError<E>>) -> String {
        match r {
            Err(StreamError::Output(e)) => e.to_string(),
            Err(StreamError::Producer(_)) => "the producer failed".into(),
            Ok(()) => "written".into(),
        }
    }

    #[test]
    fn a_directory_appears_whole_with_readable_permissions() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("tables");
        assert!(write_dir(&out, fill(&["a.csv", "b.csv"])).is_ok());
        assert_eq!(names(parent.path()), ["tables"]);
        assert_eq!(names(&out), ["a.csv", "b.csv"]);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "a.csv");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o755);
        }
    }

    #[test]
    fn an_existing_directory_is_replaced_whole() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("tables");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("stale.csv"), "old").unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o750)).unwrap();
        }
        assert!(write_dir(&out, fill(&["a.csv"])).is_ok());
        assert_eq!(names(parent.path()), ["tables"]);
        assert_eq!(names(&out), ["a.csv"]);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "a.csv");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o750);
        }
    }

    #[test]
    fn a_failed_producer_leaves_the_old_directory_and_nothing_else() {
        let parent = tempfile::tempdir().unwrap();
        let out = parent.path().join("tables");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.csv"), "old").unwrap();
        let r = write_dir(&out, |dir: &Path| {
            std::fs::write(dir.join("a.csv"), "half").unwrap();
            Err::<(), _>("stopped")
        });
        assert_eq!(message(r), "the producer failed");
        assert_eq!(names(parent.path()), ["tables"]);
        assert_eq!(std::fs::read_to_string(out.join("a.csv")).unwrap(), "old");
        let fresh = parent.path().join("fresh");
        assert!(write_dir(&fresh, |_: &Path| Err::<(), _>(())).is_err());
        assert_eq!(names(parent.path()), ["tables"]);
    }

    #[test]
    fn an_unwritable_place_is_a_clear_error_and_leaves_nothing() {
        let parent = tempfile::tempdir().unwrap();
        let file = parent.path().join("file");
        std::fs::write(&file, "x").unwrap();
        // The parent is a file.
        let r = message(write_dir(&file.join("tables"), fill(&["a.csv"])));
        assert!(
            r.starts_with("cannot write `") && r.contains("file/tables`: "),
            "{r}"
        );
        assert!(!r.contains(".tables."), "{r}");
        // The directory's name is taken by a file.
        let r = message(write_dir(&file, fill(&["a.csv"])));
        assert!(r.ends_with("it exists and is not a directory"), "{r}");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
        // The parent is missing.
        let r = message(write_dir(
            &parent.path().join("no/tables"),
            fill(&["a.csv"]),
        ));
        assert!(r.contains("no/tables`: "), "{r}");
        // A symbolic link is not followed (renaming would replace the link, not its target).
        #[cfg(unix)]
        {
            let link = parent.path().join("link");
            std::os::unix::fs::symlink(parent.path(), &link).unwrap();
            let r = message(write_dir(&link, fill(&["a.csv"])));
            assert!(
                r.ends_with("it is a symbolic link; name the directory itself"),
                "{r}"
            );
            std::fs::remove_file(&link).unwrap();
        }
        // A name that is not a directory's.
        for odd in [".", "..", "/"] {
            let r = message(write_dir(Path::new(odd), fill(&["a.csv"])));
            assert!(
                r.contains("name a directory to create or replace"),
                "{odd}: {r}"
            );
        }
        assert_eq!(names(parent.path()), ["file"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_parent_is_a_clear_error() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().unwrap();
        let locked = parent.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(locked.join("probe"), "").is_ok() {
            // Running as root: permissions do not stop this process.
            eprintln!("SKIPPED: a read-only directory is writable by this user");
            return;
        }
        let r = message(write_dir(&locked.join("tables"), fill(&["a.csv"])));
        assert!(r.contains("locked/tables`: Permission denied"), "{r}");
        assert!(names(&locked).is_empty());
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
