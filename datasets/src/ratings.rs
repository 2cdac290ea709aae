//! Rating triplets for matrix factorization: MovieLens `u.data` and `ratings.dat`, CSV with a
//! header, whitespace triplets (Jester), MatrixMarket coordinate (STRADS's MF format).
//!
//! | format | layout |
//! |---|---|
//! | `triplets` (`.data`, `.tsv`, `.txt`) | `user item rating [more fields]`, tab or space separated |
//! | `dat` (`.dat`) | `user::item::rating[::timestamp]` (MovieLens 1M/10M) |
//! | `csv` (`.csv`) | header naming the columns: user (`userId`, `user`, `user_id`), item (`movieId`, `itemId`, `item`, `item_id`), `rating` |
//! | `mtx` (`.mtx`, `.mmt`) | MatrixMarket `coordinate real general`, 1-based indices |
//!
//! User and item ids are arbitrary strings, mapped to dense indices in order of first
//! appearance; [`Ratings::user_ids`] and [`Ratings::item_ids`] map them back. Ratings keep the
//! file order. Errors name the file and line.

use std::io::BufRead;
use std::ops::Range;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{limit, parse_err, Error, Result};
use crate::io::open;
use crate::lines::{parse_finite_f64, text as str_text, trim_ascii_line, words, Line, Lines};
use crate::shard::{ShareRead, TextShares};

/// Ratings in file order: rating `r` is user `users[r]`'s rating `values[r]` of item `items[r]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ratings {
    /// Dense user index per rating.
    pub users: Vec<u32>,
    /// Dense item index per rating.
    pub items: Vec<u32>,
    /// The ratings.
    pub values: Vec<f64>,
    /// Original id of every dense user index.
    pub user_ids: Vec<String>,
    /// Original id of every dense item index.
    pub item_ids: Vec<String>,
}

impl Ratings {
    /// Number of ratings.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no ratings.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Splits into a training and a test set (rating `r` is a test rating iff `is_test(r)`),
    /// both in file order. The training set's ids are those of its own ratings, indexed in
    /// order of first appearance; the test set uses the same indices, and ids seen only in
    /// the test set get indices past the training ones.
    pub fn split(&self, is_test: impl Fn(usize) -> bool) -> (Ratings, Ratings) {
        let (mut users, mut items) = (IdMap::default(), IdMap::default());
        let mut train = Ratings::default();
        let mut test_rows = Vec::new();
        for r in 0..self.len() {
            if is_test(r) {
                test_rows.push(r);
                continue;
            }
            train.users.push(users.get_or_insert(&self.user_ids[self.users[r] as usize]));
            train.items.push(items.get_or_insert(&self.item_ids[self.items[r] as usize]));
            train.values.push(self.values[r]);
        }
        train.user_ids = users.ids.clone();
        train.item_ids = items.ids.clone();
        let mut test = Ratings::default();
        for r in test_rows {
            test.users.push(users.get_or_insert(&self.user_ids[self.users[r] as usize]));
            test.items.push(items.get_or_insert(&self.item_ids[self.items[r] as usize]));
            test.values.push(self.values[r]);
        }
        test.user_ids = users.into_ids();
        test.item_ids = items.into_ids();
        (train, test)
    }
}

/// Maps ids to dense indices in order of first appearance.
///
/// Look-ups are what loading ratings costs, so ids are kept by kind: decimal numbers below
/// [`DENSE_IDS`] (as in MovieLens, Netflix and most triplet files) index a dense table;
/// other ids of up to 7 (or 15) bytes are hashed and compared as one `u64` (or `u128`) held
/// in the hash table itself, so that a look-up touches no other memory; longer ids are
/// kept as bytes.
#[derive(Debug, Default)]
pub struct IdMap {
    /// Index + 1 of the decimal id `n` at `dense[n]` (0: not seen).
    dense: Vec<u32>,
    tiny: FxHashMap<u64, u32>,
    short: FxHashMap<u128, u32>,
    long: FxHashMap<Box<[u8]>, u32>,
    ids: Vec<String>,
    /// Ids mapped.
    len: u32,
    /// Whether the id strings are left out ([`IdMap::without_ids`]).
    no_strings: bool,
}

