//! Opening input files, with transparent gzip decompression.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Buffer size of the readers returned by [`open`].
const BUF_SIZE: usize = 1 << 18;

/// Opens `path` for buffered reading; gzip data (recognised by its magic bytes `1f 8b`,
/// whatever the file name) is decompressed on the fly, in a thread of its own (see
/// [`Gunzip`]) so that decoding overlaps parsing.
///
/// # Errors
/// [`Error::Io`] naming the path if the file cannot be opened or read.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    // Peek at the first bytes through the buffer (rather than reopening the file), so that
    // pipes such as /dev/stdin work too.
    let mut reader = BufReader::with_capacity(BUF_SIZE, file);
    let gzip = reader.fill_buf().map_err(io)?.starts_with(&GZIP_MAGIC);
    if gzip {
        Ok(Box::new(BufReader::with_capacity(BUF_SIZE, Gunzip::spawn(reader).map_err(io)?)))
    } else {
        Ok(Box::new(reader))
    }
}

/// Decoded bytes handed from the decoding thread to the reader at a time.
const GUNZIP_CHUNK: usize = 1 << 20;

/// Chunks in flight between the decoding thread and the reader.
const GUNZIP_QUEUE: usize = 4;

/// A gzip stream decoded by a thread of its own: the thread reads and inflates
/// [`GUNZIP_CHUNK`]-byte chunks ahead (at most [`GUNZIP_QUEUE`] of them) and this reader hands
/// them out. Decoding errors arrive in order, after the bytes decoded before them. The
/// thread stops at the end of the stream, after an error, or when this reader is dropped.
struct Gunzip {
    chunks: crossbeam_channel::Receiver<std::io::Result<Vec<u8>>>,
    /// Emptied chunks, sent back for reuse.
    spent: crossbeam_channel::Sender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl Gunzip {
    fn spawn<R: Read + Send + 'static>(compressed: R) -> std::io::Result<Gunzip> {
        let (tx, chunks) = crossbeam_channel::bounded(GUNZIP_QUEUE);
        let (spent, reuse) = crossbeam_channel::bounded::<Vec<u8>>(GUNZIP_QUEUE + 2);
        let decode = move || {
            let mut decoder = MultiGzDecoder::new(compressed);
            loop {
                let mut chunk = reuse.try_recv().unwrap_or_default();
                chunk.resize(GUNZIP_CHUNK, 0);
                let mut filled = 0;
                let result = loop {
                    match decoder.read(&mut chunk[filled..]) {
                        Ok(0) => break Ok(()),
                        Ok(n) => {
                            filled += n;
                            if filled == chunk.len() {
                                break Ok(());
                            }
                        }
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => break Err(e),
                    }
                };
                chunk.truncate(filled);
                let last = filled < GUNZIP_CHUNK || result.is_err();
                if filled > 0 && tx.send(Ok(chunk)).is_err() {
                    return;
                }
                if let Err(e) = result {
                    let _ = tx.send(Err(e));
                    return;
                }
                if last {
                    return;
                }
            }
        };
        std::thread::Builder::new().name("gunzip".into()).spawn(decode)?;
        Ok(Gunzip { chunks, spent, chunk: Vec::new(), pos: 0 })
    }
}

impl Read for Gunzip {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.chunk.len() {
            match self.chunks.recv() {
                Ok(Ok(next)) => {
                    let spent = std::mem::replace(&mut self.chunk, next);
                    // The thread may have stopped already: then the chunk is just dropped.
                    let _ = self.spent.try_send(spent);
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The thread has sent everything (or could not start reading).
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).expect("write");
        gz.finish().expect("finish")
    }

    fn read_all(path: &Path) -> String {
        let mut s = String::new();
        open(path).expect("open").read_to_string(&mut s).expect("read");
        s
    }

    #[test]
    fn gzip_is_detected_by_magic_bytes_not_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let hidden = dir.path().join("plain-name.libsvm");
        std::fs::write(&hidden, gzip(b"1 1:2\n")).expect("write");
        assert_eq!(read_all(&hidden), "1 1:2\n");
        let fake = dir.path().join("not-really.gz");
        std::fs::write(&fake, b"1 1:2\n").expect("write");
        assert_eq!(read_all(&fake), "1 1:2\n");
        // Concatenated gzip members (as produced by `cat a.gz b.gz`) are read in full.
        let multi = dir.path().join("multi.gz");
        std::fs::write(&multi, [gzip(b"a\n"), gzip(b"b\n")].concat()).expect("write");
        assert_eq!(read_all(&multi), "a\nb\n");
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").expect("write");
        assert_eq!(read_all(&empty), "");
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = open(Path::new("/nonexistent/dir/x.libsvm")).err().expect("missing file");
        assert!(matches!(e, Error::Io { .. }));
        let msg = e.to_string();
        assert!(msg.starts_with("cannot read /nonexistent/dir/x.libsvm: "), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }

    #[test]
    fn corrupt_gzip_is_an_error_with_the_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("bad.libsvm.gz");
        let mut bytes = gzip(&b"1 1:2\n".repeat(1000));
        bytes.truncate(bytes.len() / 2);
        std::fs::write(&p, bytes).expect("write");
        let e = crate::read_libsvm(open(&p).expect("open"), &p).expect_err("truncated gzip");
        assert!(matches!(e, Error::Parse { .. }), "{e}");
    }
}
