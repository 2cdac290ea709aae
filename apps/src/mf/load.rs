//! The training data of a fit, and reading it by byte shares: under `mpirun` each process
//! reads only its workers' shares of the ratings file ([`load_sharded`]).
//!
//! The shares are those of [`strads_datasets::load_ratings_shard`]: worker `p` of `P` reads
//! the ratings whose line starts in the `p`-th of `P` equal byte ranges of the data. The rule
//! depends only on the file and `P`, so threads (one process reading the shares of all `P`
//! workers, the whole file) and any rank layout with `P` workers read the same ratings per
//! worker, and the fit gives the same bits.
//!
//! What the whole-file reader derived from the whole file is rebuilt from small gathered
//! facts, the same on every backend:
//! * global ids, dense in order of first appearance (training ids first, then ids seen only
//!   in test ratings, as [`strads_datasets::Ratings::split`] numbers them): each process lists
//!   its distinct ids in order of first appearance; concatenated in rank (= worker = file)
//!   order and deduplicated keeping the first, they are the whole file's order;
//! * the split by global rating index (`--test-every`, `--test-fraction` with the random
//!   stream entered at the process's first rating), from the gathered ratings per worker;
//! * per-user and per-item counts (summed), and the training mean: the sum of each worker's
//!   ratings in file order, the workers' sums added in worker order (with one worker, the
//!   whole file's sum in file order, as before; ratings in multiples of 1/2ⁿ such as stars
//!   sum exactly, so any worker count gives the same mean as the whole-file sum);
//! * then each training rating travels to the process of the worker that owns its user's
//!   row block ([`Backend::exchange`]), and the test ratings to the coordinator, which keep
//!   them in file order (by sender rank, then in the sender's order): the workers' ratings,
//!   in the same order as from the whole file. The exchange runs in rounds of at most
//!   `2¹⁸` ratings per process, taken from the end of what the process read (freed as they
//!   go), so that a process never holds much more than its ratings once. One process (the
//!   threads backend) keeps every rating: it maps its triplets in place instead.
//!
//! The id lists travel packed (one byte buffer per list, not a `String` per id), and the
//! global id maps keep no strings (the coordinator keeps the training ids for the output).

use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use strads_datasets::{load_ratings, load_ratings_shard, IdMap, Ratings, RatingsFormat, ShareRead};
use strads_engine::Backend;
use strads_scheduler::Blocks;

/// How the test ratings of a fit are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum TestSplit {
    /// No test ratings.
    None,
    /// Rating `r` (file order, 0-based) is a test rating iff `r % n == n − 1`.
    Every(usize),
    /// Rating `r` is a test rating iff the `r`-th `f64` of a ChaCha8 stream seeded with `seed`
    /// is below `fraction` (no test ratings for `fraction ≤ 0`).
    Fraction {
        /// The expected fraction of test ratings.
        fraction: f64,
        /// The stream's seed.
        seed: u64,
    },
    /// The test ratings are another file (same format), read by the coordinator.
    File(PathBuf),
}

/// The training data of a fit as one process holds it (see [`super::fit_data`]).
#[derive(Debug, Clone, Default)]
pub struct MfData {
    /// Training ratings per user (all users of the fit).
    pub user_counts: Vec<u64>,
    /// Training ratings per item.
    pub item_counts: Vec<u64>,
    /// The training mean (predicts users and items without factors).
    pub mean: f64,
    /// The training ratings' minimum and maximum (the clamp range of predictions).
    pub range: (f64, f64),
    /// Test ratings (indices of the same ids; needed on the coordinator only).
    pub test: Option<Ratings>,
    /// Whether the fit has test ratings (on any process).
    pub has_test: bool,
    /// Training triplets (dense indices), at least those of the rows of this process's
    /// workers, in file order.
    pub users: Vec<u32>,
    /// Item of every training triplet.
    pub items: Vec<u32>,
    /// Rating of every training triplet.
    pub values: Vec<f64>,
}