/// Decimal ids below this (written without leading zeros) go to the dense table of an
/// [`IdMap`] (at most 16 MiB).
const DENSE_IDS: u32 = 1 << 22;

/// The id as a number below [`DENSE_IDS`], if it is one written in canonical decimal (no
/// sign, no leading zero): such ids and their numbers correspond one to one.
#[inline]
fn dense_key(id: &[u8]) -> Option<u32> {
    if id.is_empty() || id.len() > 7 || (id[0] == b'0' && id.len() > 1) {
        return None;
    }
    let mut n = 0u32;
    for &b in id {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u32::from(b - b'0');
    }
    (n < DENSE_IDS).then_some(n)
}

/// An id of at most 7 bytes as a `u64`: its bytes, then its length in the last byte.
#[inline]
fn tiny_key(id: &[u8]) -> Option<u64> {
    if id.len() > 7 {
        return None;
    }
    let mut b = [0u8; 8];
    b[..id.len()].copy_from_slice(id);
    b[7] = id.len() as u8;
    Some(u64::from_le_bytes(b))
}

/// An id of at most 15 bytes as a `u128`: its bytes, then its length in the last byte
/// (so that ids differing only in trailing zero bytes differ).
#[inline]
fn short_key(id: &[u8]) -> Option<u128> {
    if id.len() > 15 {
        return None;
    }
    let mut b = [0u8; 16];
    b[..id.len()].copy_from_slice(id);
    b[15] = id.len() as u8;
    Some(u128::from_le_bytes(b))
}

impl IdMap {
    /// The index of `id`, added if new.
    pub fn get_or_insert(&mut self, id: &str) -> u32 {
        self.get_or_insert_bytes(id.as_bytes())
    }

    /// A map that keeps no id strings: indices only ([`IdMap::ids`] stays empty), for ids
    /// whose strings are kept elsewhere.
    pub fn without_ids() -> Self {
        Self { no_strings: true, ..Self::default() }
    }

    /// The index of the id `id` (UTF-8 bytes), added if new.
    pub fn get_or_insert_bytes(&mut self, id: &[u8]) -> u32 {
        let next = self.len;
        let k = if let Some(n) = dense_key(id) {
            let n = n as usize;
            if n >= self.dense.len() {
                self.dense.resize((n + 1).next_power_of_two().max(1024), 0);
            }
            if self.dense[n] == 0 {
                self.dense[n] = next + 1;
            }
            self.dense[n] - 1
        } else if let Some(key) = tiny_key(id) {
            *self.tiny.entry(key).or_insert(next)
        } else if let Some(key) = short_key(id) {
            *self.short.entry(key).or_insert(next)
        } else if let Some(&k) = self.long.get(id) {
            k
        } else {
            *self.long.entry(id.into()).or_insert(next)
        };
        if k == next {
            self.len += 1;
            if !self.no_strings {
                self.ids.push(String::from_utf8_lossy(id).into_owned());
            }
        }
        k
    }

    /// The index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.get_bytes(id.as_bytes())
    }

    /// The index of the id `id` (UTF-8 bytes), if known.
    pub fn get_bytes(&self, id: &[u8]) -> Option<u32> {
        if let Some(n) = dense_key(id) {
            self.dense.get(n as usize).and_then(|&k| k.checked_sub(1))
        } else if let Some(key) = tiny_key(id) {
            self.tiny.get(&key).copied()
        } else if let Some(key) = short_key(id) {
            self.short.get(&key).copied()
        } else {
            self.long.get(id).copied()
        }
    }

    /// The ids by index (empty for a map [`IdMap::without_ids`]).
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Number of ids mapped.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether no id is mapped.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The ids by index.
    pub fn into_ids(self) -> Vec<String> {
        self.ids
    }
}

/// A ratings file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingsFormat {
    /// Whitespace/tab separated `user item rating ...`.
    Triplets,
    /// `user::item::rating[::...]`.
    Dat,
    /// CSV with a header.
    Csv,
    /// MatrixMarket coordinate.
    Mtx,
}

