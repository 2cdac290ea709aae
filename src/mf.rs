//! `strads mf`: fit a matrix factorization; `strads mf recommend`: top items for a user.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use log::info;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use strads_apps::mf::{fit_data, load_sharded, MfData, MfIteration, MfParams, Reg, TestSplit};
use strads_datasets::{load_ratings, IdMap, Ratings, RatingsFormat};
use strads_engine::Backend;
use strads_kit::{write_atomic_set, write_csv, write_json, RankLoad, RunArgs, RunFacts, RunReport};

use crate::error::{CliError, Result};

/// Arguments of `strads mf`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
#[command(after_help = "Files: --out DIR: W.txt and H.txt; --trace: one CSV row per outer iteration; --summary: \
                      JSON. --seed seeds the initial W.")]
pub struct MfArgs {
    #[command(subcommand)]
    command: Option<MfCommand>,
    #[command(flatten)]
    fit: FitArgs,
}

impl MfArgs {
    /// The launch options (of the fit; `recommend` runs in one process).
    pub fn launch_options(&self) -> strads_engine::LaunchOptions {
        self.fit.run.launch_options()
    }
}

#[derive(Debug, Subcommand)]
enum MfCommand {
    /// Print the top items for a user from a model written by `strads mf --out DIR`.
    Recommend(RecommendArgs),
}

/// Arguments of a fit.
#[derive(Debug, Args)]
pub struct FitArgs {
    /// Ratings: MovieLens u.data or other `user item rating` triplets, ratings.dat (`::`),
    /// CSV with a header (userId,movieId,rating), or MatrixMarket coordinate.
    #[arg(long, value_name = "FILE", required_unless_present = "synthetic")]
    data: Option<PathBuf>,
    /// Instead of --data: N synthetic Netflix-shaped ratings (480,189 users × 17,770 items,
    /// heavy-tailed degrees, 1–5 stars from a hidden rank-10 model; seeded by --split-seed).
    #[arg(long, value_name = "N", conflicts_with_all = ["data", "test"])]
    synthetic: Option<usize>,
    /// Ratings format; by default from the file name (.csv, .dat, .mtx/.mmt, .data/.tsv/.txt).
    #[arg(long, value_parser = ["triplets", "dat", "csv", "mtx"])]
    format: Option<String>,
    /// Test ratings in a separate file (same format).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["test_fraction", "test_every"])]
    test: Option<PathBuf>,
    /// Hold out this fraction of the ratings at random (seeded by --split-seed) as the test set.
    #[arg(long, value_name = "F", allow_negative_numbers = true, conflicts_with = "test_every")]
    test_fraction: Option<f64>,
    /// Seed of --test-fraction's split.
    #[arg(long, default_value_t = 0, value_name = "S")]
    split_seed: u64,
    /// Rating i (file order, 0-based) is a test rating iff i % N == N − 1.
    #[arg(long, value_name = "N")]
    test_every: Option<usize>,
    /// Rank K.
    #[arg(long, value_name = "K", required = true)]
    rank: Option<usize>,
    /// Regularization λ (0.1 weighted: the best test RMSE at rank 10 on MovieLens 100K and on
    /// 10M Netflix-shaped ratings among 0.05–0.13, README "MF").
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true, value_name = "L")]
    lambda: f64,
    /// plain: λ(‖W‖² + ‖H‖²); weighted: λ|Ω_i| per user and λ|Ω_j| per item.
    #[arg(long, default_value = "weighted", value_parser = ["plain", "weighted"])]
    reg: String,
    /// Outer iterations (each updates every rank-one factor once).
    #[arg(long, default_value_t = 10, value_name = "N")]
    iters: u64,
    /// Alternations of the W and H half-steps per rank-one factor.
    #[arg(long, default_value_t = 3, value_name = "T")]
    inner_iters: usize,
    /// Early stopping: stop once the test RMSE has not improved for N outer iterations and
    /// keep (and write) the best model. Needs a test split.
    #[arg(long, value_name = "N")]
    early_stop: Option<u64>,
    /// Layout, seed (of the initial W), time limit (the model is then evaluated as it is)
    /// and output files (the flags every app shares). `--out DIR`: writes W.txt and H.txt
    /// there; `--trace`: one row per outer iteration.
    #[command(flatten)]
    run: RunArgs,
}

