//! The reader as it was before the chunked rewrite (commit 082fd37, `datasets/src/corpus.rs`, unit tests
//! removed): the oracle of `tests/same_as_old.rs`. Do not edit.
#![allow(dead_code, missing_docs, clippy::all)]

use std::io::BufRead;
use std::path::Path;

use crate::error::{parse_err, Error, Result};
use crate::io::{next_line, open};

/// A corpus as token lists: document `d` holds the words `words[doc_ptr[d]..doc_ptr[d + 1]]`
/// (0-based ids `< vocab_size`), one entry per token (a count `c` gives `c` entries), in input
/// order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    /// Document offsets into `words`, length `D + 1`.
    pub doc_ptr: Vec<usize>,
    /// The tokens' word ids.
    pub words: Vec<u32>,
    /// `W`, the vocabulary size.
    pub vocab_size: usize,
    /// The words, when a vocabulary file was read (length `W`).
    pub vocab: Option<Vec<String>>,
}

impl Corpus {
    /// Documents `D`.
    pub fn docs(&self) -> usize {
        self.doc_ptr.len() - 1
    }

    /// Tokens in all.
    pub fn tokens(&self) -> usize {
        self.words.len()
    }

    /// The tokens of document `d`.
    pub fn doc(&self, d: usize) -> &[u32] {
        &self.words[self.doc_ptr[d]..self.doc_ptr[d + 1]]
    }

    /// Token count of every word, length `W`.
    pub fn word_counts(&self) -> Vec<u64> {
        let mut c = vec![0u64; self.vocab_size];
        for &w in &self.words {
            c[w as usize] += 1;
        }
        c
    }
}

/// A corpus format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpusFormat {
    /// UCI bag-of-words `docword` files.
    Uci,
    /// LDA-C (Blei's lda-c): `N id:count ...`.
    Ldac,
    /// STRADS token lists.
    Tokens,
}

impl std::str::FromStr for CorpusFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "uci" | "docword" => Ok(Self::Uci),
            "ldac" | "lda-c" => Ok(Self::Ldac),
            "tokens" => Ok(Self::Tokens),
            _ => Err(Error::Options(format!("unknown corpus format '{s}': expected uci, ldac or tokens"))),
        }
    }
}

impl CorpusFormat {
    /// The format a file name implies: `docword.*` → UCI, `.ldac`/`.dat` → LDA-C (after
    /// removing `.gz`).
    pub fn from_path(path: &Path) -> Option<Self> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.starts_with("docword.") {
            Some(Self::Uci)
        } else if name.ends_with(".ldac") || name.ends_with(".dat") {
            Some(Self::Ldac)
        } else {
            None
        }
    }
}

/// Reads a corpus from `path` (gzip or not) in `format` (default: from the file name), with
/// the vocabulary from `vocab` (one word per line: 0-based word id `k` on line `k + 1`).
///
/// # Errors
/// [`Error::Options`] if the format is not given and not clear from the name; [`Error::Mismatch`] if the vocabulary has fewer words than the corpus uses
/// (or, for UCI, not exactly `W`); every error of the readers.
pub fn load_corpus(path: &Path, format: Option<CorpusFormat>, vocab: Option<&Path>) -> Result<Corpus> {
    let format = format.or_else(|| CorpusFormat::from_path(path)).ok_or_else(|| {
        Error::Options(format!(
            "{}: cannot tell the corpus format from the file name; pass --format (uci, ldac or tokens)",
            path.display()
        ))
    })?;
    let mut corpus = match format {
        CorpusFormat::Uci => read_uci(open(path)?, path)?,
        CorpusFormat::Ldac => read_ldac(open(path)?, path)?,
        CorpusFormat::Tokens => read_tokens(open(path)?, path)?,
    };
    if let Some(vpath) = vocab {
        let words = read_vocab(open(vpath)?, vpath)?;
        let fits = match format {
            CorpusFormat::Uci => words.len() == corpus.vocab_size,
            _ => words.len() >= corpus.vocab_size,
        };
        if !fits {
            return Err(Error::Mismatch {
                path: vpath.to_path_buf(),
                msg: format!(
                    "{} words, but {} uses a vocabulary of {}",
                    words.len(),
                    path.display(),
                    corpus.vocab_size
                ),
            });
        }
        corpus.vocab_size = words.len();
        corpus.vocab = Some(words);
    }
    Ok(corpus)
}