impl std::str::FromStr for RatingsFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "triplets" | "tsv" | "udata" => Ok(Self::Triplets),
            "dat" => Ok(Self::Dat),
            "csv" => Ok(Self::Csv),
            "mtx" | "mm" => Ok(Self::Mtx),
            _ => Err(Error::Options(format!("unknown ratings format '{s}': expected triplets, dat, csv or mtx"))),
        }
    }
}

impl RatingsFormat {
    /// The format a file name implies (after removing `.gz`): `.csv`, `.dat`, `.mtx`/`.mmt`,
    /// and `.data`/`.tsv`/`.txt` as triplets.
    pub fn from_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = name.rsplit_once('.').map(|(_, e)| e)?;
        match ext {
            "csv" => Some(Self::Csv),
            "dat" => Some(Self::Dat),
            "mtx" | "mmt" => Some(Self::Mtx),
            "data" | "tsv" | "txt" => Some(Self::Triplets),
            _ => None,
        }
    }
}

/// Reads ratings from `path` (gzip or not) in `format` (default: from the name), mapping ids
/// with `users` and `items` (pass fresh maps, or the maps of a training file to read its test
/// file with the same indices).
///
/// # Errors
/// [`Error::Io`] if the file is missing or unreadable; [`Error::Options`] for an unknown format; [`Error::Parse`] naming the line of a record
/// with too few fields, a rating that is not a finite number, or a bad header;
/// [`Error::Empty`] without ratings.
pub fn load_ratings(
    path: &Path,
    format: Option<RatingsFormat>,
    users: &mut IdMap,
    items: &mut IdMap,
) -> Result<Ratings> {
    let format = resolve_format(path, format)?;
    read_ratings(open(path)?, path, format, users, items)
}

/// `format`, or the format of `path`'s name, once `path` is known to exist.
fn resolve_format(path: &Path, format: Option<RatingsFormat>) -> Result<RatingsFormat> {
    crate::format_of(path, format, RatingsFormat::from_path, "ratings", "triplets, dat, csv or mtx")
}

/// Reads ratings from `reader` (see [`load_ratings`]); `source` names it in errors.
///
/// # Errors
/// As [`load_ratings`].
pub fn read_ratings<R: BufRead>(
    reader: R,
    source: &Path,
    format: RatingsFormat,
    users: &mut IdMap,
    items: &mut IdMap,
) -> Result<Ratings> {
    let mut out = Ratings::default();
    let mut lines = Lines::new(reader, source);
    let mut parser = RatingLines::new(format);
    while let Some(l) = lines.next_line()? {
        if let Some((u, i, value)) = parser.parse(source, &l)? {
            out.users.push(users.get_or_insert_bytes(u));
            out.items.push(items.get_or_insert_bytes(i));
            out.values.push(value);
        }
    }
    if out.is_empty() {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    out.user_ids.clone_from(&users.ids);
    out.item_ids.clone_from(&items.ids);
    Ok(out)
}

/// The ratings of a range of workers' byte shares of a ratings file (see
/// [`load_ratings_shard`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RatingsShard {
    /// The ratings the workers own, in file order. Their ids are local to the shard: indexed
    /// in order of first appearance in it (`user_ids` / `item_ids` hold the original ids).
    pub ratings: Ratings,
    /// Ratings owned by each worker of the range, in worker order.
    pub per_worker: Vec<usize>,
    /// What the reading cost (header included).
    pub read: ShareRead,
}