/// Arguments of `strads mf recommend`.
#[derive(Debug, Args)]
struct RecommendArgs {
    /// The model directory (W.txt, H.txt).
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// The user's original id.
    #[arg(long, value_name = "ID")]
    user: String,
    /// How many items.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// Leave out the items this ratings file has for the user (any ratings format).
    #[arg(long, value_name = "FILE")]
    exclude_rated: Option<PathBuf>,
}

/// One row of `--trace`.
#[derive(Debug, Serialize)]
struct TraceRow {
    iter: u64,
    time_s: f64,
    objective: f64,
    train_rmse: f64,
    test_rmse: Option<f64>,
}

/// The `--summary` document.
#[derive(Debug, Serialize)]
struct Summary {
    app: &'static str,
    data: String,
    objective: f64,
    train_rmse: f64,
    test_rmse: Option<f64>,
    iters: u64,
    wall_s: f64,
    load_s: f64,
    build_s: f64,
    rank: usize,
    lambda: f64,
    reg: String,
    inner_iters: usize,
    users: usize,
    items: usize,
    ratings: usize,
    test_ratings: usize,
    early_stop: Option<u64>,
    best_iter: Option<u64>,
    seed: u64,
    /// Per process (rank order), for a ratings file: the bytes it read of the file, the
    /// training ratings it held and its peak memory (`ranks` is the process count).
    #[serde(skip_serializing_if = "Option::is_none")]
    rank_loads: Option<Vec<RankLoad>>,
    #[serde(flatten)]
    run: RunReport,
}

/// Runs `strads mf` (a fit on `backend`, or `recommend`).
pub fn run(a: &MfArgs, backend: &Backend) -> Result<()> {
    match &a.command {
        Some(MfCommand::Recommend(r)) => recommend(r),
        None => run_fit(&a.fit, backend),
    }
}

impl MfArgs {
    /// Every check a fit makes before it reads the ratings, for `workers` workers (what
    /// `strads compare` runs before any run starts); nothing to check for `recommend`.
    ///
    /// # Errors
    /// The first bad setting, as the fit would report it.
    pub fn check(&self, workers: usize) -> Result<()> {
        if self.command.is_none() {
            self.fit.settings(&strads_engine::Placement::single(workers))?;
        }
        Ok(())
    }
}

/// A fit's settings, checked before any data is read.
struct FitSettings {
    rank: usize,
    data_name: String,
    params: MfParams,
    config: strads_engine::RunConfig,
    format: Option<RatingsFormat>,
}

impl FitArgs {
    /// Checks every setting that needs no data, for `place`'s workers.
    fn settings(&self, place: &strads_engine::Placement) -> Result<FitSettings> {
        let a = self;
        let Some(rank) = a.rank else {
            return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new("rank", "missing", "given")));
        };
        let data_name = match (&a.data, a.synthetic) {
            (Some(d), _) => d.display().to_string(),
            (None, Some(n)) => format!("synthetic Netflix-shaped, {n} ratings"),
            (None, None) => {
                return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
                    "data",
                    "missing",
                    "given (or --synthetic N)",
                )))
            }
        };
        let params = MfParams {
            rank,
            lambda: a.lambda,
            reg: a.reg.parse::<Reg>()?,
            iters: a.iters,
            inner_iters: a.inner_iters,
            seed: a.run.seed,
            early_stop: a.early_stop,
        };
        params.check()?;
        if let Some(f) = a.test_fraction {
            if !(0.0..1.0).contains(&f) {
                return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
                    "test-fraction",
                    f,
                    "in [0, 1)",
                )));
            }
        }
        if a.test_every.is_some_and(|n| n < 2) {
            return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
                "test-every",
                format!("{:?}", a.test_every),
                "at least 2",
            )));
        }
        let config = a.run.run_config(place, None)?;
        let format = a.format.as_deref().map(str::parse::<RatingsFormat>).transpose()?;
        Ok(FitSettings { rank, data_name, params, config, format })
    }
}

