//! Opening input files, with transparent gzip decompression.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

/// Opens `path` for buffered reading; gzip data (recognised by its magic bytes `1f 8b`,
/// whatever the file name) is decompressed on the fly.
///
/// # Errors
/// [`Error::Io`] naming the path if the file cannot be opened or read.
pub fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let mut file = File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match file.read(&mut magic[got..]).map_err(io)? {
            0 => break,
            k => got += k,
        }
    }
    let file = File::open(path).map_err(io)?;
    if got == 2 && magic == [0x1f, 0x8b] {
        Ok(Box::new(BufReader::with_capacity(1 << 16, MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file)))))
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
    }
}

/// Reads one line into `buf` (cleared first), mapping I/O errors (including invalid UTF-8
/// or a corrupt gzip stream) to an error naming the file and line. Returns false at the end.
pub(crate) fn next_line(
    reader: &mut dyn BufRead,
    buf: &mut String,
    path: &Path,
    line: usize,
) -> Result<bool> {
    buf.clear();
    match reader.read_line(buf) {
        Ok(0) => Ok(false),
        Ok(_) => Ok(true),
        Err(e) => Err(crate::error::parse_err(path, line, format!("cannot read: {e}"))),
    }
}