/// Reads the ratings that workers `range` of `workers` own in `path` (gzip or not) in
/// `format` (default: from the name): the data section (after a CSV header, or a
/// MatrixMarket header and size line) is cut into `workers` equal byte shares and worker `p`
/// owns the ratings whose line starts in share `p` (see [`TextShares`]); the header is read
/// by every reader. Only the header, the shares and one line before them are parsed.
/// Concatenated in worker order, the shards of `0..workers` are the file's ratings in file
/// order. A shard may be empty (no [`Error::Empty`]: only the whole file can be).
///
/// # Errors
/// As [`load_ratings`] for the lines read (with the file's own line numbers), except
/// [`Error::Empty`]; [`Error::Mismatch`] for an input that cannot be read by byte ranges
/// (a pipe, a gzip file of several members or over 4 GiB).
pub fn load_ratings_shard(
    path: &Path,
    format: Option<RatingsFormat>,
    workers: usize,
    range: Range<usize>,
) -> Result<RatingsShard> {
    let format = resolve_format(path, format)?;
    let mut parser = RatingLines::new(format);
    // The header: every reader reads it (its lines give no rating).
    let mut data_start = 0u64;
    if parser.in_header() {
        let mut lines = Lines::new(open(path)?, path);
        while parser.in_header() {
            let Some(l) = lines.next_line()? else { break };
            data_start += l.text.len() as u64 + 1;
            parser.parse(path, &l)?;
        }
    }
    let shares = TextShares::new(path, data_start, workers)?;
    let (mut users, mut items) = (IdMap::default(), IdMap::default());
    let mut out = Ratings::default();
    let mut per_worker = vec![0usize; range.len()];
    let (read, _) = shares.read(
        range.clone(),
        |_, _| false,
        |p, l| {
            if let Some((u, i, value)) = parser.parse(path, l)? {
                out.users.push(users.get_or_insert_bytes(u));
                out.items.push(items.get_or_insert_bytes(i));
                out.values.push(value);
                per_worker[p - range.start] += 1;
            }
            Ok(())
        },
    )?;
    out.user_ids = users.into_ids();
    out.item_ids = items.into_ids();
    Ok(RatingsShard { ratings: out, per_worker, read })
}

/// A rating as a line holds it: user id, item id, value.
type RawRating<'t> = (&'t [u8], &'t [u8], f64);

/// The reading of one line of a ratings file in any format, with what the header lines
/// before it said: the one per-line parser of [`read_ratings`] and [`load_ratings_shard`].
struct RatingLines {
    format: RatingsFormat,
    /// CSV: the column positions of user, item and rating, from the header.
    columns: Option<[usize; 3]>,
    /// MatrixMarket: the size line's rows (users) and columns (items), once read.
    mtx_size: Option<[u64; 2]>,
    /// The fields of a line, as byte ranges of its trimmed text (reused from line to line).
    fields: Vec<Range<usize>>,
}

impl RatingLines {
    fn new(format: RatingsFormat) -> Self {
        Self { format, columns: None, mtx_size: None, fields: Vec::new() }
    }

    /// Whether header lines are still to come: a CSV file's column names, a MatrixMarket
    /// file's header, comments and size line.
    fn in_header(&self) -> bool {
        match self.format {
            RatingsFormat::Csv => self.columns.is_none(),
            RatingsFormat::Mtx => self.mtx_size.is_none(),
            RatingsFormat::Triplets | RatingsFormat::Dat => false,
        }
    }