impl MfData {
    /// The data of a whole training set (its triplets taken, its ids left) and test set.
    pub fn whole(train: &mut Ratings, test: Option<Ratings>) -> Self {
        let (user_counts, item_counts) = super::counts(train);
        let mean = train.values.iter().sum::<f64>() / train.len().max(1) as f64;
        let range = train.values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        Self {
            user_counts,
            item_counts,
            mean,
            range,
            has_test: test.as_ref().is_some_and(|t| !t.is_empty()),
            test,
            users: std::mem::take(&mut train.users),
            items: std::mem::take(&mut train.items),
            values: std::mem::take(&mut train.values),
        }
    }
}

/// What [`load_sharded`] returns on each process.
#[derive(Debug, Clone, Default)]
pub struct ShardedRatings {
    /// The process's training data: the ratings of its workers' rows; the test ratings on
    /// the coordinator.
    pub data: MfData,
    /// Original ids of the training users, by index (on the coordinator; empty elsewhere).
    pub user_ids: Vec<String>,
    /// Original ids of the training items, by index (on the coordinator; empty elsewhere).
    pub item_ids: Vec<String>,
    /// Training ratings of the whole file.
    pub train_ratings: u64,
    /// Test ratings (of the file, or of the test file on the coordinator; 0 elsewhere for a
    /// test file).
    pub test_ratings: u64,
    /// What this process read of the file.
    pub read: ShareRead,
}

impl ShardedRatings {
    /// Training ratings this process holds (its workers' rows).
    pub fn held(&self) -> u64 {
        self.data.values.len() as u64
    }
}

/// One process's ratings per worker, for the global rating indices.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct WorkerCounts {
    /// The process's workers.
    workers: [usize; 2],
    /// Ratings read per worker.
    ratings: Vec<u64>,
}

/// One process's distinct ids in order of first appearance: of its training ratings, then
/// of its test ratings (those not among its training ids).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct IdLists {
    train_users: PackedIds,
    train_items: PackedIds,
    test_users: PackedIds,
    test_items: PackedIds,
}

/// Ids in one buffer (a few bytes each, not a `String` each): id `k` is
/// `bytes[ends[k − 1]..ends[k]]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PackedIds {
    bytes: Vec<u8>,
    ends: Vec<u64>,
}

impl PackedIds {
    fn push(&mut self, id: &str) {
        self.bytes.extend_from_slice(id.as_bytes());
        self.ends.push(self.bytes.len() as u64);
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let id = &self.bytes[start..e as usize];
            start = e as usize;
            id
        })
    }
}

/// Maps every id of `ids` (new ones get the next indices); the strings of the new ones go to
/// `keep`, if given.
fn insert_all(map: &mut IdMap, ids: &PackedIds, mut keep: Option<&mut Vec<String>>) {
    for id in ids.iter() {
        let before = map.len();
        if map.get_or_insert_bytes(id) as usize == before {
            if let Some(k) = keep.as_deref_mut() {
                k.push(String::from_utf8_lossy(id).into_owned());
            }
        }
    }
}

/// One process's training statistics.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainStats {
    /// Training ratings per (global) user.
    user_counts: Vec<u64>,
    /// Training ratings per (global) item.
    item_counts: Vec<u64>,
    /// Sum of each worker's training ratings (file order).
    sums: Vec<f64>,
    /// Minimum and maximum training rating.
    range: (f64, f64),
    /// Test ratings read.
    test: u64,
}

/// The ratings one process sends another: training ratings of the receiver's rows (`f32`
/// values, the workers' precision) and, to the coordinator, test ratings.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Shipment {
    users: Vec<u32>,
    items: Vec<u32>,
    values: Vec<f32>,
    test_users: Vec<u32>,
    test_items: Vec<u32>,
    test_values: Vec<f64>,
}

/// Ratings a process sends in one round of the exchange (at most).
const CHUNK: usize = 1 << 18;

/// `v` cut to its first `len` elements, its memory given back.
fn shrink<T>(v: &mut Vec<T>, len: usize) {
    v.truncate(len);
    v.shrink_to_fit();
}

fn data_err(e: strads_datasets::Error) -> crate::Error {
    crate::Error::Kit(strads_kit::Error::Data(e))
}

