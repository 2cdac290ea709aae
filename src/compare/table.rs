//! The runs' files read back, and the two tables of a comparison: `runs.csv` (every trace
//! row of every run, cells copied verbatim) and `summary.csv` (one row per run: the goal
//! reached, then every scalar of the run's `--summary`).

use std::path::Path;

use serde_json::Value;

use super::apps::{AppSpec, Goal, YValue, SUBOPT_FLOOR};
use super::{label, Job, Options};

/// One run's line: its legend label and its (x, y) points.
pub type Series = (String, Vec<(f64, f64)>);

/// One finished run: who it is and what it wrote.
#[derive(Debug)]
pub struct RunFiles {
    /// The run's id, values and repeat.
    job: Job,
    /// `key=value, ...` for legends.
    pub label: String,
    /// The trace's header.
    header: Vec<String>,
    /// The trace's rows, cells as written.
    rows: Vec<Vec<String>>,
    /// The summary, flattened: (`a.b` key, value as text).
    summary: Vec<(String, String)>,
}

impl RunFiles {
    /// Reads `dir/trace.csv` and `dir/summary.json` of `job`.
    ///
    /// # Errors
    /// A message naming the file that is missing or malformed.
    pub fn read(dir: &Path, job: &Job, opts: &Options) -> Result<Self, String> {
        let trace = dir.join("trace.csv");
        let mut rd = csv::Reader::from_path(&trace)
            .map_err(|e| format!("run {}: cannot read {}: {e}", job.id, trace.display()))?;
        let bad = |e: csv::Error| format!("run {}: {}: {e}", job.id, trace.display());
        let header: Vec<String> = rd.headers().map_err(bad)?.iter().map(str::to_string).collect();
        let mut rows = Vec::new();
        for r in rd.records() {
            rows.push(r.map_err(bad)?.iter().map(str::to_string).collect());
        }
        let path = dir.join("summary.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("run {}: cannot read {}: {e}", job.id, path.display()))?;
        let json: Value =
            serde_json::from_str(&text).map_err(|e| format!("run {}: {}: {e}", job.id, path.display()))?;
        let mut summary = Vec::new();
        flatten("", &json, &mut summary);
        Ok(Self { job: job.clone(), label: label(opts, job), header, rows, summary })
    }

    /// The cells of column `name` parsed as numbers (None where absent, empty or not a number).
    pub fn numbers(&self, name: &str) -> Vec<Option<f64>> {
        match self.header.iter().position(|h| h == name) {
            None => vec![None; self.rows.len()],
            Some(i) => self.rows.iter().map(|r| r.get(i).and_then(|c| c.parse::<f64>().ok())).collect(),
        }
    }

    fn cell(&self, row: usize, name: &str) -> String {
        self.header.iter().position(|h| h == name).and_then(|i| self.rows[row].get(i)).cloned().unwrap_or_default()
    }
}

/// A summary's scalars as `(key, text)`, nested objects as `outer.inner`.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, x, out);
            }
        }
        Value::Null => out.push((prefix.to_string(), String::new())),
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Bool(b) => out.push((prefix.to_string(), b.to_string())),
        Value::Number(n) => out.push((prefix.to_string(), n.to_string())),
        Value::Array(_) => out.push((prefix.to_string(), v.to_string())),
    }
}

/// Where a run first reached the goal.
#[derive(Debug, Clone, Default)]
struct Reached {
    time_s: String,
    round: String,
    updates: String,
}

/// Every run of a comparison, with the goal and where each run reached it.
#[derive(Debug)]
pub struct Results {
    keys: Vec<String>,
    /// The runs in run order.
    pub runs: Vec<RunFiles>,
    goal: Option<f64>,
    reached: Vec<Option<Reached>>,
}

