//! Saving a download stream to a file, atomically.

use std::path::{Path, PathBuf};

use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::error::{Error, Result};
use crate::executor::ByteStream;

/// Streams `stream` into `path` and returns the file's absolute path.
///
/// The bytes go to a hidden temporary file in the same directory, which is
/// renamed onto `path` only once the stream has ended and the data is
/// synced, so `path` never holds a partial file. If the stream yields an
/// error (or writing fails, or the future is dropped) the temporary file is
/// removed and `path` is left as it was.
///
/// An existing `path` is replaced only when `overwrite` is true; otherwise
/// the call fails with [`Error::AlreadyExists`], checked both before
/// streaming and (where the file system supports hard links) atomically at
/// the end.
///
/// ```no_run
/// # async fn demo(stream: airbyte_agent_sdk::ByteStream) -> airbyte_agent_sdk::Result<()> {
/// let saved = airbyte_agent_sdk::download::save_download(stream, "report.pdf", false).await?;
/// println!("saved to {}", saved.display());
/// # Ok(()) }
/// ```
pub async fn save_download(
    mut stream: ByteStream,
    path: impl AsRef<Path>,
    overwrite: bool,
) -> Result<PathBuf> {
    let target = std::path::absolute(path.as_ref()).map_err(|e| Error::io(path.as_ref(), e))?;
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::invalid_argument("path", format!("`{}` names no file", target.display()))
        })?;
    let dir = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    if !overwrite && tokio::fs::try_exists(&target).await.unwrap_or(false) {
        return Err(Error::AlreadyExists { path: target });
    }

    let (mut file, temp) = create_temp(&dir, &file_name).await?;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?; // `temp` removes the partial file on return
        file.write_all(&chunk)
            .await
            .map_err(|e| Error::io(temp.path(), e))?;
    }
    file.flush().await.map_err(|e| Error::io(temp.path(), e))?;
    file.sync_all()
        .await
        .map_err(|e| Error::io(temp.path(), e))?;
    drop(file);

    if overwrite {
        tokio::fs::rename(temp.path(), &target)
            .await
            .map_err(|e| Error::io(&target, e))?;
    } else {
        // A hard link fails if the target appeared meanwhile: no clobbering.
        match tokio::fs::hard_link(temp.path(), &target).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::AlreadyExists { path: target });
            }
            Err(_) => {
                // No hard links here (some file systems): check, then rename.
                if tokio::fs::try_exists(&target).await.unwrap_or(false) {
                    return Err(Error::AlreadyExists { path: target });
                }
                tokio::fs::rename(temp.path(), &target)
                    .await
                    .map_err(|e| Error::io(&target, e))?;
            }
        }
    }
    temp.finish();
    Ok(target)
}

/// A temporary file removed on drop unless [`finish`](Self::finish)ed.
struct TempPath {
    path: PathBuf,
    keep: bool,
}

impl TempPath {
    fn path(&self) -> &Path {
        &self.path
    }

    /// The file was renamed (nothing left) or linked (remove our name).
    fn finish(mut self) {
        let _ = std::fs::remove_file(&self.path);
        self.keep = true;
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

async fn create_temp(dir: &Path, file_name: &str) -> Result<(tokio::fs::File, TempPath)> {
    for _ in 0..16 {
        let suffix: u64 = rand::random();
        let path = dir.join(format!(".{file_name}.{suffix:016x}.part"));
        match tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .await
        {
            Ok(file) => return Ok((file, TempPath { path, keep: false })),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(dir, e)),
        }
    }
    Err(Error::io(
        dir,
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "could not pick a unique temporary file name",
        ),
    ))
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::ErrorKind;

    fn stream_of(items: Vec<Result<&'static [u8]>>) -> ByteStream {
        futures::stream::iter(items.into_iter().map(|r| r.map(Bytes::from_static))).boxed()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn writes_all_chunks_and_returns_absolute_path() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        let saved = save_download(stream_of(vec![Ok(b"hello "), Ok(b"world")]), &target, false)
            .await
            .unwrap();
        assert!(saved.is_absolute());
        assert_eq!(saved, target);
        assert_eq!(std::fs::read(&target).unwrap(), b"hello world");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);
    }

    #[tokio::test]
    async fn relative_paths_become_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let rel = pathdiff(dir.path());
        let saved = save_download(stream_of(vec![Ok(b"x")]), rel.join("f.txt"), false)
            .await
            .unwrap();
        assert!(saved.is_absolute());
        assert_eq!(std::fs::read(dir.path().join("f.txt")).unwrap(), b"x");
    }

    /// A relative path from the current directory to `p` (via `..`s).
    fn pathdiff(p: &Path) -> PathBuf {
        let cwd = std::env::current_dir().unwrap();
        let depth = cwd.components().count() - 1;
        let mut rel = PathBuf::new();
        for _ in 0..depth {
            rel.push("..");
        }
        rel.join(p.strip_prefix("/").unwrap())
    }

    #[tokio::test]
    async fn refuses_to_overwrite_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        std::fs::write(&target, b"old").unwrap();
        let err = save_download(stream_of(vec![Ok(b"new")]), &target, false)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);

        save_download(stream_of(vec![Ok(b"new")]), &target, true)
            .await
            .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);
    }

    #[tokio::test]
    async fn interrupted_stream_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        let broken = stream_of(vec![
            Ok(b"partial"),
            Err(Error::Execution {
                message: "connection reset".into(),
            }),
            Ok(b"never"),
        ]);
        let err = save_download(broken, &target, false).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Execution);
        assert!(entries(dir.path()).is_empty());

        // With overwrite, the old file survives an interrupted stream.
        std::fs::write(&target, b"old").unwrap();
        let broken = stream_of(vec![
            Ok(b"partial"),
            Err(Error::Execution {
                message: "boom".into(),
            }),
        ]);
        save_download(broken, &target, true).await.unwrap_err();
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        assert_eq!(entries(dir.path()), vec!["out.bin"]);
    }

    #[tokio::test]
    async fn dropped_future_removes_the_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.bin");
        let endless: ByteStream = futures::stream::iter(vec![Ok(Bytes::from_static(b"a"))])
            .chain(futures::stream::pending())
            .boxed();
        let fut = save_download(endless, &target, false);
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(100), fut).await;
        assert!(timed_out.is_err());
        assert!(entries(dir.path()).is_empty());
    }

    #[tokio::test]
    async fn missing_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = save_download(
            stream_of(vec![Ok(b"x")]),
            dir.path().join("no/such/f"),
            false,
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io);
    }
}