    /// The user id, item id and rating of line `l` (of `source`, named in errors), or `None`
    /// for a blank line, a comment or a header line (which sets what the header says).
    #[inline]
    fn parse<'t>(&mut self, source: &Path, l: &Line<'t>) -> Result<Option<RawRating<'t>>> {
        let line = l.no;
        // `str::trim`, and below the splitting of the old `&str` code: on bytes for ASCII
        // lines (all real files), on text otherwise.
        let ascii = l.is_ascii();
        let text: &'t [u8] = if ascii { trim_ascii_line(l.text) } else { l.as_str().trim().as_bytes() };
        if text.is_empty() {
            return Ok(None);
        }
        let err = |m: String| parse_err(source, line, m);
        let at = |f: &[u8]| {
            let start = f.as_ptr() as usize - text.as_ptr() as usize;
            start..start + f.len()
        };
        let fields = &mut self.fields;
        fields.clear();
        match self.format {
            RatingsFormat::Triplets => fields.extend(words(text).map(at)),
            RatingsFormat::Dat => {
                // `str::split("::")` on bytes: the pattern is ASCII.
                let mut start = 0;
                for k in memchr::memmem::find_iter(text, b"::") {
                    if k >= start {
                        fields.push(start..k);
                        start = k + 2;
                    }
                }
                fields.push(start..text.len());
            }
            RatingsFormat::Csv if ascii => fields.extend(text.split(|&b| b == b',').map(|f| at(trim_ascii_line(f)))),
            RatingsFormat::Csv => fields.extend(str_text(text).split(',').map(|f| at(f.trim().as_bytes()))),
            RatingsFormat::Mtx => {
                if text[0] == b'%' {
                    if line == 1
                        && self.mtx_size.is_none()
                        && !str_text(text).to_ascii_lowercase().starts_with("%%matrixmarket matrix coordinate")
                    {
                        return Err(err("expected a '%%MatrixMarket matrix coordinate ...' header".into()));
                    }
                    return Ok(None);
                }
                let Some([rows, cols]) = self.mtx_size else {
                    self.mtx_size = Some(mtx_size_line(text).map_err(err)?);
                    return Ok(None);
                };
                fields.extend(words(text).map(at));
                // Ids are mapped like any others, but must lie within the declared size.
                for (k, (what, max)) in [("row (user)", rows), ("column (item)", cols)].into_iter().enumerate() {
                    let Some(f) = fields.get(k) else { break };
                    let id = &text[f.clone()];
                    if !crate::lines::parse_u64(id).is_some_and(|v| v >= 1 && v <= max) {
                        return Err(err(format!("{what} index '{}' is outside 1..={max}", str_text(id))));
                    }
                }
            }
        };
        let fields = &self.fields;
        let field = |k: usize| &text[fields[k].clone()];
        if self.format == RatingsFormat::Csv && self.columns.is_none() {
            let find = |names: &[&str]| {
                (0..fields.len()).position(|k| names.iter().any(|n| field(k).eq_ignore_ascii_case(n.as_bytes())))
            };
            let u = find(&["userId", "user", "user_id"]);
            let i = find(&["movieId", "itemId", "item", "item_id", "movie_id"]);
            let r = find(&["rating", "score"]);
            match (u, i, r) {
                (Some(u), Some(i), Some(r)) => self.columns = Some([u, i, r]),
                _ => {
                    return Err(err(format!(
                        "the header '{}' needs user (userId), item (movieId or itemId) and rating columns",
                        str_text(text)
                    )))
                }
            }
            return Ok(None);
        }
        let [u, i, r] = self.columns.unwrap_or([0, 1, 2]);
        let need = u.max(i).max(r) + 1;
        if fields.len() < need {
            return Err(err(format!("expected user, item and rating: {} field(s) found", fields.len())));
        }
        let Some(value) = parse_finite_f64(field(r)) else {
            return Err(err(format!("rating '{}' is not a finite number", str_text(field(r)).escape_debug())));
        };
        if field(u).is_empty() || field(i).is_empty() {
            return Err(err("empty user or item id".into()));
        }
        Ok(Some((field(u), field(i), value)))
    }
}

