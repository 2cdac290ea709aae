//! Opening input files, with transparent gzip decompression.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Buffer size of the readers returned by [`open`].
const BUF_SIZE: usize = 1 << 18;

/// Opens `path` for buffered reading; gzip data (recognised by its magic bytes `1f 8b`,
/// whatever the file name) is decompressed on the fly.
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
        Ok(Box::new(BufReader::with_capacity(BUF_SIZE, MultiGzDecoder::new(reader))))
    } else {
        Ok(Box::new(reader))
    }
}

/// Reads one line into `buf` (cleared first), mapping I/O errors (including invalid UTF-8
/// or a corrupt gzip stream) to an error naming the file and line. Returns false at the end.
pub(crate) fn next_line(reader: &mut dyn BufRead, buf: &mut String, path: &Path, line: usize) -> Result<bool> {
    buf.clear();
    match reader.read_line(buf) {
        Ok(0) => Ok(false),
        Ok(_) => Ok(true),
        Err(e) => Err(crate::error::parse_err(path, line, format!("cannot read: {e}"))),
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
