//! Chunked line splitting and number parsing from bytes: the hot path of every text reader.
//!
//! [`Lines`] reads its input in large chunks, finds line ends with `memchr` and hands out each
//! line as a byte slice of the chunk (no `String` per line). Lines end at `\n` only (a `\r`
//! before it stays in the line, as with `BufRead::read_line`); a last line without `\n`
//! counts. Each chunk is checked for UTF-8 once (an ASCII test first), and a line holding
//! invalid UTF-8 is an error naming it, exactly as `read_line` reported it before.
//!
//! Numbers are parsed with `lexical-core` on the fast path; anything it rejects (or a
//! non-finite value) goes to the standard library's parser, so that accepted inputs, values
//! and error messages are those of `str::parse`.

use std::io::Read;
use std::path::Path;

use crate::error::{parse_err, Result};

/// First read size of [`Lines`] (the buffer grows for longer lines).
const CHUNK: usize = 1 << 20;

/// One line of a [`Lines`] reader.
pub(crate) struct Line<'a> {
    /// 1-based line number.
    pub no: usize,
    /// The bytes without the `\n` (valid UTF-8).
    pub text: &'a [u8],
    /// Whether the whole chunk holding the line is ASCII (then `text` is too).
    pub(crate) chunk_ascii: bool,
}

impl<'a> Line<'a> {
    /// Whether the line is ASCII (cheap when its chunk was).
    pub fn is_ascii(&self) -> bool {
        self.chunk_ascii || self.text.is_ascii()
    }

    /// The line as text (lines are checked UTF-8 before they are handed out).
    pub fn as_str(&self) -> &'a str {
        text(self.text)
    }
}

/// `bytes` as text: the readers only pass slices of checked lines cut at ASCII bytes, so the
/// replacement character is never seen in practice.
pub(crate) fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("\u{fffd}")
}

/// Splits a reader into lines; see the module documentation.
pub(crate) struct Lines<'p, R> {
    reader: R,
    source: &'p Path,
    buf: Vec<u8>,
    /// Start of the next line.
    pos: usize,
    /// End of the complete lines in `buf` (just past a `\n`, or the end of data at EOF).
    complete: usize,
    /// End of the data in `buf`.
    end: usize,
    eof: bool,
    /// `buf[..complete]` is ASCII.
    ascii: bool,
    /// Offset of the first invalid UTF-8 byte in `buf[..complete]`.
    bad_utf8: Option<usize>,
    /// Number of the last line handed out.
    line: usize,
}

impl<'p, R: Read> Lines<'p, R> {
    /// Lines of `reader`; `source` names it in errors.
    pub fn new(reader: R, source: &'p Path) -> Self {
        Lines {
            reader,
            source,
            buf: Vec::new(),
            pos: 0,
            complete: 0,
            end: 0,
            eof: false,
            ascii: true,
            bad_utf8: None,
            line: 0,
        }
    }

    /// Number of the last line handed out (0 before the first).
    pub fn line_no(&self) -> usize {
        self.line
    }

    /// Whether every line has been handed out.
    pub fn is_eof(&self) -> bool {
        self.eof && self.pos >= self.complete
    }

    /// The next line, `None` at the end.
    ///
    /// # Errors
    /// [`crate::Error::Parse`] naming the line if reading fails (a corrupt gzip stream,
    /// say) or the line is not UTF-8.
    #[inline]
    pub fn next_line(&mut self) -> Result<Option<Line<'_>>> {
        if self.pos >= self.complete {
            if self.eof {
                return Ok(None);
            }
            self.refill()?;
            if self.pos >= self.complete {
                return Ok(None);
            }
        }
        let start = self.pos;
        let (stop, next) = match memchr::memchr(b'\n', &self.buf[start..self.complete]) {
            Some(k) => (start + k, start + k + 1),
            None => (self.complete, self.complete),
        };
        self.line += 1;
        self.pos = next;
        if self.bad_utf8.is_some_and(|b| b < next) {
            return Err(parse_err(self.source, self.line, "cannot read: stream did not contain valid UTF-8"));
        }
        Ok(Some(Line { no: self.line, text: &self.buf[start..stop], chunk_ascii: self.ascii }))
    }

    /// Moves the partial last line to the front and reads until the buffer holds at least
    /// one complete line or the input ends; checks the new complete lines for UTF-8.
    #[cold]
    fn refill(&mut self) -> Result<()> {
        self.buf.copy_within(self.pos..self.end, 0);
        self.end -= self.pos;
        self.pos = 0;
        self.complete = 0;
        if self.buf.is_empty() {
            self.buf.resize(CHUNK, 0);
        }
        loop {
            if self.end == self.buf.len() {
                let n = self.buf.len() * 2;
                self.buf.resize(n, 0);
            }
            match self.reader.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    self.complete = self.end;
                    break;
                }
                Ok(n) => {
                    let old = self.end;
                    self.end += n;
                    if let Some(k) = memchr::memrchr(b'\n', &self.buf[old..self.end]) {
                        self.complete = old + k + 1;
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(parse_err(self.source, self.line + 1, format!("cannot read: {e}"))),
            }
        }
        let region = &self.buf[..self.complete];
        self.ascii = region.is_ascii();
        self.bad_utf8 = if self.ascii { None } else { std::str::from_utf8(region).err().map(|e| e.valid_up_to()) };
        Ok(())
    }
}