/// Reads the ratings of `path` (in `format`, default from its name) for a fit on `backend`
/// with `split`: this process reads only its workers' byte shares (see the [module
/// documentation](self)) and ends up with its workers' rows' training ratings and, on the
/// coordinator, the test ratings and the training ids. Every process of the job must call
/// it (it runs collectives), a dedicated scheduler rank too.
///
/// # Errors
/// The reader's errors (with the file's line numbers), [`strads_datasets::Error::Empty`] if
/// the whole file holds no rating; [`crate::Error::Engine`] if a collective fails.
pub fn load_sharded(
    backend: &Backend,
    path: &Path,
    format: Option<RatingsFormat>,
    split: &TestSplit,
) -> crate::Result<ShardedRatings> {
    let place = backend.placement();
    let p_all = place.workers;
    let mine = place.worker_range.clone();
    let shard = load_ratings_shard(path, format, p_all, mine.clone()).map_err(data_err)?;
    let read = shard.read;
    let per_worker = shard.per_worker;
    let mut r = shard.ratings;

    // Ratings per worker: the global index of this process's first rating, and which
    // process runs each worker.
    let counts =
        WorkerCounts { workers: [mine.start, mine.end], ratings: per_worker.iter().map(|&c| c as u64).collect() };
    let mut by_worker = vec![0u64; p_all];
    let mut process_of = vec![0usize; p_all];
    // The most ratings a process read.
    let mut max_n = 0u64;
    for (rank, c) in backend.all_gather(&counts)?.into_iter().enumerate() {
        max_n = max_n.max(c.ratings.iter().sum());
        for (w, n) in (c.workers[0]..c.workers[1]).zip(c.ratings) {
            by_worker[w] = n;
            process_of[w] = rank;
        }
    }
    let total: u64 = by_worker.iter().sum();
    if total == 0 {
        return Err(data_err(strads_datasets::Error::Empty { path: path.to_path_buf() }));
    }
    let first: u64 = by_worker[..mine.start.min(p_all)].iter().sum();

    // The split, by global rating index.
    let n = r.len();
    let (has_split, mut is_test): (bool, Vec<bool>) = match *split {
        TestSplit::Every(k) => {
            let k = k as u64;
            (true, (0..n as u64).map(|e| (first + e) % k == k - 1).collect())
        }
        TestSplit::Fraction { fraction, seed } if fraction > 0.0 => {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            // One f64 is one u64, two 32-bit words of the stream.
            rng.set_word_pos(2 * u128::from(first));
            (true, (0..n).map(|_| rng.random::<f64>() < fraction).collect())
        }
        _ => (false, vec![false; n]),
    };

    // Global ids: training ids in order of first appearance, then test-only ids. This
    // process's lists hold each of its ids once; `pos_u[u]` is local user `u`'s position in
    // them (training list, then test list), so the id strings can go before the gather.
    let mut lists = IdLists::default();
    let (mut pos_u, mut pos_i) = (vec![u32::MAX; r.user_ids.len()], vec![u32::MAX; r.item_ids.len()]);
    for test in [false, true] {
        let (users, items, base_u, base_i) = if test {
            let (bu, bi) = (lists.train_users.len(), lists.train_items.len());
            (&mut lists.test_users, &mut lists.test_items, bu, bi)
        } else {
            (&mut lists.train_users, &mut lists.train_items, 0, 0)
        };
        for e in (0..n).filter(|&e| is_test[e] == test) {
            let (u, i) = (r.users[e] as usize, r.items[e] as usize);
            if pos_u[u] == u32::MAX {
                pos_u[u] = (base_u + users.len()) as u32;
                users.push(&r.user_ids[u]);
            }
            if pos_i[i] == u32::MAX {
                pos_i[i] = (base_i + items.len()) as u32;
                items.push(&r.item_ids[i]);
            }
        }
    }
    r.user_ids = Vec::new();
    r.item_ids = Vec::new();
    let all_lists = backend.all_gather(&lists)?;
    drop(lists);
    // Index-only maps (the coordinator keeps the training ids' strings for the output).
    let (mut users, mut items) = (IdMap::without_ids(), IdMap::without_ids());
    let (mut user_ids, mut item_ids) = (Vec::new(), Vec::new());
    let c = place.coordinator;
    for l in &all_lists {
        insert_all(&mut users, &l.train_users, c.then_some(&mut user_ids));
        insert_all(&mut items, &l.train_items, c.then_some(&mut item_ids));
    }
    let (nu, ni) = (users.len(), items.len());
    for l in &all_lists {
        insert_all(&mut users, &l.test_users, None);
        insert_all(&mut items, &l.test_items, None);
    }
    let mine = all_lists.get(place.rank).ok_or_else(|| crate::Error::Shape("no id lists of this process".into()))?;
    let global = |map: &IdMap, lists: [&PackedIds; 2], pos: &[u32]| -> crate::Result<Vec<u32>> {
        let g = lists
            .into_iter()
            .flat_map(PackedIds::iter)
            .map(|id| {
                map.get_bytes(id).ok_or_else(|| crate::Error::Shape("an id missing from the gathered ids".into()))
            })
            .collect::<crate::Result<Vec<u32>>>()?;
        Ok(pos.iter().map(|&k| g[k as usize]).collect())
    };
    let umap = global(&users, [&mine.train_users, &mine.test_users], &pos_u)?;
    let imap = global(&items, [&mine.train_items, &mine.test_items], &pos_i)?;
    drop((all_lists, pos_u, pos_i));

    // Counts, the mean and the range of the training ratings.
    let mut stats = TrainStats {
        user_counts: vec![0; nu],
        item_counts: vec![0; ni],
        sums: Vec::with_capacity(per_worker.len()),
        range: (f64::INFINITY, f64::NEG_INFINITY),
        test: is_test.iter().filter(|&&t| t).count() as u64,
    };
    let mut start = 0;
    for &c in &per_worker {
        let segment = start..start + c;
        start += c;
        stats.sums.push(segment.clone().filter(|&e| !is_test[e]).map(|e| r.values[e]).sum::<f64>());
        for e in segment.filter(|&e| !is_test[e]) {
            stats.user_counts[umap[r.users[e] as usize] as usize] += 1;
            stats.item_counts[imap[r.items[e] as usize] as usize] += 1;
            let v = r.values[e];
            stats.range = (stats.range.0.min(v), stats.range.1.max(v));
        }
    }
    let (mut user_counts, mut item_counts) = (vec![0u64; nu], vec![0u64; ni]);
    let (mut sum, mut range, mut test_ratings) = (Vec::with_capacity(p_all), stats.range, 0u64);
    for s in backend.all_gather(&stats)? {
        user_counts.iter_mut().zip(&s.user_counts).for_each(|(a, b)| *a += b);
        item_counts.iter_mut().zip(&s.item_counts).for_each(|(a, b)| *a += b);
        sum.extend(s.sums);
        range = (range.0.min(s.range.0), range.1.max(s.range.1));
        test_ratings += s.test;
    }
    drop(stats);
    let train_ratings = total - test_ratings;
    let mean = sum.iter().sum::<f64>() / train_ratings.max(1) as f64;

    // Each training rating to the process of its row's worker, each test rating to the
    // coordinator (rank 0): first how many go where, then in rounds of at most `CHUNK`
    // ratings per process, taken from the end of the process's ratings (which shrink as they
    // go); the receiver writes each sender's ratings into place from the end of the sender's
    // part, so that they end up in file order.
    let procs = backend.processes();
    let rows = if procs > 1 { Some(Blocks::balanced(&user_counts, p_all)?) } else { None };
    let mut data = MfData {
        user_counts,
        item_counts,
        mean,
        range,
        test: None,
        has_test: has_split && test_ratings > 0,
        ..MfData::default()
    };
    let (mut tu, mut ti, mut tv) = (Vec::new(), Vec::new(), Vec::new());
    if procs == 1 {
        // One process (threads) keeps every rating: the triplets are mapped in place and
        // the test ratings moved out, file order kept (what the exchange would give).
        let mut kept = 0;
        for e in 0..n {
            let (u, i, v) = (umap[r.users[e] as usize], imap[r.items[e] as usize], r.values[e]);
            if is_test[e] {
                tu.push(u);
                ti.push(i);
                tv.push(v);
            } else {
                (r.users[kept], r.items[kept], r.values[kept]) = (u, i, v);
                kept += 1;
            }
        }
        shrink(&mut r.users, kept);
        shrink(&mut r.items, kept);
        shrink(&mut r.values, kept);
        data.users = std::mem::take(&mut r.users);
        data.items = std::mem::take(&mut r.items);
        data.values = std::mem::take(&mut r.values);
    } else if let Some(rows) = &rows {
        let dest = |u: u32| process_of[rows.block_of[umap[u as usize] as usize] as usize];
        let mut counts_out = vec![[0u64; 2]; procs];
        for e in 0..n {
            if is_test[e] {
                counts_out[0][1] += 1;
            } else {
                counts_out[dest(r.users[e])][0] += 1;
            }
        }
        // Where each sender's training and test ratings end (filled backwards).
        let (mut train_end, mut test_end) = (Vec::with_capacity(procs), Vec::with_capacity(procs));
        let (mut held, mut held_test) = (0usize, 0usize);
        for c in backend.exchange(counts_out)? {
            held += c[0] as usize;
            held_test += c[1] as usize;
            train_end.push(held);
            test_end.push(held_test);
        }
        (data.users, data.items, data.values) = (vec![0; held], vec![0; held], vec![0.0; held]);
        (tu, ti, tv) = (vec![0; held_test], vec![0; held_test], vec![0.0; held_test]);
        for _ in 0..max_n.div_ceil(CHUNK as u64) {
            let hi = r.values.len();
            let lo = hi.saturating_sub(CHUNK);
            let mut out: Vec<Shipment> = (0..procs).map(|_| Shipment::default()).collect();
            for e in lo..hi {
                let (u, i, v) = (umap[r.users[e] as usize], imap[r.items[e] as usize], r.values[e]);
                if is_test[e] {
                    let s = &mut out[0];
                    s.test_users.push(u);
                    s.test_items.push(i);
                    s.test_values.push(v);
                } else {
                    let s = &mut out[dest(r.users[e])];
                    s.users.push(u);
                    s.items.push(i);
                    s.values.push(v as f32);
                }
            }
            shrink(&mut r.users, lo);
            shrink(&mut r.items, lo);
            shrink(&mut r.values, lo);
            shrink(&mut is_test, lo);
            for (from, s) in backend.exchange(out)?.into_iter().enumerate() {
                let (end, m) = (train_end[from], s.values.len());
                data.users[end - m..end].copy_from_slice(&s.users);
                data.items[end - m..end].copy_from_slice(&s.items);
                data.values[end - m..end].iter_mut().zip(&s.values).for_each(|(a, &b)| *a = f64::from(b));
                train_end[from] -= m;
                let (end, m) = (test_end[from], s.test_values.len());
                tu[end - m..end].copy_from_slice(&s.test_users);
                ti[end - m..end].copy_from_slice(&s.test_items);
                tv[end - m..end].copy_from_slice(&s.test_values);
                test_end[from] -= m;
            }
        }
    }
    drop((r, is_test, umap, imap, rows));
    if place.coordinator {
        data.test = has_split.then(|| Ratings { users: tu, items: ti, values: tv, ..Ratings::default() });
        if let TestSplit::File(test_path) = split {
            // Ids new in the test file get indices past the training ones (no factors: they
            // are predicted by the training mean).
            let mut test = load_ratings(test_path, format, &mut users, &mut items).map_err(data_err)?;
            test.user_ids = Vec::new();
            test.item_ids = Vec::new();
            test_ratings = test.len() as u64;
            data.test = Some(test);
        }
    }
    if matches!(split, TestSplit::File(_)) {
        data.has_test = true;
    }
    Ok(ShardedRatings { data, user_ids, item_ids, train_ratings, test_ratings, read })
}