/// The training data of a fit on this process, with what the summary reports of it.
struct Loaded {
    data: MfData,
    /// Training ids (on the coordinator).
    user_ids: Vec<String>,
    item_ids: Vec<String>,
    users: usize,
    items: usize,
    train_ratings: usize,
    test_ratings: usize,
    /// What this process read of a sharded file (`None` for `--synthetic`).
    load: Option<RankLoad>,
}

fn run_fit(a: &FitArgs, backend: &Backend) -> Result<()> {
    let place = backend.placement();
    let FitSettings { rank, data_name, params, config, format } = a.settings(&place)?;

    let t0 = Instant::now();
    let loaded = match &a.data {
        Some(path) => load_file(a, backend, path, format)?,
        None => load_synthetic(a),
    };
    let Loaded { data, user_ids, item_ids, users, items, train_ratings: n_train, test_ratings: n_test, load } = loaded;
    let load_s = t0.elapsed().as_secs_f64();
    info!(
        "{}: loaded {}: {} users, {} items, {} training and {} test ratings in {load_s:.3} s",
        place.describe(),
        data_name,
        users,
        items,
        n_train,
        n_test
    );
    if n_train == 0 {
        return Err(CliError::InvalidArgument(strads_kit::InvalidParameter::new(
            "data",
            data_name,
            "training ratings",
        )));
    }

    let show = !a.run.quiet && place.coordinator;
    let mut trace = Vec::new();
    let fit = fit_data(backend, data, params, &config, |it: &MfIteration| {
        if show {
            eprintln!(
                "iter {:>3}  {:>8.3} s  objective {:.6e}  train RMSE {:.5}  test RMSE {}",
                it.iter,
                it.time_s,
                it.objective,
                it.train_rmse,
                it.test_rmse.map_or("-".into(), |t| format!("{t:.5}"))
            );
        }
        trace.push(TraceRow {
            iter: it.iter,
            time_s: it.time_s,
            objective: it.objective,
            train_rmse: it.train_rmse,
            test_rmse: it.test_rmse,
        });
    })?;
    // Every process joins the gather of the loads (after the fit: the peak memory).
    let rank_loads = load.map(|l| l.gather(backend)).transpose()?;
    let Some(fit) = fit else { return Ok(()) };
    let ran = fit.history.last().map_or(0, |h| h.iter);
    // With early stopping the written model is the best iteration's: report its errors.
    let last = *fit
        .history
        .iter()
        .rev()
        .find(|h| fit.best_iter.map_or(true, |b| b == h.iter))
        .ok_or(CliError::App(strads_apps::Error::NoEvaluation))?;

    if let Some(path) = &a.run.trace {
        write_csv(path, &trace)?;
    }
    if let Some(dir) = &a.run.out {
        write_atomic_set(
            dir,
            vec![
                ("W.txt", Box::new(|w: &mut dyn Write| write_factors(w, &user_ids, &fit.w))),
                ("H.txt", Box::new(|w: &mut dyn Write| write_factors(w, &item_ids, &fit.h))),
            ],
        )?;
    }
    let summary = Summary {
        app: "mf",
        data: data_name,
        objective: last.objective,
        train_rmse: last.train_rmse,
        test_rmse: last.test_rmse,
        iters: ran,
        wall_s: fit.wall_s,
        load_s,
        build_s: fit.build_s,
        rank,
        lambda: a.lambda,
        reg: a.reg.clone(),
        inner_iters: a.inner_iters,
        users,
        items,
        ratings: n_train,
        test_ratings: n_test,
        early_stop: a.early_stop,
        best_iter: fit.best_iter,
        seed: a.run.seed,
        rank_loads,
        run: RunReport::new(
            backend,
            RunFacts {
                rounds: fit.rounds,
                stop: fit.stop,
                phases: fit.phases,
                wall_s: fit.wall_s,
                updates: None,
                staleness: config.staleness,
            },
        ),
    };
    if let Some(path) = &a.run.summary {
        write_json(path, &summary)?;
    }
    if !a.run.quiet {
        eprintln!(
            "mf: {} iterations in {:.3} s{}: objective {:.6e}, train RMSE {:.5}, test RMSE {}",
            ran,
            fit.wall_s,
            fit.best_iter.map_or(String::new(), |b| format!(", the best (kept) after {b}")),
            last.objective,
            last.train_rmse,
            last.test_rmse.map_or("-".into(), |t| format!("{t:.5}"))
        );
    }
    Ok(())
}