/// The ASCII bytes `str::trim` and `split_whitespace` treat as whitespace (ASCII
/// whitespace and the vertical tab).
#[inline]
pub(crate) fn is_unicode_ws_ascii(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0b
}

/// `str::trim` for an ASCII line.
pub(crate) fn trim_ascii_line(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&c| !is_unicode_ws_ascii(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !is_unicode_ws_ascii(c)).map_or(start, |k| k + 1);
    &b[start..end]
}

/// The fields of `line` between runs of whitespace: ASCII whitespace as
/// `str::split_ascii_whitespace` sees it, plus the vertical tab if `VT` (then as
/// `str::split_whitespace` splits an ASCII line).
#[derive(Clone)]
pub(crate) struct Words<'a, const VT: bool> {
    rest: &'a [u8],
}

/// `split_ascii_whitespace` over bytes.
#[inline]
pub(crate) fn words(line: &[u8]) -> Words<'_, false> {
    Words { rest: line }
}

/// `split_whitespace` over an ASCII line.
pub(crate) fn words_unicode_ascii(line: &[u8]) -> Words<'_, true> {
    Words { rest: line }
}

impl<'a, const VT: bool> Iterator for Words<'a, VT> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        let sep = |b: u8| b.is_ascii_whitespace() || (VT && b == 0x0b);
        let start = self.rest.iter().position(|&b| !sep(b))?;
        let rest = &self.rest[start..];
        let len = rest.iter().position(|&b| sep(b)).unwrap_or(rest.len());
        self.rest = &rest[len..];
        Some(&rest[..len])
    }
}

/// The fields of a line between runs of ASCII whitespace (as [`words`]), with scanners that
/// parse the usual fields (plain decimal integers, `index:value` pairs) in the same pass that
/// finds their end. A field they do not take whole is handed back as bytes, for the caller's
/// general (and error-reporting) path.
pub(crate) struct Fields<'a> {
    rest: &'a [u8],
}

/// Whether `rest` starts with the end of a field.
#[inline]
fn at_field_end(rest: &[u8]) -> bool {
    rest.first().map_or(true, u8::is_ascii_whitespace)
}

/// A plain decimal `u64` at the start of `bytes` and its length (`None` unless a digit
/// starts it and it fits).
#[inline]
fn leading_u64(bytes: &[u8]) -> Option<(u64, usize)> {
    if bytes.first().is_some_and(u8::is_ascii_digit) {
        lexical_core::parse_partial::<u64>(bytes).ok()
    } else {
        None
    }
}

impl<'a> Fields<'a> {
    /// The fields of `line`.
    #[inline]
    pub fn new(line: &'a [u8]) -> Self {
        Fields { rest: line }
    }

