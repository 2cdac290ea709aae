//! The reader as it was before the chunked rewrite (commit 082fd37, `datasets/src/ratings.rs`, unit tests
//! removed): the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code, missing_docs, clippy::all)]

use std::collections::HashMap;
use std::io::BufRead;
use std::path::Path;

use crate::error::{parse_err, Error, Result};
use crate::io::{next_line, open};

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
#[derive(Debug, Default)]
pub struct IdMap {
    index: HashMap<String, u32>,
    ids: Vec<String>,
}

impl IdMap {
    /// The index of `id`, added if new.
    pub fn get_or_insert(&mut self, id: &str) -> u32 {
        if let Some(&k) = self.index.get(id) {
            return k;
        }
        let k = self.ids.len() as u32;
        self.index.insert(id.to_string(), k);
        self.ids.push(id.to_string());
        k
    }

    /// The index of `id`, if known.
    pub fn get(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
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
/// [`Error::Options`] for an unknown format; [`Error::Parse`] naming the line of a record
/// with too few fields, a rating that is not a finite number, or a bad header;
/// [`Error::Empty`] without ratings.
pub fn load_ratings(
    path: &Path,
    format: Option<RatingsFormat>,
    users: &mut IdMap,
    items: &mut IdMap,
) -> Result<Ratings> {
    let format = format.or_else(|| RatingsFormat::from_path(path)).ok_or_else(|| {
        Error::Options(format!(
            "{}: cannot tell the ratings format from the file name; pass --format (triplets, dat, csv or mtx)",
            path.display()
        ))
    })?;
    read_ratings(open(path)?, path, format, users, items)
}

/// Reads ratings from `reader` (see [`load_ratings`]); `source` names it in errors.
///
/// # Errors
/// As [`load_ratings`].
pub fn read_ratings<R: BufRead>(
    mut reader: R,
    source: &Path,
    format: RatingsFormat,
    users: &mut IdMap,
    items: &mut IdMap,
) -> Result<Ratings> {
    let mut out = Ratings::default();
    let mut buf = String::new();
    let mut line = 0;
    // CSV: the column positions of user, item and rating, from the header.
    let mut columns: Option<[usize; 3]> = None;
    let mut mtx_header_seen = false;
    while next_line(&mut reader, &mut buf, source, line + 1)? {
        line += 1;
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        let err = |m: String| parse_err(source, line, m);
        let fields: Vec<&str> = match format {
            RatingsFormat::Triplets => text.split_ascii_whitespace().collect(),
            RatingsFormat::Dat => text.split("::").collect(),
            RatingsFormat::Csv => text.split(',').map(str::trim).collect(),
            RatingsFormat::Mtx => {
                if text.starts_with('%') {
                    if line == 1 && !text.to_ascii_lowercase().starts_with("%%matrixmarket matrix coordinate") {
                        return Err(err("expected a '%%MatrixMarket matrix coordinate ...' header".into()));
                    }
                    continue;
                }
                if !mtx_header_seen {
                    // The size line: rows cols entries.
                    mtx_header_seen = true;
                    continue;
                }
                text.split_ascii_whitespace().collect()
            }
        };
        if format == RatingsFormat::Csv && columns.is_none() {
            let find = |names: &[&str]| fields.iter().position(|f| names.iter().any(|n| f.eq_ignore_ascii_case(n)));
            let u = find(&["userId", "user", "user_id"]);
            let i = find(&["movieId", "itemId", "item", "item_id", "movie_id"]);
            let r = find(&["rating", "score"]);
            match (u, i, r) {
                (Some(u), Some(i), Some(r)) => columns = Some([u, i, r]),
                _ => {
                    return Err(err(format!(
                        "the header '{text}' needs user (userId), item (movieId or itemId) and rating columns"
                    )))
                }
            }
            continue;
        }
        let [u, i, r] = columns.unwrap_or([0, 1, 2]);
        let need = u.max(i).max(r) + 1;
        if fields.len() < need {
            return Err(err(format!("expected user, item and rating: {} field(s) found", fields.len())));
        }
        let value = match fields[r].parse::<f64>() {
            Ok(v) if v.is_finite() => v,
            _ => return Err(err(format!("rating '{}' is not a finite number", fields[r].escape_debug()))),
        };
        if fields[u].is_empty() || fields[i].is_empty() {
            return Err(err("empty user or item id".into()));
        }
        out.users.push(users.get_or_insert(fields[u]));
        out.items.push(items.get_or_insert(fields[i]));
        out.values.push(value);
    }
    if out.is_empty() {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    out.user_ids.clone_from(&users.ids);
    out.item_ids.clone_from(&items.ids);
    Ok(out)
}
