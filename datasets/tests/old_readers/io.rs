//! `open` and `next_line` as they were before the chunked rewrite (commit 082fd37,
//! `datasets/src/io.rs`): the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code)]

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const BUF_SIZE: usize = 1 << 18;

pub fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(io)?;
    let mut reader = BufReader::with_capacity(BUF_SIZE, file);
    let gzip = reader.fill_buf().map_err(io)?.starts_with(&GZIP_MAGIC);
    if gzip {
        Ok(Box::new(BufReader::with_capacity(BUF_SIZE, MultiGzDecoder::new(reader))))
    } else {
        Ok(Box::new(reader))
    }
}

pub(crate) fn next_line(reader: &mut dyn BufRead, buf: &mut String, path: &Path, line: usize) -> Result<bool> {
    buf.clear();
    match reader.read_line(buf) {
        Ok(0) => Ok(false),
        Ok(_) => Ok(true),
        Err(e) => Err(crate::error::parse_err(path, line, format!("cannot read: {e}"))),
    }
}