impl Results {
    /// Gathers the runs and finds where each reached the goal (`--goal`, or the app's default).
    ///
    /// # Errors
    /// A message if no run has a trace row.
    pub fn new(spec: &'static AppSpec, keys: &[&str], runs: Vec<RunFiles>, goal: Option<f64>) -> Result<Self, String> {
        if runs.iter().all(|r| r.rows.is_empty()) {
            return Err(format!("no run of {} wrote a trace row", spec.name));
        }
        let mut res =
            Self { keys: keys.iter().map(|k| k.to_string()).collect(), runs, goal: None, reached: Vec::new() };
        // Per run: the progress measure of each row, and whether "at most" (true) or "at least".
        let (measure, at_most, default): (Vec<Vec<Option<f64>>>, bool, Option<f64>) = match spec.goal {
            Goal::SuboptAtMost(col, d) => {
                let best = res.best_objective(col);
                (
                    res.runs
                        .iter()
                        .map(|r| r.numbers(col).iter().map(|v| v.map(|f| subopt(f, best))).collect())
                        .collect(),
                    true,
                    Some(d),
                )
            }
            Goal::AtLeast(col) => {
                let m: Vec<_> = res.runs.iter().map(|r| r.numbers(col)).collect();
                let d = m.iter().filter_map(|v| v.iter().flatten().copied().reduce(f64::max)).reduce(f64::min);
                (m, false, d)
            }
            Goal::AtMost(cols) => {
                let col = res.pick_column(cols).unwrap_or(cols[0]);
                let m: Vec<_> = res.runs.iter().map(|r| r.numbers(col)).collect();
                let d = m.iter().filter_map(|v| v.iter().flatten().copied().reduce(f64::min)).reduce(f64::max);
                (m, true, d)
            }
        };
        res.goal = goal.or(default);
        res.reached = res
            .runs
            .iter()
            .zip(&measure)
            .map(|(r, m)| {
                let g = res.goal?;
                let i = m.iter().position(|v| v.is_some_and(|v| if at_most { v <= g } else { v >= g }))?;
                let first = r.header.first().cloned().unwrap_or_default();
                Some(Reached { time_s: r.cell(i, "time_s"), round: r.cell(i, &first), updates: r.cell(i, "updates") })
            })
            .collect();
        Ok(res)
    }

    /// The smallest value of `col` over every row of every run (F_best).
    pub fn best_objective(&self, col: &str) -> f64 {
        self.runs.iter().flat_map(|r| r.numbers(col)).flatten().fold(f64::INFINITY, f64::min)
    }