/// Reads this process's byte shares of the ratings file `path` (see
/// [`strads_apps::mf::load_sharded`]) and logs what it read.
fn load_file(a: &FitArgs, backend: &Backend, path: &Path, format: Option<RatingsFormat>) -> Result<Loaded> {
    let split = if let Some(test) = &a.test {
        TestSplit::File(test.clone())
    } else if let Some(n) = a.test_every {
        TestSplit::Every(n)
    } else if let Some(fraction) = a.test_fraction {
        TestSplit::Fraction { fraction, seed: a.split_seed }
    } else {
        TestSplit::None
    };
    let s = load_sharded(backend, path, format, &split)?;
    let load = RankLoad::new(&backend.placement(), &s.read, s.held(), "ratings");
    load.log(path);
    Ok(Loaded {
        users: s.data.user_counts.len(),
        items: s.data.item_counts.len(),
        train_ratings: s.train_ratings as usize,
        test_ratings: s.test_ratings as usize,
        data: s.data,
        user_ids: s.user_ids,
        item_ids: s.item_ids,
        load: Some(load),
    })
}

/// `--synthetic N`: every process generates the ratings (in memory) and splits them.
fn load_synthetic(a: &FitArgs) -> Loaded {
    let all = strads_datasets::synthetic_ratings(
        strads_datasets::SyntheticShape::netflix(a.synthetic.unwrap_or(0)),
        a.split_seed,
    );
    let (mut train, test) = if let Some(n) = a.test_every {
        let mut all = all;
        let test = split_in_place(&mut all, |r| r % n == n - 1);
        (all, Some(test))
    } else if let Some(f) = a.test_fraction.filter(|&f| f > 0.0) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(a.split_seed);
        let is_test: Vec<bool> = (0..all.len()).map(|_| rng.random::<f64>() < f).collect();
        let mut all = all;
        let test = split_in_place(&mut all, |r| is_test[r]);
        (all, Some(test))
    } else {
        (all, None)
    };
    let (train_ratings, test_ratings) = (train.len(), test.as_ref().map_or(0, Ratings::len));
    let data = MfData::whole(&mut train, test);
    Loaded {
        users: train.user_ids.len(),
        items: train.item_ids.len(),
        user_ids: train.user_ids,
        item_ids: train.item_ids,
        train_ratings,
        test_ratings,
        data,
        load: None,
    }
}

/// Splits `all` in place into training ratings (kept in `all`, file order) and the returned
/// test ratings (rating `r` is a test rating iff `is_test(r)`, file order), as
/// [`Ratings::split`] numbers them but without hashing ids: users and items of the training
/// ratings get indices in order of first appearance there (`all`'s ids become theirs), those
/// seen only in the test ratings the following indices (the test set carries no id strings).
/// Memory: the triplets plus the test ratings.
fn split_in_place(all: &mut Ratings, is_test: impl Fn(usize) -> bool) -> Ratings {
    let mut umap = vec![u32::MAX; all.user_ids.len()];
    let mut imap = vec![u32::MAX; all.item_ids.len()];
    let (mut nu, mut ni) = (0u32, 0u32);
    let renumber = |map: &mut [u32], next: &mut u32, a: u32| -> u32 {
        let m = &mut map[a as usize];
        if *m == u32::MAX {
            *m = *next;
            *next += 1;
        }
        *m
    };
    let mut test = Ratings::default();
    let mut kept = 0;
    for r in 0..all.len() {
        let (u, i, v) = (all.users[r], all.items[r], all.values[r]);
        if is_test(r) {
            test.users.push(u);
            test.items.push(i);
            test.values.push(v);
            continue;
        }
        all.users[kept] = renumber(&mut umap, &mut nu, u);
        all.items[kept] = renumber(&mut imap, &mut ni, i);
        all.values[kept] = v;
        kept += 1;
    }
    for v in [&mut all.users, &mut all.items] {
        v.truncate(kept);
        v.shrink_to_fit();
    }
    all.values.truncate(kept);
    all.values.shrink_to_fit();
    let keep_ids = |ids: &mut Vec<String>, map: &[u32], n: u32| {
        let mut out = vec![String::new(); n as usize];
        for (id, &m) in ids.iter_mut().zip(map) {
            if m != u32::MAX {
                out[m as usize] = std::mem::take(id);
            }
        }
        *ids = out;
    };
    keep_ids(&mut all.user_ids, &umap, nu);
    keep_ids(&mut all.item_ids, &imap, ni);
    for e in 0..test.len() {
        test.users[e] = renumber(&mut umap, &mut nu, test.users[e]);
        test.items[e] = renumber(&mut imap, &mut ni, test.items[e]);
    }
    test
}

