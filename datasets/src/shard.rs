//! Reading one worker's part of a text input by byte ranges: how every rank of an MPI job
//! reads only its own shard of a corpus or a ratings file.
//!
//! The data section of a file (after its header lines) is cut into `P` equal byte shares,
//! share `p` = `[b_p, b_{p+1})` with `b_p = data_start + p · (len − data_start) / P`. A
//! *record* (a document, a rating) is one line or, in formats where a record spans lines (UCI
//! docword: one line per distinct word of a document), a run of consecutive lines that
//! `continues` says belong together. **Worker `p` owns the records whose first line starts in
//! share `p`.** To find them a reader
//! * reads the line holding byte `b_p − 1` (the last line starting before its share) to learn
//!   whether the first line of the share continues a record of worker `p − 1`;
//! * reads its share;
//! * reads on past `b_{p+1}` to the end of its last record, and the first line of the next
//!   record (to see that it is one).
//!
//! So a worker parses its share plus one line at its start boundary and, at its end boundary,
//! the rest of its last record (for one-line records: the rest of one line), and looks at the
//! first line of the next record. The rule depends only
//! on the file and `P`, never on how the workers are placed on processes: threads and MPI
//! ranks get the same records per worker, hence the same model bits.
//!
//! A gzip file cannot be entered in the middle: a reader decodes it from the start and
//! discards what lies before its share (counted as skipped, never held). Its length is the
//! gzip trailer's `ISIZE` (the uncompressed size modulo 2³²); the reader that reaches the end
//! checks it, so a file over 4 GiB uncompressed, or one of several gzip members, is an error
//! that says to decompress it.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::lines::{trim_ascii_line, Line, Lines};

/// The first two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Bytes read backwards at a time to find the line before a share.
const BACK: u64 = 4096;

/// The byte shares of a text file's data section for `P` workers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextShares {
    path: PathBuf,
    gzip: bool,
    /// Length of the (uncompressed) file, bytes.
    len: u64,
    /// Offset of the first data line (after the header).
    data_start: u64,
    /// `b_0 ..= b_P`.
    bounds: Vec<u64>,
}

/// What one process's reading of its workers' shares cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShareRead {
    /// Bytes of the shares of the workers read (`b_end − b_start`).
    pub share: u64,
    /// Bytes of the lines parsed: the header, the line before the first share, the shares,
    /// and the lines past the last share that finish its last record (the first line of the
    /// next record, looked at to see that one starts there, is not counted).
    pub parsed: u64,
    /// Bytes taken from the file by the line reader, buffer read-ahead included (for gzip:
    /// decoded bytes, from the start of the file).
    pub from_file: u64,
    /// Decoded gzip bytes discarded before the shares (0 for a plain file).
    pub skipped: u64,
}

/// The first lines of the next record after each boundary a reader passed (see
/// [`TextShares::read`]).
#[derive(Debug, Clone, Default)]
pub struct Boundaries {
    /// For each boundary `k` of `workers.start ..= workers.end`: the first line of the first
    /// record that starts at or after `b_k`, `None` if there is none (or for `k = 0`, where the
    /// data start).
    pub first_lines: Vec<Option<Vec<u8>>>,
}