/// The rows and columns of a MatrixMarket size line `rows cols entries`, or what is wrong
/// with it (not three non-negative integers, or a dimension above [`crate::MAX_DIM`]).
fn mtx_size_line(text: &[u8]) -> std::result::Result<[u64; 2], String> {
    let nums: Vec<&[u8]> = words(text).collect();
    let bad = || format!("size line '{}' should be 3 non-negative integers: rows cols entries", str_text(text));
    if nums.len() != 3 || !nums.iter().all(|t| !t.is_empty() && t.iter().all(u8::is_ascii_digit)) {
        return Err(bad());
    }
    let mut dims = [0u64; 2];
    for (d, t) in dims.iter_mut().zip(&nums) {
        // All digits: only overflow makes the parse fail, and that is too large as well.
        *d = crate::lines::parse_u64(t).unwrap_or(u64::MAX);
        if *d > crate::MAX_DIM as u64 {
            return Err(format!("dimension {} is too large ({})", str_text(t), limit("")));
        }
    }
    Ok(dims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_data_path;

    fn read(text: &str, format: RatingsFormat) -> Result<Ratings> {
        read_ratings(text.as_bytes(), Path::new("r.txt"), format, &mut IdMap::default(), &mut IdMap::default())
    }

    #[test]
    fn every_format_reads_the_same_ratings() {
        let want = read("u7 i3 4\nu2 i3 1.5\nu7 i9 -2\n", RatingsFormat::Triplets).expect("triplets");
        assert_eq!(
            (want.users.clone(), want.items.clone(), want.values.clone()),
            (vec![0, 1, 0], vec![0, 0, 1], vec![4.0, 1.5, -2.0])
        );
        assert_eq!(want.user_ids, vec!["u7", "u2"]);
        let dat = read("u7::i3::4::978300760\nu2::i3::1.5::1\nu7::i9::-2::3\n", RatingsFormat::Dat).expect("dat");
        let csv = read("timestamp,movieId,userId,rating\n1,i3,u7,4\n2,i3,u2,1.5\n3,i9,u7,-2\n", RatingsFormat::Csv)
            .expect("csv");
        let tabs =
            read("u7\ti3\t4\t881250949\nu2\ti3\t1.5\t1\n\nu7\ti9\t-2\t2\n", RatingsFormat::Triplets).expect("tabs");
        for r in [dat, csv, tabs] {
            assert_eq!(r, want);
        }
        let mtx = read(
            "%%MatrixMarket matrix coordinate real general\n% c\n9 9 3\n7 3 4\n2 3 1.5\n7 9 -2\n",
            RatingsFormat::Mtx,
        )
        .expect("mtx");
        assert_eq!((mtx.users, mtx.items, mtx.values), (want.users, want.items, want.values));
        assert_eq!(mtx.user_ids, vec!["7", "2"]);
    }

    #[test]
    fn ids_of_every_kind_are_kept_apart() {
        // Dense decimal ids, other short ids (u64 / u128 keys) and long ids, including ids
        // that differ only by a leading zero, a sign or trailing NUL bytes.
        let ids = [
            "7",
            "07",
            "+7",
            "0",
            "00",
            "4194303",
            "4194304",
            "1234567",
            "12345678",
            "a",
            "a\0",
            "a\0\0",
            "abcdefg",
            "abcdefgh",
            "abcdefghijklmno",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "",
            "é",
        ];
        let mut map = IdMap::default();
        for (k, id) in ids.iter().enumerate() {
            assert_eq!(map.get(id), None, "{id:?}");
            assert_eq!(map.get_or_insert(id), k as u32, "{id:?}");
        }
        for (k, id) in ids.iter().enumerate().rev() {
            assert_eq!((map.get_or_insert(id), map.get(id)), (k as u32, Some(k as u32)), "{id:?}");
        }
        assert_eq!(map.get("8"), None);
        assert_eq!(map.get("99999999"), None);
        assert_eq!(map.into_ids(), ids.map(String::from).to_vec());
    }

    #[test]
    fn split_reindexes_training_ids_first() {
        let r = read("a x 1\nb y 2\nc z 3\na z 4\n", RatingsFormat::Triplets).expect("read");
        let (train, test) = r.split(|k| k == 1);
        assert_eq!(
            (train.user_ids.clone(), train.item_ids.clone()),
            (vec!["a".to_string(), "c".into()], vec!["x".to_string(), "z".into()])
        );
        assert_eq!(
            (train.users.clone(), train.items.clone(), train.values.clone()),
            (vec![0, 1, 0], vec![0, 1, 1], vec![1.0, 3.0, 4.0])
        );
        assert_eq!((test.users.clone(), test.items.clone(), test.values.clone()), (vec![2], vec![2], vec![2.0]));
        assert_eq!(test.user_ids, vec!["a", "c", "b"]);
    }

    #[test]
    fn errors_name_the_line() {
        let e = read("1 2 3\n1 2\n", RatingsFormat::Triplets).expect_err("two fields").to_string();
        assert!(e.starts_with("r.txt:2: expected user, item and rating: 2 field(s) found"), "{e}");
        let e = read("1 2 3\n1 2 x\n", RatingsFormat::Triplets).expect_err("bad rating").to_string();
        assert!(e.starts_with("r.txt:2: rating 'x' is not a finite number"), "{e}");
        let e = read("a,b,c\n1,2,3\n", RatingsFormat::Csv).expect_err("header").to_string();
        assert!(e.starts_with("r.txt:1: the header 'a,b,c' needs"), "{e}");
        let e = read("1::2::NaN\n", RatingsFormat::Dat).expect_err("nan").to_string();
        assert!(e.starts_with("r.txt:1: rating 'NaN'"), "{e}");
        assert!(matches!(read("\n", RatingsFormat::Triplets), Err(Error::Empty { .. })));
    }

    /// Ids near 2³² are ids like any other in triplets (mapped to dense indices, nothing of
    /// their size is allocated); in MatrixMarket they must lie within the size line, whose
    /// dimensions are at most MAX_DIM. Errors name the line.
    #[test]
    fn huge_ids_and_dimensions() {
        let r = read("4000000000 18446744073709551616 4\n7 4000000000 1\n", RatingsFormat::Triplets).expect("ids");
        assert_eq!((r.users, r.items, r.values), (vec![0, 1], vec![0, 1], vec![4.0, 1.0]));
        assert_eq!((r.user_ids[0].as_str(), r.item_ids[1].as_str()), ("4000000000", "4000000000"));
        let h = "%%MatrixMarket matrix coordinate real general\n";
        let cases = [
            (format!("{h}3 3 1\n4000000000 1 5\n"), "r.txt:3: row (user) index '4000000000' is outside 1..=3"),
            (format!("{h}% c\n3 3 2\n1 1 5\n1 4 5\n"), "r.txt:5: column (item) index '4' is outside 1..=3"),
            (format!("{h}3 3 1\n0 1 5\n"), "r.txt:3: row (user) index '0' is outside"),
            (format!("{h}4000000000 3 1\n1 1 5\n"), "r.txt:2: dimension 4000000000 is too large (at most 268435456"),
            (format!("{h}3 99999999999999999999 1\n"), "r.txt:2: dimension 99999999999999999999 is too large"),
            (format!("{h}3 3\n1 1 5\n"), "r.txt:2: size line '3 3' should be 3 non-negative integers"),
        ];
        for (input, expect) in &cases {
            let e = read(input, RatingsFormat::Mtx).expect_err(input).to_string();
            assert!(e.starts_with(expect) && !e.contains('\n'), "{e:?} should start with {expect:?}");
        }
        let r = read(&format!("{h}268435456 2 1\n268435456 2 3\n"), RatingsFormat::Mtx).expect("at the limit");
        assert_eq!(
            (r.user_ids, r.item_ids, r.values),
            (vec!["268435456".to_string()], vec!["2".to_string()], vec![3.0])
        );
    }

    /// `(user id, item id, rating)` of every rating, in order.
    fn triples(r: &Ratings) -> Vec<(String, String, f64)> {
        (0..r.len())
            .map(|k| (r.user_ids[r.users[k] as usize].clone(), r.item_ids[r.items[k] as usize].clone(), r.values[k]))
            .collect()
    }

    /// Every format, plain and gzip, for 1 to 7 workers: the shards of the workers, read one
    /// worker at a time and as ranges, concatenate to the whole file's ratings; each shard's
    /// ids are its own, in order of first appearance; a bad line is reported with the file's
    /// line number by the worker that owns it.
    #[test]
    fn shards_concatenate_to_the_whole_file() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("tempdir");
        // 60 ratings with blank (and, in MatrixMarket, comment) lines among them.
        let text = |sep: &str, extra: &str, ids: bool| {
            let mut t = String::new();
            for k in 0..60u32 {
                let (u, i) = (k * 7 % 13 + 1, k * 5 % 11 + 1);
                let (u, i) = if ids { (format!("u{u}"), format!("i{i}")) } else { (u.to_string(), i.to_string()) };
                t.push_str(&[u, i, format!("{}.5", k % 5), (880_000 + k).to_string()].join(sep));
                t.push('\n');
                if k % 17 == 3 {
                    t.push_str(extra);
                }
            }
            t
        };
        let body = text("\t", "\n", true);
        let csv = format!("\nuserId,movieId,rating,timestamp\n{}", text(",", "\n", true));
        let mtx = format!(
            "%%MatrixMarket matrix coordinate real general\n% a comment\n\n20 20 60\n{}",
            text(" ", "% c\n", false)
        );
        let dat = text("::", "\n", true);
        for (name, text) in [("r.data", body.clone()), ("r.csv", csv), ("r.mtx", mtx), ("r.dat", dat)] {
            for gz in [false, true] {
                let path = dir.path().join(if gz { format!("{name}.gz") } else { name.to_string() });
                if gz {
                    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                    e.write_all(text.as_bytes()).expect("gzip");
                    std::fs::write(&path, e.finish().expect("gzip")).expect("write");
                } else {
                    std::fs::write(&path, &text).expect("write");
                }
                let whole = load_ratings(&path, None, &mut IdMap::default(), &mut IdMap::default()).expect(name);
                assert_eq!(whole.len(), 60, "{name}");
                let want = triples(&whole);
                for workers in 1..=7 {
                    let mut got = Vec::new();
                    let mut held = 0;
                    for p in 0..workers {
                        let s = load_ratings_shard(&path, None, workers, p..p + 1).expect(name);
                        assert_eq!(s.per_worker, vec![s.ratings.len()]);
                        // Local ids: dense, in order of first appearance.
                        let mut seen = 0;
                        for &u in &s.ratings.users {
                            assert!(u as usize <= seen);
                            seen = seen.max(u as usize + 1);
                        }
                        assert_eq!(seen, s.ratings.user_ids.len());
                        assert!(s.read.parsed < s.read.share + 200 + if p == 0 { 200 } else { 0 }, "{name}");
                        held += s.ratings.len();
                        got.extend(triples(&s.ratings));
                    }
                    assert_eq!(held, 60);
                    assert_eq!(got, want, "{name} gzip {gz}, {workers} workers");
                    let (a, b) = (workers / 3, workers - workers / 2);
                    let mut ranges = Vec::new();
                    for r in [0..a, a..b, b..workers] {
                        let s = load_ratings_shard(&path, None, workers, r.clone()).expect(name);
                        assert_eq!(s.per_worker.len(), r.len());
                        assert_eq!(s.per_worker.iter().sum::<usize>(), s.ratings.len());
                        ranges.extend(triples(&s.ratings));
                    }
                    assert_eq!(ranges, want, "{name} gzip {gz}, {workers} workers by ranges");
                }
            }
        }
        // A bad rating on line 40 of 60: reported by its owner with the file's line number.
        let mut lines: Vec<String> = (1..=60).map(|k| format!("{k} {} 3", k % 7)).collect();
        lines[39] = "40 1 x".into();
        let path = dir.path().join("bad.txt");
        std::fs::write(&path, lines.join("\n") + "\n").expect("write");
        for workers in [1, 2, 3, 5] {
            let errs: Vec<String> = (0..workers)
                .filter_map(|p| load_ratings_shard(&path, None, workers, p..p + 1).err())
                .map(|e| e.to_string())
                .collect();
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert!(errs[0].ends_with("bad.txt:40: rating 'x' is not a finite number"), "{}", errs[0]);
        }
        let csv = dir.path().join("bad.csv");
        std::fs::write(&csv, "a,b,c\n1,2,3\n").expect("write");
        let e = load_ratings_shard(&csv, None, 2, 1..2).expect_err("header").to_string();
        assert!(
            e.ends_with(
                "bad.csv:1: the header 'a,b,c' needs user (userId), item (movieId or itemId) and rating columns"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_missing_ratings_file_says_it_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        for name in ["u.data", "r.csv", "r.mtx", "noext"] {
            let e = load_ratings(&dir.path().join(name), None, &mut IdMap::default(), &mut IdMap::default())
                .expect_err(name)
                .to_string();
            assert!(e.starts_with("cannot read ") && e.contains(name) && e.contains("No such file"), "{e}");
        }
    }

    #[test]
    fn real_rating_files() {
        let load = |rel: &str| {
            let p = shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
            load_ratings(&p, None, &mut IdMap::default(), &mut IdMap::default()).unwrap_or_else(|e| panic!("{e}"))
        };
        let ml = load("movielens-100k/u.data");
        assert_eq!((ml.len(), ml.user_ids.len(), ml.item_ids.len()), (100_000, 943, 1682));
        assert!(ml.values.iter().all(|&v| (1.0..=5.0).contains(&v)));
        let small = load("movielens-latest-small-2016/ratings.csv");
        assert_eq!((small.len(), small.user_ids.len(), small.item_ids.len()), (100_004, 671, 9066));
        let jester = load("jester5k/ratings.tsv");
        assert_eq!((jester.len(), jester.user_ids.len(), jester.item_ids.len()), (363_209, 5000, 100));
    }
}