/// Writes one line per row: the original id, then its K factor values (shortest round-trip
/// form, so they read back bit for bit).
fn write_factors(out: &mut dyn Write, ids: &[String], cols: &[Vec<f64>]) -> std::io::Result<()> {
    for (i, id) in ids.iter().enumerate() {
        write!(out, "{id}")?;
        for c in cols {
            write!(out, " {:?}", c.get(i).copied().unwrap_or(0.0))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Reads a factor file: `(ids, rows)`.
fn read_factors(path: &Path) -> Result<(Vec<String>, Vec<Vec<f64>>)> {
    let bad = |line: usize, msg: String| {
        CliError::Data(strads_datasets::Error::Parse { path: path.to_path_buf(), line, msg })
    };
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Data(strads_datasets::Error::Io { path: path.to_path_buf(), source: e }))?;
    let (mut ids, mut rows) = (Vec::new(), Vec::new());
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line =
            line.map_err(|e| CliError::Data(strads_datasets::Error::Io { path: path.to_path_buf(), source: e }))?;
        let mut f = line.split_ascii_whitespace();
        let Some(id) = f.next() else { continue };
        let row: std::result::Result<Vec<f64>, _> = f.map(str::parse::<f64>).collect();
        let row = row.map_err(|_| bad(n + 1, "a factor value is not a number".into()))?;
        if rows.first().is_some_and(|r: &Vec<f64>| r.len() != row.len()) {
            return Err(bad(n + 1, format!("{} values, the first line has {}", row.len(), rows[0].len())));
        }
        ids.push(id.to_string());
        rows.push(row);
    }
    Ok((ids, rows))
}

fn recommend(a: &RecommendArgs) -> Result<()> {
    let (uids, w) = read_factors(&a.model.join("W.txt"))?;
    let (iids, h) = read_factors(&a.model.join("H.txt"))?;
    let u = uids.iter().position(|x| *x == a.user).ok_or_else(|| {
        CliError::InvalidArgument(strads_kit::InvalidParameter::new(
            "user",
            a.user.clone(),
            "a user id of the model (the first column of W.txt)",
        ))
    })?;
    let mut exclude = std::collections::HashSet::new();
    if let Some(path) = &a.exclude_rated {
        let (mut users, mut items) = (IdMap::default(), IdMap::default());
        let r = load_ratings(path, None, &mut users, &mut items)?;
        if let Some(ui) = users.get(&a.user) {
            for k in 0..r.len() {
                if r.users[k] == ui {
                    exclude.insert(r.item_ids[r.items[k] as usize].clone());
                }
            }
        }
    }
    let mut scored: Vec<(f64, &str)> = iids
        .iter()
        .zip(&h)
        .filter(|(id, _)| !exclude.contains(*id))
        .map(|(id, hj)| (w[u].iter().zip(hj).map(|(x, y)| x * y).sum(), id.as_str()))
        .collect();
    scored.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(y.1)));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for (s, id) in scored.iter().take(a.top) {
        writeln!(out, "{id}\t{s:.4}").map_err(|e| CliError::Write { path: "stdout".into(), source: e })?;
    }
    Ok(())
}