/// Reads a vocabulary: one word per line (surrounding whitespace removed).
///
/// # Errors
/// [`Error::Io`] if it cannot be read; [`Error::Empty`] if it has no words.
pub fn read_vocab<R: BufRead>(mut reader: R, source: &Path) -> Result<Vec<String>> {
    let mut buf = String::new();
    let mut words = Vec::new();
    while next_line(&mut reader, &mut buf, source, words.len() + 1)? {
        words.push(buf.trim().to_string());
    }
    if words.is_empty() {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(words)
}

/// Parses a non-negative integer token, or says what it was.
fn int(tok: &str, what: &str) -> std::result::Result<u64, String> {
    tok.parse::<u64>().map_err(|_| format!("{what} '{}' is not a non-negative integer", tok.escape_debug()))
}

/// Builds the token lists from per-document `(word, count)` entries in input order.
fn from_entries(docs: usize, vocab_size: usize, entries: &[(u32, u32, u32)]) -> Corpus {
    // entries: (doc, word, count); counting sort by document keeps input order within one.
    let mut lens = vec![0usize; docs + 1];
    for &(d, _, c) in entries {
        lens[d as usize + 1] += c as usize;
    }
    for d in 0..docs {
        lens[d + 1] += lens[d];
    }
    let doc_ptr = lens.clone();
    let mut at = lens;
    let mut words = vec![0u32; doc_ptr[docs]];
    for &(d, w, c) in entries {
        let p = &mut at[d as usize];
        words[*p..*p + c as usize].fill(w);
        *p += c as usize;
    }
    Corpus { doc_ptr, words, vocab_size, vocab: None }
}

/// Reads a UCI bag-of-words `docword` file: `D`, `W`, `NNZ` on lines 1–3, then `NNZ` lines
/// `docID wordID count` (1-based ids). Documents without entries are empty documents.
///
/// # Errors
/// [`Error::Parse`] naming the line for a bad header, an id of 0 or above `D`/`W`, a zero or
/// malformed count, or an entry count that disagrees with `NNZ`.
pub fn read_uci<R: BufRead>(mut reader: R, source: &Path) -> Result<Corpus> {
    let mut buf = String::new();
    let mut line = 0;
    let mut header = [0u64; 3];
    for (k, name) in ["D (documents)", "W (vocabulary size)", "NNZ (entries)"].iter().enumerate() {
        line += 1;
        if !next_line(&mut reader, &mut buf, source, line)? {
            return if line == 1 {
                Err(Error::Empty { path: source.to_path_buf() })
            } else {
                Err(parse_err(source, line, format!("missing header line {line}: {name}")))
            };
        }
        header[k] = int(buf.trim(), name).map_err(|m| parse_err(source, line, format!("header: {m}")))?;
    }
    let [d, w, nnz] = header;
    if d > u64::from(u32::MAX) || w > u64::from(u32::MAX) {
        return Err(parse_err(source, 2, "header: D or W too large"));
    }
    let mut entries: Vec<(u32, u32, u32)> = Vec::new();
    while next_line(&mut reader, &mut buf, source, line + 1)? {
        line += 1;
        let mut toks = buf.split_ascii_whitespace();
        let Some(first) = toks.next() else { continue };
        let err = |m: String| parse_err(source, line, m);
        let (Some(second), Some(third), None) = (toks.next(), toks.next(), toks.next()) else {
            return Err(err("expected three fields: docID wordID count".into()));
        };
        let doc = int(first, "docID").map_err(err)?;
        let word = int(second, "wordID").map_err(err)?;
        let count = int(third, "count").map_err(err)?;
        if doc == 0 || doc > d {
            return Err(err(format!("docID {doc} outside 1..={d} (the header's D)")));
        }
        if word == 0 || word > w {
            return Err(err(format!("wordID {word} outside 1..={w} (the header's W)")));
        }
        if count == 0 || count > u64::from(u32::MAX) {
            return Err(err(format!("count {count} must be positive")));
        }
        entries.push(((doc - 1) as u32, (word - 1) as u32, count as u32));
    }
    if entries.len() as u64 != nnz {
        return Err(parse_err(
            source,
            3,
            format!("the header declares NNZ = {nnz} entries, the file has {}", entries.len()),
        ));
    }
    Ok(from_entries(d as usize, w as usize, &entries))
}

/// Reads LDA-C: one document per line, `N id:count ...` with `N` distinct 0-based word ids.
/// The vocabulary size is the largest id + 1 (a vocabulary file may make it larger).
///
/// # Errors
/// [`Error::Parse`] naming the line for a malformed pair, a zero count, or `N` that
/// disagrees with the pairs; [`Error::Empty`] without documents.
pub fn read_ldac<R: BufRead>(mut reader: R, source: &Path) -> Result<Corpus> {
    let mut buf = String::new();
    let mut line = 0;
    let mut docs = 0u32;
    let mut vocab = 0usize;
    let mut entries = Vec::new();
    while next_line(&mut reader, &mut buf, source, line + 1)? {
        line += 1;
        let mut toks = buf.split_ascii_whitespace();
        let Some(first) = toks.next() else { continue };
        let err = |m: String| parse_err(source, line, m);
        let n = int(first, "N (distinct words)").map_err(err)?;
        let mut pairs = 0u64;
        for tok in toks {
            let (i, c) = tok.split_once(':').ok_or_else(|| err(format!("'{tok}' is not of the form id:count")))?;
            let id = int(i, "word id").map_err(err)?;
            let c = int(c, "count").map_err(err)?;
            if id >= u64::from(u32::MAX) {
                return Err(err(format!("word id {id} is too large")));
            }
            if c == 0 || c > u64::from(u32::MAX) {
                return Err(err(format!("count of word {id} must be positive")));
            }
            vocab = vocab.max(id as usize + 1);
            entries.push((docs, id as u32, c as u32));
            pairs += 1;
        }
        if pairs != n {
            return Err(err(format!("the line declares N = {n} words and lists {pairs}")));
        }
        docs += 1;
    }
    if docs == 0 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(from_entries(docs as usize, vocab, &entries))
}

/// Reads STRADS token lists: one document per line, two fields skipped (document id and
/// label in STRADS's files), then one 0-based word id per token.
///
/// # Errors
/// [`Error::Parse`] naming the line for a line with fewer than two fields or a bad word id;
/// [`Error::Empty`] without documents.
pub fn read_tokens<R: BufRead>(mut reader: R, source: &Path) -> Result<Corpus> {
    let mut buf = String::new();
    let mut line = 0;
    let mut doc_ptr = vec![0usize];
    let mut words = Vec::new();
    let mut vocab = 0usize;
    while next_line(&mut reader, &mut buf, source, line + 1)? {
        line += 1;
        let mut toks = buf.split_ascii_whitespace();
        if toks.next().is_none() {
            continue;
        }
        let err = |m: String| parse_err(source, line, m);
        if toks.next().is_none() {
            return Err(err("expected two leading fields (document id, label) before the word ids".into()));
        }
        for tok in toks {
            let id = int(tok, "word id").map_err(err)?;
            if id >= u64::from(u32::MAX) {
                return Err(err(format!("word id {id} is too large")));
            }
            vocab = vocab.max(id as usize + 1);
            words.push(id as u32);
        }
        doc_ptr.push(words.len());
    }
    if doc_ptr.len() == 1 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(Corpus { doc_ptr, words, vocab_size: vocab, vocab: None })
}