    /// Skips whitespace; false at the end of the line.
    #[inline]
    fn skip_space(&mut self) -> bool {
        match self.rest.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(k) => {
                self.rest = &self.rest[k..];
                true
            }
            None => {
                self.rest = &[];
                false
            }
        }
    }

    /// The field at the start of `rest` (after [`Self::skip_space`]).
    #[inline]
    fn take_field(&mut self) -> &'a [u8] {
        let len = self.rest.iter().position(u8::is_ascii_whitespace).unwrap_or(self.rest.len());
        let (field, rest) = self.rest.split_at(len);
        self.rest = rest;
        field
    }

    /// The next field as bytes (`None` at the end of the line).
    #[inline]
    pub fn next_field(&mut self) -> Option<&'a [u8]> {
        self.skip_space().then(|| self.take_field())
    }

    /// The next field: `Ok` with its value if it is a plain decimal `u64` (digits only),
    /// else `Err` with its bytes (`None` at the end of the line).
    #[inline]
    pub fn next_u64(&mut self) -> Option<std::result::Result<u64, &'a [u8]>> {
        if !self.skip_space() {
            return None;
        }
        if let Some((v, n)) = leading_u64(self.rest) {
            if at_field_end(&self.rest[n..]) {
                self.rest = &self.rest[n..];
                return Some(Ok(v));
            }
        }
        Some(Err(self.take_field()))
    }

    /// The next field as `a:b`: `Ok` with `a` (a plain decimal `u64`) and `b` (parsed by
    /// `second`, which returns the value and its length) if the field is exactly that, else
    /// `Err` with its bytes (`None` at the end of the line).
    #[inline]
    pub fn next_pair<T>(
        &mut self,
        second: impl FnOnce(&[u8]) -> Option<(T, usize)>,
    ) -> Option<std::result::Result<(u64, T), &'a [u8]>> {
        if !self.skip_space() {
            return None;
        }
        if let Some((a, n)) = leading_u64(self.rest) {
            if self.rest.get(n) == Some(&b':') {
                if let Some((b, m)) = second(&self.rest[n + 1..]) {
                    if at_field_end(&self.rest[n + 1 + m..]) {
                        self.rest = &self.rest[n + 1 + m..];
                        return Some(Ok((a, b)));
                    }
                }
            }
        }
        Some(Err(self.take_field()))
    }
}

/// For [`Fields::next_pair`]: a plain decimal `u64` and its length.
#[inline]
pub(crate) fn pair_u64(bytes: &[u8]) -> Option<(u64, usize)> {
    leading_u64(bytes)
}

/// For [`Fields::next_pair`]: a finite `f64` and its length (the caller's general path
/// decides anything else, e.g. `inf`, by [`parse_finite_f64`] and the standard parser).
#[inline]
pub(crate) fn pair_finite_f64(bytes: &[u8]) -> Option<(f64, usize)> {
    lexical_core::parse_partial::<f64>(bytes).ok().filter(|(v, n)| *n > 0 && v.is_finite())
}

/// `tok` as `str::parse::<u64>` reads it, or `None` where that fails.
#[inline]
pub(crate) fn parse_u64(tok: &[u8]) -> Option<u64> {
    // lexical-core only where it agrees with the standard parser by construction: plain
    // digits (a sign, e.g. `+5` or `-0`, goes to the standard parser).
    if tok.first().is_some_and(u8::is_ascii_digit) {
        lexical_core::parse::<u64>(tok).ok()
    } else {
        text(tok).parse().ok()
    }
}