impl TextShares {
    /// The shares of `path` (plain or gzip) whose data start at byte `data_start` (after the
    /// header lines, see [`head`]), for `workers` workers.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read; [`Error::Mismatch`] for an input that cannot
    /// be split by bytes (a pipe, or a truncated gzip file).
    pub fn new(path: &Path, data_start: u64, workers: usize) -> Result<Self> {
        let io = |source| Error::Io { path: path.to_path_buf(), source };
        let mut file = File::open(path).map_err(io)?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(Error::Mismatch {
                path: path.to_path_buf(),
                msg: "not a regular file: the workers read byte ranges of their input, which needs a file, \
                      not a pipe"
                    .into(),
            });
        }
        let mut magic = [0u8; 2];
        let gzip = meta.len() >= 18 && file.read_exact(&mut magic).is_ok() && magic == GZIP_MAGIC;
        let len = if gzip {
            let mut isize = [0u8; 4];
            file.seek(SeekFrom::End(-4)).map_err(io)?;
            file.read_exact(&mut isize).map_err(io)?;
            u64::from(u32::from_le_bytes(isize))
        } else {
            meta.len()
        };
        let data_start = data_start.min(len);
        let span = u128::from(len - data_start);
        let p = workers.max(1) as u128;
        let bounds = (0..=p).map(|k| data_start + (span * k / p) as u64).collect();
        Ok(Self { path: path.to_path_buf(), gzip, len, data_start, bounds })
    }

    /// Reads the records of workers `workers` (contiguous) in file order: `visit(p, line)` for
    /// every line of every record worker `p` owns (see the module documentation), blank lines
    /// included. `continues(first, line)` says whether the non-blank `line` continues the open
    /// record, whose first line is `first` (always `false` for one-line records). Line numbers in
    /// `line.no`, and in the errors `visit` returns, count from the first line read; errors
    /// come back with the file's own line numbers.
    ///
    /// # Errors
    /// [`Error::Io`] / [`Error::Parse`] if the file cannot be read; the first error of
    /// `visit`; [`Error::Mismatch`] if a gzip file's length disagrees with its trailer.
    pub(crate) fn read(
        &self,
        workers: Range<usize>,
        continues: impl Fn(&[u8], &[u8]) -> bool,
        mut visit: impl FnMut(usize, &Line<'_>) -> Result<()>,
    ) -> Result<(ShareRead, Boundaries)> {
        let p_all = self.bounds.len() - 1;
        assert!(workers.start <= workers.end && workers.end <= p_all, "workers {workers:?} of {p_all}");
        let (lo, hi) = (self.bounds[workers.start], self.bounds[workers.end]);
        let mut stats = ShareRead { share: hi - lo, ..ShareRead::default() };
        let mut bounds = Boundaries { first_lines: vec![None; workers.len() + 1] };
        if workers.is_empty() {
            return Ok((stats, bounds));
        }
        // Where reading starts: the data start, or the start of the line holding `lo − 1`
        // (for gzip found while decoding: the lines before it are skipped).
        let start = if lo <= self.data_start || self.gzip { self.data_start } else { self.line_start_before(lo)? };
        let skip = |line_at: u64, len: usize| {
            line_at < start || (self.gzip && lo > self.data_start && line_at + (len as u64) < lo - 1)
        };
        let counted = Counted::new(self.open_at(start)?);
        let from_file = counted.count.clone();
        let mut lines = Lines::new(counted, &self.path);
        let mut at = if self.gzip { 0 } else { start };
        // The header and any gzip bytes before `start`.
        stats.parsed = self.data_start;
        let mut skipped_lines = 0usize;
        // The owner of the open record if it is one of `workers` (`None` before the first
        // record is seen), and the start of the share after the owner's.
        let mut owner: Option<usize> = None;
        let mut next_bound = 0u64;
        let mut prev: Vec<u8> = Vec::new();
        let mut have_prev = false;
        // The first boundary not yet passed (index into `bounds.first_lines`).
        let mut next_k = 0usize;
        loop {
            let line = match lines.next_line() {
                Ok(Some(l)) => l,
                Ok(None) => break,
                Err(e) => return Err(self.absolute(e, start, skipped_lines)),
            };
            let line_at = at;
            at += line.text.len() as u64 + 1;
            if skip(line_at, line.text.len()) {
                // gzip: decoded bytes before the line where reading starts.
                stats.skipped = at.saturating_sub(self.data_start);
                skipped_lines = line.no;
                continue;
            }
            let text = trim_ascii_line(line.text);
            if !(text.is_empty() || have_prev && continues(&prev, text)) {
                // A new record: its owner changes only past the next share boundary.
                if line_at >= next_bound {
                    // The worker whose share holds this line's start.
                    let p = self.bounds[1..].partition_point(|&b| b <= line_at).min(p_all - 1);
                    while next_k <= workers.len() && self.bounds[workers.start + next_k] <= line_at {
                        if workers.start + next_k > 0 {
                            bounds.first_lines[next_k] = Some(text.to_vec());
                        }
                        next_k += 1;
                    }
                    if p >= workers.end {
                        // The first line of the next worker's first record: looked at, not
                        // kept (and not counted as parsed).
                        break;
                    }
                    owner = workers.contains(&p).then_some(p);
                    next_bound = if p + 1 == p_all { u64::MAX } else { self.bounds[p + 1] };
                }
                prev.clear();
                prev.extend_from_slice(text);
                have_prev = true;
            }
            stats.parsed += line.text.len() as u64 + 1;
            if let Some(p) = owner {
                let shifted = Line { no: line.no - skipped_lines, ..line };
                visit(p, &shifted).map_err(|e| self.absolute(e, start, skipped_lines))?;
            }
        }
        let eof = lines.is_eof();
        drop(lines);
        stats.from_file = from_file.get();
        // The reader that decodes a gzip file to its end checks the trailer's length.
        if self.gzip && eof && stats.from_file != self.len {
            return Err(self.bad_length(stats.from_file));
        }
        Ok((stats, bounds))
    }

    #[cold]
    fn bad_length(&self, seen: u64) -> Error {
        Error::Mismatch {
            path: self.path.clone(),
            msg: format!(
                "the file decodes to {seen} bytes, its gzip trailer says {}: several gzip members or \
                 over 4 GiB uncompressed; decompress it (gunzip) so that the workers can read byte ranges",
                self.len
            ),
        }
    }

    /// A reader positioned at `start` (a plain file), or at the beginning (gzip: decoded).
    fn open_at(&self, start: u64) -> Result<Box<dyn Read>> {
        let io = |source| Error::Io { path: self.path.clone(), source };
        if self.gzip {
            return Ok(Box::new(crate::io::open(&self.path)?));
        }
        let mut file = File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(start)).map_err(io)?;
        Ok(Box::new(file))
    }

    /// The start of the line that holds byte `pos − 1` (`pos > data_start`, a plain file).
    fn line_start_before(&self, pos: u64) -> Result<u64> {
        let io = |source| Error::Io { path: self.path.clone(), source };
        let mut file = File::open(&self.path).map_err(io)?;
        let mut end = pos - 1;
        let mut buf = Vec::new();
        while end > self.data_start {
            let from = end.saturating_sub(BACK).max(self.data_start);
            buf.resize((end - from) as usize, 0);
            file.seek(SeekFrom::Start(from)).map_err(io)?;
            file.read_exact(&mut buf).map_err(io)?;
            if let Some(k) = memchr::memrchr(b'\n', &buf) {
                return Ok(from + k as u64 + 1);
            }
            end = from;
        }
        Ok(self.data_start)
    }

    /// `e` with its line number counted from the file's first line (reading started at byte
    /// `start`, `lines_before` lines were skipped as decoded gzip).
    #[cold]
    fn absolute(&self, e: Error, start: u64, lines_before: usize) -> Error {
        let Error::Parse { path, line, msg } = e else { return e };
        let before = if self.gzip { lines_before } else { count_lines(&self.path, start).unwrap_or(0) };
        Error::Parse { path, line: line + before, msg }
    }
}