    /// The first of `cols` that has a number in some run.
    pub fn pick_column(&self, cols: &[&'static str]) -> Option<&'static str> {
        cols.iter().copied().find(|c| self.runs.iter().any(|r| r.numbers(c).iter().any(Option::is_some)))
    }

    /// Each run's (label, points) of `y` against the trace column `x`, and the y label.
    /// Relative suboptimality is clamped to [`SUBOPT_FLOOR`] for a log axis.
    pub fn series(&self, x: &str, y: YValue) -> (Vec<Series>, String) {
        let (ys, y_label): (Vec<Vec<Option<f64>>>, String) = match y {
            YValue::RelSubopt(col) => {
                let best = self.best_objective(col);
                let ys = self
                    .runs
                    .iter()
                    .map(|r| r.numbers(col).iter().map(|v| v.map(|f| subopt(f, best).max(SUBOPT_FLOOR))).collect())
                    .collect();
                let label = if best > 0.0 {
                    super::apps::SUBOPT_LABEL.to_string()
                } else {
                    format!("F - F_best (F_best = {best:.3e} <= 0; values < 1e-14 drawn at 1e-14)")
                };
                (ys, label)
            }
            YValue::Column(cols) => {
                let names: Vec<&'static str> = cols.iter().map(|c| c.0).collect();
                let col = self.pick_column(&names).unwrap_or(cols[0].0);
                let label = cols.iter().find(|c| c.0 == col).map_or(col, |c| c.1).to_string();
                (self.runs.iter().map(|r| r.numbers(col)).collect(), label)
            }
        };
        let series = self
            .runs
            .iter()
            .zip(ys)
            .map(|(r, y)| {
                let pts = r
                    .numbers(x)
                    .into_iter()
                    .zip(y)
                    .filter_map(|(a, b)| Some((a?, b?)))
                    .filter(|(a, b)| a.is_finite() && b.is_finite())
                    .collect();
                (r.label.clone(), pts)
            })
            .collect();
        (series, y_label)
    }

    /// The data file of the first run's summary, for plot titles.
    pub fn data_name(&self) -> Option<String> {
        let d = self.runs.first()?.summary.iter().find(|(k, _)| k == "data")?;
        Path::new(&d.1).file_name().map(|n| n.to_string_lossy().into_owned())
    }

    /// Writes `runs.csv` and `summary.csv` into `dir`.
    ///
    /// # Errors
    /// A message naming the file that could not be written.
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let mut trace_cols: Vec<&str> = Vec::new();
        for r in &self.runs {
            for h in &r.header {
                if !trace_cols.contains(&h.as_str()) {
                    trace_cols.push(h);
                }
            }
        }
        let mut head: Vec<&str> = vec!["run"];
        head.extend(self.keys.iter().map(String::as_str));
        head.push("repeat");
        let mut rows = vec![head.iter().chain(&trace_cols).map(|s| s.to_string()).collect::<Vec<_>>()];
        for r in &self.runs {
            let idx: Vec<Option<usize>> = trace_cols.iter().map(|c| r.header.iter().position(|h| h == c)).collect();
            for row in &r.rows {
                let mut out = self.run_cells(r);
                out.extend(idx.iter().map(|i| i.and_then(|i| row.get(i)).cloned().unwrap_or_default()));
                rows.push(out);
            }
        }
        write_rows(&dir.join("runs.csv"), &rows)?;

        // A summary field named like a leading column (e.g. `schedule` when it is varied) is
        // that column: it is not repeated.
        let mut sum_cols: Vec<&str> = Vec::new();
        for r in &self.runs {
            for (k, _) in &r.summary {
                if !sum_cols.contains(&k.as_str()) && !head.contains(&k.as_str()) {
                    sum_cols.push(k);
                }
            }
        }
        let goal_cols = ["goal", "time_to_goal_s", "round_to_goal", "updates_to_goal"];
        let mut rows = vec![head.iter().chain(&goal_cols).chain(&sum_cols).map(|s| s.to_string()).collect::<Vec<_>>()];
        for (r, reached) in self.runs.iter().zip(&self.reached) {
            let mut out = self.run_cells(r);
            out.push(self.goal.map(|g| g.to_string()).unwrap_or_default());
            let re = reached.clone().unwrap_or_default();
            out.extend([re.time_s, re.round, re.updates]);
            for c in &sum_cols {
                out.push(r.summary.iter().find(|(k, _)| k == c).map(|(_, v)| v.clone()).unwrap_or_default());
            }
            rows.push(out);
        }
        write_rows(&dir.join("summary.csv"), &rows)
    }

    /// A run's leading cells: id, varied values, repeat.
    fn run_cells(&self, r: &RunFiles) -> Vec<String> {
        let mut out = vec![r.job.id.clone()];
        out.extend(r.job.values.iter().cloned());
        out.push(r.job.repeat.to_string());
        out
    }
}

/// `(F − F_best) / F_best`, or `F − F_best` when F_best is not positive.
fn subopt(f: f64, best: f64) -> f64 {
    if best > 0.0 {
        (f - best) / best
    } else {
        f - best
    }
}

fn write_rows(path: &Path, rows: &[Vec<String>]) -> Result<(), String> {
    let err = |e: csv::Error| format!("cannot write {}: {e}", path.display());
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    for r in rows {
        w.write_record(r).map_err(err)?;
    }
    w.flush().map_err(|e| format!("cannot write {}: {e}", path.display()))
}