/// `tok` as a finite `f64` exactly as `str::parse::<f64>` reads it, or `None` if that fails
/// or the value is not finite (callers then build their message from the text).
#[inline]
pub(crate) fn parse_finite_f64(tok: &[u8]) -> Option<f64> {
    let v = match lexical_core::parse::<f64>(tok) {
        Ok(v) => v,
        Err(_) => text(tok).parse::<f64>().ok()?,
    };
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all_lines(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
        let mut lines = Lines::new(bytes, Path::new("t"));
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().expect("line") {
            out.push((l.no, l.text.to_vec()));
        }
        out
    }

    /// The oracle: `BufRead::read_line`, minus the `\n`.
    fn read_line_oracle(bytes: &[u8]) -> Vec<(usize, Vec<u8>)> {
        use std::io::BufRead;
        let mut r = bytes;
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            if r.read_until(b'\n', &mut buf).expect("read") == 0 {
                return out;
            }
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            out.push((out.len() + 1, buf));
        }
    }

    #[test]
    fn lines_match_read_line() {
        for s in ["", "\n", "a", "a\n", "a\r\nb", "a\n\n\nb\n", "\r\n\r\n", " x \n y"] {
            assert_eq!(all_lines(s.as_bytes()), read_line_oracle(s.as_bytes()), "{s:?}");
        }
        // Lines longer than the first chunk make the buffer grow.
        let long = format!("{}\nb\n{}", "x".repeat(3 * CHUNK + 5), "y".repeat(CHUNK));
        assert_eq!(all_lines(long.as_bytes()), read_line_oracle(long.as_bytes()));
    }

    #[test]
    fn invalid_utf8_is_an_error_at_its_line() {
        let mut lines = Lines::new(&b"ok\n\xc3\xa9t\xc3\xa9\nbad \xff\nlater\n"[..], Path::new("t.txt"));
        assert_eq!(lines.next_line().expect("1").map(|l| l.no), Some(1));
        let l = lines.next_line().expect("2").expect("line 2");
        assert_eq!((l.as_str(), l.is_ascii()), ("été", false));
        let e = lines.next_line().err().expect("line 3").to_string();
        assert_eq!(e, "t.txt:3: cannot read: stream did not contain valid UTF-8");
    }

    #[test]
    fn words_and_trim_follow_str() {
        for s in ["", "  ", "a", " a\tb \r", "a\x0bb \x0c c\r", "\x0b x \x0b"] {
            let ascii: Vec<&str> = s.split_ascii_whitespace().collect();
            assert_eq!(words(s.as_bytes()).map(text).collect::<Vec<_>>(), ascii, "{s:?}");
            let unicode: Vec<&str> = s.split_whitespace().collect();
            assert_eq!(words_unicode_ascii(s.as_bytes()).map(text).collect::<Vec<_>>(), unicode, "{s:?}");
            assert_eq!(text(trim_ascii_line(s.as_bytes())), s.trim(), "{s:?}");
        }
    }

    /// A field as a plain integer, an integer pair and an index:value pair (where it is one).
    type Readings = (Option<u64>, Option<(u64, u64)>, Option<(u64, f64)>);

    /// What the general path makes of a field: the reference for the scanners.
    fn field_oracle(f: &[u8]) -> Readings {
        let split = f.iter().position(|&b| b == b':').map(|k| (&f[..k], &f[k + 1..]));
        let plain = |t: &[u8]| if t.iter().all(u8::is_ascii_digit) { parse_u64(t) } else { None };
        (
            plain(f),
            split.and_then(|(a, b)| Some((plain(a)?, plain(b)?))),
            split.and_then(|(a, b)| Some((plain(a)?, parse_finite_f64(b)?))),
        )
    }

    proptest! {
        /// The scanners take a field exactly when the general path would find a plain
        /// integer / pair in it, with the same values; otherwise they hand back the field.
        #[test]
        fn fields_scan_as_the_general_path(line in "([ \t\r]{0,2}[-+0-9:.eE]{0,8}){0,5}[ \t]?[0-9]{0,25}") {
            let want: Vec<&[u8]> = words(line.as_bytes()).collect();
            let (mut a, mut b, mut c) =
                (Fields::new(line.as_bytes()), Fields::new(line.as_bytes()), Fields::new(line.as_bytes()));
            for f in &want {
                let (int, pair, pair_f) = field_oracle(f);
                match a.next_u64().expect("field") {
                    Ok(v) => prop_assert_eq!(Some(v), int),
                    Err(got) => prop_assert_eq!((got, int), (*f, None)),
                }
                match b.next_pair(pair_u64).expect("field") {
                    Ok(v) => prop_assert_eq!(Some(v), pair),
                    Err(got) => prop_assert_eq!((got, pair), (*f, None)),
                }
                match c.next_pair(pair_finite_f64).expect("field") {
                    Ok((i, v)) => prop_assert_eq!(Some((i, v.to_bits())), pair_f.map(|(i, v)| (i, v.to_bits()))),
                    Err(got) => prop_assert_eq!(got, *f),
                }
            }
            prop_assert!(a.next_u64().is_none() && b.next_pair(pair_u64).is_none());
            prop_assert!(c.next_field().is_none());
        }

        #[test]
        fn lines_match_read_line_on_any_bytes(bytes in proptest::collection::vec(
            prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'a'), Just(b' ')], 0..200)) {
            prop_assert_eq!(all_lines(&bytes), read_line_oracle(&bytes));
        }

        /// The fast float path accepts nothing the standard parser rejects, with the same
        /// value, and everything the standard parser accepts (finite) comes out the same.
        #[test]
        fn floats_parse_as_std(tok in "[-+]?[0-9]{0,20}[.]?[0-9]{0,20}([eE][-+]?[0-9]{0,4})?|[-+0-9.eEinfatyINFATY_x ]{0,12}") {
            let std = tok.parse::<f64>().ok().filter(|v| v.is_finite());
            prop_assert_eq!(parse_finite_f64(tok.as_bytes()).map(f64::to_bits), std.map(f64::to_bits));
        }

        #[test]
        fn floats_round_trip(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            for s in [format!("{v:?}"), format!("{v:e}"), format!("{v}")] {
                prop_assert_eq!(parse_finite_f64(s.as_bytes()).map(f64::to_bits), Some(v.to_bits()));
            }
        }

        #[test]
        fn integers_parse_as_std(tok in "[-+]?[0-9]{0,22}|[-+0-9a_ ]{0,6}") {
            prop_assert_eq!(parse_u64(tok.as_bytes()), tok.parse::<u64>().ok());
        }
    }
}