/// Newlines in the first `upto` bytes of a plain file (on the error path only).
fn count_lines(path: &Path, upto: u64) -> std::io::Result<usize> {
    let mut file = File::open(path)?.take(upto);
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0;
    loop {
        let k = file.read(&mut buf)?;
        if k == 0 {
            return Ok(n);
        }
        n += memchr::memchr_iter(b'\n', &buf[..k]).count();
    }
}

/// The first `n` lines of `path` (plain or gzip) and the byte offset just past them: the
/// header every reader of a shard reads.
///
/// # Errors
/// [`Error::Io`] / [`Error::Parse`] if the file cannot be read.
pub fn head(path: &Path, n: usize) -> Result<(Vec<Vec<u8>>, u64)> {
    let mut lines = Lines::new(crate::io::open(path)?, path);
    let mut out = Vec::with_capacity(n);
    let mut at = 0u64;
    while out.len() < n {
        let Some(l) = lines.next_line()? else { break };
        at += l.text.len() as u64 + 1;
        out.push(l.text.to_vec());
    }
    Ok((out, at))
}

/// A reader that counts the bytes it hands out.
struct Counted<R> {
    inner: R,
    count: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R> Counted<R> {
    fn new(inner: R) -> Self {
        Self { inner, count: std::rc::Rc::default() }
    }
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// Records of `text` (after `header` lines) per worker, by reading each worker alone and
    /// all workers at once; checks both agree and returns the per-worker lines.
    fn split(path: &Path, header: usize, workers: usize, multi: bool) -> Vec<Vec<String>> {
        let (_, data_start) = head(path, header).expect("head");
        let shares = TextShares::new(path, data_start, workers).expect("shares");
        let continues = |a: &[u8], b: &[u8]| multi && a.split(|&c| c == b' ').next() == b.split(|&c| c == b' ').next();
        let mut all = vec![Vec::new(); workers];
        shares
            .read(0..workers, continues, |p, l| {
                all[p].push(String::from_utf8(l.text.to_vec()).expect("utf8"));
                Ok(())
            })
            .expect("read all");
        for p in 0..workers {
            let mut one = vec![Vec::new(); workers];
            let (stats, _) = shares
                .read(p..p + 1, continues, |q, l| {
                    one[q].push(String::from_utf8(l.text.to_vec()).expect("utf8"));
                    Ok(())
                })
                .expect("read one");
            assert_eq!(one[p], all[p], "worker {p} of {workers} alone");
            assert!(stats.parsed >= stats.share);
        }
        all
    }

    fn write(dir: &Path, name: &str, text: &str, gzip: bool) -> PathBuf {
        let path = dir.join(name);
        let file = File::create(&path).expect("create");
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
            gz.write_all(text.as_bytes()).expect("write");
            gz.finish().expect("finish");
        } else {
            let mut f = file;
            f.write_all(text.as_bytes()).expect("write");
        }
        path
    }

    #[test]
    fn every_record_goes_to_exactly_one_worker_whose_share_holds_its_start() {
        let dir = tempfile::tempdir().expect("tmp");
        // Documents 1..=40 with 1..=7 lines each (UCI-like), after a 3-line header.
        let mut text = String::from("40\n9\n0\n");
        let mut records = Vec::new();
        for d in 1..=40 {
            let mut rec = Vec::new();
            for w in 0..(d * 7 % 5 + 1 + d % 3) {
                rec.push(format!("{d} {} {}", w + 1, d + w));
            }
            records.push(rec.clone());
            text.push_str(&(rec.join("\n") + "\n"));
        }
        for gzip in [false, true] {
            let path = write(dir.path(), if gzip { "c.gz" } else { "c.txt" }, &text, gzip);
            for workers in 1..9 {
                let parts = split(&path, 3, workers, true);
                let flat: Vec<String> = parts.concat();
                assert_eq!(flat, records.concat(), "{workers} workers, gzip {gzip}");
                // Records are never cut between workers.
                for part in &parts {
                    if let (Some(first), Some(last)) = (part.first(), part.last()) {
                        let d0: usize = first.split(' ').next().and_then(|f| f.parse().ok()).expect("a docID");
                        let d1: usize = last.split(' ').next().and_then(|f| f.parse().ok()).expect("a docID");
                        assert_eq!(part.len(), records[d0 - 1..d1].iter().map(Vec::len).sum::<usize>());
                    }
                }
            }
            // One-line records: every line once, in order.
            let parts = split(&path, 3, 5, false);
            assert_eq!(parts.concat(), records.concat());
        }
        let plain = split(&write(dir.path(), "p.txt", &text, false), 3, 6, true);
        let gz = split(&write(dir.path(), "p.gz", &text, true), 3, 6, true);
        assert_eq!(plain, gz, "gzip and plain split alike");
    }

    #[test]
    fn errors_name_the_files_own_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let text: String = (1..=100).map(|k| if k == 77 { "bad\n".to_string() } else { format!("{k}\n") }).collect();
        for gzip in [false, true] {
            let path = write(dir.path(), if gzip { "e.gz" } else { "e.txt" }, &text, gzip);
            let shares = TextShares::new(&path, 0, 3).expect("shares");
            let e = shares
                .read(
                    2..3,
                    |_, _| false,
                    |_, l| {
                        if l.text == b"bad" {
                            Err(crate::error::parse_err(&path, l.no, "bad"))
                        } else {
                            Ok(())
                        }
                    },
                )
                .expect_err("bad line");
            assert!(e.to_string().contains(":77: bad"), "{e}");
        }
    }

    #[test]
    fn a_gzip_file_of_several_members_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("m.gz");
        let mut f = File::create(&path).expect("create");
        for part in ["1\n2\n3\n", "4\n5\n"] {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(part.as_bytes()).expect("write");
            f.write_all(&gz.finish().expect("finish")).expect("write");
        }
        drop(f);
        let shares = TextShares::new(&path, 0, 2).expect("shares");
        let e = shares.read(0..2, |_, _| false, |_, _| Ok(())).expect_err("two members");
        assert!(e.to_string().contains("decompress it"), "{e}");
    }
}
