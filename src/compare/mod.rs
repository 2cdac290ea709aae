//! `strads compare`: run an app once per combination of varied flag values, then gather the
//! runs' traces and summaries into two CSV files and draw the convergence plots.
//!
//! Each run is a child process of the same `strads` binary (optionally behind a launcher
//! prefix such as `mpirun -np 3`), started with the pass-through app flags, one `--KEY VALUE`
//! per varied key, and `--trace`/`--summary` into `DIR/runs/<id>/`. Everything is written into
//! a temporary directory beside `DIR`, which is renamed to `DIR` only when every run has
//! succeeded and every file is written: a failed or rejected comparison leaves nothing.

mod apps;
mod plot;
mod table;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use clap::{ArgAction, Args, CommandFactory, Parser};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use apps::AppSpec;

/// Arguments of `strads compare`: the app, then the app's own flags interleaved with the
/// comparison's flags (`--vary`, `--repeat`, `--out`, `--launcher`, `--goal`, `--log-x`, `--quiet`).
#[derive(Debug, Args)]
#[command(after_long_help = HELP, after_help = HELP)]
pub struct CompareArgs {
    /// The app to compare runs of: lasso, lda, mf (logreg once the binary has it).
    #[arg(value_name = "APP")]
    app: String,
    /// The app's flags (e.g. `--data FILE --lambda-ratio 0.1`) and the comparison's flags.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0.., value_name = "FLAGS")]
    flags: Vec<String>,
}

const HELP: &str = "\
Comparison flags (anywhere after APP; every other flag is passed to each run unchanged):
  --vary KEY=V1,V2,...   Run each value of the app flag --KEY (repeatable: the cartesian product
                         of all lists, the first --vary varying slowest). Flags without a value
                         (e.g. no-screening) take true,false.
  --repeat R             Run every combination R times [default: 1].
  --out DIR              Output directory (must not exist or be empty): runs.csv, summary.csv,
                         the plots (PNG and SVG, 960 x 600) and runs/<id>/ with each run's files.
  --launcher \"CMD ...\"   Prefix of every run's command line, e.g. \"mpirun -np 3\" (split at
                         whitespace); strads compare itself runs as a plain process.
  --goal G               The level for time_to_goal_s: relative suboptimality for lasso/logreg
                         [default: 1e-6], log-likelihood per token for lda, test RMSE for mf
                         [default: the level every run reached].
  --log-x                Logarithmic x axes (seconds, updates, iterations; rows at x <= 0 are
                         left out of the plots, not of the tables).
  -q, --quiet            No progress bar and no closing line.

Example:
  strads compare lasso --data cox2.libsvm --lambda-ratio 0.1 --vary schedule=dynamic,cyclic \\
      --vary workers=1,2 --out cmp";

/// A `--vary KEY=V1,V2,...` after parsing: the app flag and its values, in order.
#[derive(Debug, Clone, PartialEq)]
struct Vary {
    key: String,
    values: Vec<String>,
    /// The flag takes no value: `true` passes `--KEY`, `false` leaves it out.
    switch: bool,
}

/// The comparison's own settings, separated from the pass-through app flags.
#[derive(Debug)]
struct Options {
    vary: Vec<Vary>,
    repeat: usize,
    out: PathBuf,
    launcher: Vec<String>,
    goal: Option<f64>,
    quiet: bool,
    /// Logarithmic x axes.
    log_x: bool,
    /// The app flags passed to every run unchanged.
    pass: Vec<String>,
}

/// One run to do: its id, the varied values (in `--vary` order) and its repeat index.
#[derive(Debug, Clone)]
struct Job {
    id: String,
    values: Vec<String>,
    repeat: usize,
}

/// A failure of `strads compare`; each displays as one line.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A bad command line, found before anything runs.
    #[error("{0}")]
    Usage(String),
    /// A run that failed; nothing was written.
    #[error("run {id} ({label}) failed, nothing was written: {reason}")]
    Run {
        /// The run's id.
        id: String,
        /// Its varied values.
        label: String,
        /// The run's last line of stderr, or why it could not start.
        reason: String,
    },
    /// Reading a run's files, writing an output, drawing a plot.
    #[error("{0}")]
    Output(String),
}

fn usage(msg: impl Into<String>) -> CompareError {
    CompareError::Usage(msg.into())
}

/// Flags of the app's command that a comparison sets itself (or that make no sense per run).
const RESERVED: [&str; 6] = ["trace", "summary", "out", "quiet", "help", "version"];

/// Runs `strads compare`.
///
/// # Errors
/// [`CompareError`]: a bad command line (before anything runs), a failed run or a failed
/// write; in every case `--out` is left as it was.
pub fn run(args: &CompareArgs) -> Result<(), CompareError> {
    if args.flags.iter().any(|f| f == "--help" || f == "-h") {
        let mut cmd = crate::Cli::command();
        if let Some(c) = cmd.find_subcommand_mut("compare") {
            // Printing help can only fail when stdout is closed; nothing to do then.
            let _ = c.print_long_help();
        }
        return Ok(());
    }
    if let Some((var, _)) = strads_engine::mpi_launcher() {
        return Err(usage(format!(
            "run it as a plain process, not under an MPI launcher ({var} is set); \
             give --launcher \"mpirun -np N\" to run each run as an MPI job"
        )));
    }
    let spec = apps::spec(&args.app)
        .ok_or_else(|| usage(format!("unknown app '{}': expected one of {}", args.app, apps::names().join(", "))))?;
    let app_cmd = crate::Cli::command()
        .find_subcommand(spec.name)
        .cloned()
        .ok_or_else(|| usage(format!("this strads binary has no '{}' command", spec.name)))?;
    let mut opts = split_flags(&args.flags)?;
    resolve_keys(&mut opts, &app_cmd)?;
    let jobs = jobs(&opts);
    // Every combination must parse as the app's command line before anything runs.
    for job in &jobs {
        check_job(spec, &opts, job)?;
    }
    let out = prepare_out(&opts.out)?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", out.name))
        .tempdir_in(&out.parent)
        .map_err(|e| CompareError::Output(format!("cannot create a directory in {}: {e}", out.parent.display())))?;
    let exe = std::env::current_exe()
        .map_err(|e| CompareError::Output(format!("cannot find the strads binary itself: {e}")))?;

    let pb = progress(opts.quiet, jobs.len() as u64);
    let mut done = Vec::with_capacity(jobs.len());
    for job in &jobs {
        pb.set_message(format!("{} {}", job.id, label(&opts, job)));
        let dir = tmp.path().join("runs").join(&job.id);
        run_job(&exe, spec, &opts, job, &dir, &out.path.join("runs").join(&job.id))?;
        done.push(table::RunFiles::read(&dir, job, &opts).map_err(CompareError::Output)?);
        pb.inc(1);
    }
    pb.finish_and_clear();

    let keys: Vec<&str> = opts.vary.iter().map(|v| v.key.as_str()).collect();
    let results = table::Results::new(spec, &keys, done, opts.goal).map_err(CompareError::Output)?;
    results.write(tmp.path()).map_err(CompareError::Output)?;
    let plots = plot::draw_all(spec, &results, tmp.path(), opts.log_x).map_err(CompareError::Output)?;
    write_command(tmp.path(), &args.app, &args.flags)?;
    finish(tmp, &out)?;
    if !opts.quiet {
        eprintln!(
            "compare: {} runs of {} -> {}: runs.csv, summary.csv, {}",
            jobs.len(),
            spec.name,
            out.path.display(),
            plots.join(", ")
        );
    }
    Ok(())
}

/// Splits the flags after APP into the comparison's own and the app's pass-through flags.
fn split_flags(flags: &[String]) -> Result<Options, CompareError> {
    let mut vary_raw = Vec::new();
    let (mut repeat, mut out, mut launcher, mut goal, mut quiet, mut log_x) = (None, None, None, None, false, false);
    let mut pass = Vec::new();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        let (name, inline) = match f.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (f.as_str(), None),
        };
        let own = matches!(name, "--vary" | "--repeat" | "--out" | "--launcher" | "--goal");
        if name == "--quiet" || name == "-q" {
            quiet = true;
            continue;
        }
        if name == "--log-x" {
            log_x = true;
            continue;
        }
        if !own {
            pass.push(f.clone());
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it.next().cloned().ok_or_else(|| usage(format!("{name} needs a value")))?,
        };
        let once = |slot: &Option<String>| match slot {
            Some(_) => Err(usage(format!("{name} given twice"))),
            None => Ok(()),
        };
        match name {
            "--vary" => vary_raw.push(value),
            "--repeat" => {
                once(&repeat)?;
                repeat = Some(value);
            }
            "--out" => {
                once(&out)?;
                out = Some(value);
            }
            "--launcher" => {
                once(&launcher)?;
                launcher = Some(value);
            }
            _ => {
                once(&goal)?;
                goal = Some(value);
            }
        }
    }
    let out = out.ok_or_else(|| usage("--out DIR is required"))?;
    if out.is_empty() {
        return Err(usage("--out needs a directory name"));
    }
    let repeat = match repeat {
        None => 1,
        Some(r) => match r.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(usage(format!("invalid --repeat '{r}': expected a whole number of at least 1"))),
        },
    };
    let goal = match goal {
        None => None,
        Some(g) => match g.parse::<f64>() {
            Ok(v) if v.is_finite() => Some(v),
            _ => return Err(usage(format!("invalid --goal '{g}': expected a finite number"))),
        },
    };
    let launcher: Vec<String> =
        launcher.map(|l| l.split_whitespace().map(str::to_string).collect()).unwrap_or_default();
    if launcher.is_empty() && flags.iter().any(|f| f == "--launcher" || f.starts_with("--launcher=")) {
        return Err(usage("--launcher needs a command, e.g. \"mpirun -np 3\""));
    }
    let mut vary: Vec<Vary> = Vec::with_capacity(vary_raw.len());
    for raw in &vary_raw {
        let v = parse_vary(raw)?;
        if vary.iter().any(|w| w.key == v.key) {
            return Err(usage(format!(
                "--vary {}: the key '{}' is varied twice (give all its values in one list)",
                raw, v.key
            )));
        }
        vary.push(v);
    }
    Ok(Options { vary, repeat, out: PathBuf::from(out), launcher, goal, quiet, log_x, pass })
}

/// `KEY=V1,V2,...` → the key (without leading dashes, `_` as `-`) and its values.
fn parse_vary(raw: &str) -> Result<Vary, CompareError> {
    let (key, list) = raw
        .split_once('=')
        .ok_or_else(|| usage(format!("--vary '{raw}': expected KEY=V1,V2,... (e.g. schedule=dynamic,cyclic)")))?;
    let key = key.trim().trim_start_matches('-').replace('_', "-");
    if key.is_empty() {
        return Err(usage(format!("--vary '{raw}': no key before '='")));
    }
    if list.trim().is_empty() {
        return Err(usage(format!("--vary '{raw}': the list of values for '{key}' is empty")));
    }
    let mut values: Vec<String> = Vec::new();
    for v in list.split(',').map(str::trim) {
        if v.is_empty() {
            return Err(usage(format!("--vary '{raw}': an empty value in the list for '{key}'")));
        }
        if values.iter().any(|w| w == v) {
            return Err(usage(format!("--vary '{raw}': the value '{v}' is listed twice")));
        }
        values.push(v.to_string());
    }
    Ok(Vary { key, values, switch: false })
}

/// Checks every varied key against the app's flags (known, not reserved, not also passed
/// through) and marks the switches (flags without a value).
fn resolve_keys(opts: &mut Options, app: &clap::Command) -> Result<(), CompareError> {
    let name = app.get_name().to_string();
    for bad in ["--trace", "--summary"] {
        if opts.pass.iter().any(|f| f == bad || f.starts_with(&format!("{bad}="))) {
            return Err(usage(format!("{bad} is set by strads compare for each run (see DIR/runs/<id>/)")));
        }
    }
    for v in &mut opts.vary {
        let arg = app
            .get_arguments()
            .find(|a| a.get_long() == Some(v.key.as_str()))
            .filter(|_| !RESERVED.contains(&v.key.as_str()));
        let Some(arg) = arg else {
            let mut known: Vec<&str> =
                app.get_arguments().filter_map(|a| a.get_long()).filter(|l| !RESERVED.contains(l)).collect();
            known.sort_unstable();
            return Err(usage(format!(
                "--vary {}: '{name}' has no flag --{} that can be varied (it has: {})",
                v.key,
                v.key,
                known.join(", ")
            )));
        };
        let flag = format!("--{}", v.key);
        if opts.pass.iter().any(|f| *f == flag || f.starts_with(&format!("{flag}="))) {
            return Err(usage(format!("{flag} is both varied and given as a flag: give it only in --vary")));
        }
        v.switch = matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
        if v.switch {
            if let Some(bad) = v.values.iter().find(|x| *x != "true" && *x != "false") {
                return Err(usage(format!(
                    "--vary {}: {flag} takes no value, so its values are true or false, not '{bad}'",
                    v.key
                )));
            }
        }
    }
    Ok(())
}

/// The runs: the cartesian product of the varied values (the first key slowest), each
/// `repeat` times.
fn jobs(opts: &Options) -> Vec<Job> {
    let mut combos: Vec<Vec<String>> = vec![Vec::new()];
    for v in &opts.vary {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                v.values.iter().map(move |x| {
                    let mut c = c.clone();
                    c.push(x.clone());
                    c
                })
            })
            .collect();
    }
    let total = combos.len() * opts.repeat;
    let width = total.saturating_sub(1).to_string().len().max(3);
    let mut out = Vec::with_capacity(total);
    for values in combos {
        for repeat in 0..opts.repeat {
            out.push(Job { id: format!("{:0width$}", out.len()), values: values.clone(), repeat });
        }
    }
    out
}

/// The varied values of `job` as `key=value, ...` (and `#r` for a repeat), for legends and
/// messages.
fn label(opts: &Options, job: &Job) -> String {
    let mut parts: Vec<String> = opts.vary.iter().zip(&job.values).map(|(v, x)| format!("{}={x}", v.key)).collect();
    if opts.repeat > 1 {
        parts.push(format!("#{}", job.repeat + 1));
    }
    if parts.is_empty() {
        format!("run {}", job.id)
    } else {
        parts.join(", ")
    }
}

/// The app flags of `job`: the pass-through flags, then one per varied key.
fn app_flags(opts: &Options, job: &Job) -> Vec<String> {
    let mut a = opts.pass.clone();
    for (v, x) in opts.vary.iter().zip(&job.values) {
        if v.switch {
            if x == "true" {
                a.push(format!("--{}", v.key));
            }
        } else {
            a.push(format!("--{}", v.key));
            a.push(x.clone());
        }
    }
    a
}

/// Parses `job`'s command line as the app's and runs the app's own checks of its settings
/// (everything the app checks before it reads its data), so that a value the app rejects (and
/// a missing required flag) stops the comparison before anything runs.
fn check_job(spec: &AppSpec, opts: &Options, job: &Job) -> Result<(), CompareError> {
    let mut argv = vec!["strads".to_string(), spec.name.to_string()];
    argv.extend(app_flags(opts, job));
    let what = if opts.vary.is_empty() { String::new() } else { format!(" with {}", label(opts, job)) };
    let cli = match crate::Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            // clap's message up to its first blank line (the error and its details), one line.
            let text = e.to_string();
            let msg: Vec<&str> = text.lines().map(str::trim).take_while(|l| !l.is_empty()).collect();
            let msg = msg.join(" ");
            let msg = msg.trim_start_matches("error: ");
            return Err(usage(format!("strads {}{what}: {msg}", spec.name)));
        }
    };
    check_settings(&cli.command, &opts.launcher).map_err(|msg| usage(format!("strads {}{what}: {msg}", spec.name)))
}

/// Whether `launcher` starts MPI jobs (its program is `mpirun`, `mpiexec`, `orterun` or `srun`).
fn is_mpi_launcher(launcher: &[String]) -> bool {
    launcher.first().is_some_and(|l| {
        let prog = Path::new(l).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        ["mpirun", "mpiexec", "orterun", "srun"].iter().any(|m| prog.starts_with(m))
    })
}

/// The checks a run of `command` makes before it reads any data: the layout flags (as the
/// backend would check them, threads or MPI ranks under an MPI launcher) and the app's own
/// settings. Returns the run's error line (without `strads: error:`).
fn check_settings(command: &crate::Command, launcher: &[String]) -> Result<(), String> {
    use crate::Command as C;
    let launch = match command {
        C::Lasso(a) => a.run.launch_options(),
        C::Lda(a) => a.run.launch_options(),
        C::Logreg(a) => a.run.launch_options(),
        C::Mf(a) => a.launch_options(),
        C::Generate(_) | C::Compare(_) => return Ok(()),
    };
    let workers = if is_mpi_launcher(launcher) {
        if let Some(w) = launch.workers {
            let why = "left out under an MPI launcher: the rank count decides the workers \
                       (P = ranks, times --threads per rank)";
            return Err(strads_kit::InvalidParameter::new("workers", w, why).to_string());
        }
        if launch.threads_per_rank == Some(0) {
            return Err(strads_kit::InvalidParameter::new("threads", 0, "at least 1").to_string());
        }
        // The rank count is the launcher's: check the settings for the fewest workers.
        1
    } else if launcher.is_empty() {
        // No MPI launcher in this process's environment (checked by `run`): threads, as each
        // run will pick them.
        strads_engine::Backend::detect(&launch).map_err(|e| e.to_string())?.placement().workers
    } else {
        launch.workers.unwrap_or(1)
    };
    let checked = match command {
        C::Lasso(a) => a.check(workers),
        C::Lda(a) => a.check(workers),
        C::Logreg(a) => a.check(workers),
        C::Mf(a) => a.check(workers),
        C::Generate(_) | C::Compare(_) => Ok(()),
    };
    checked.map_err(|e| e.to_string())
}

/// Where `--out` goes: its parent (created) and its final name.
struct OutDir {
    path: PathBuf,
    parent: PathBuf,
    name: String,
}

fn prepare_out(out: &Path) -> Result<OutDir, CompareError> {
    if out.exists() {
        let empty = out.is_dir() && std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !empty {
            return Err(usage(format!(
                "--out {}: already exists and is not an empty directory (give a new name)",
                out.display()
            )));
        }
    }
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| usage(format!("--out {}: not a directory name", out.display())))?;
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| CompareError::Output(format!("cannot create {}: {e}", parent.display())))?;
    Ok(OutDir { path: out.to_path_buf(), parent, name })
}

/// Runs `job` as a child process writing into `dir`; its stdout and stderr are kept there,
/// and its command line, with `dir` shown as `shown` (where it ends up), in `command.txt`.
fn run_job(
    exe: &Path,
    spec: &AppSpec,
    opts: &Options,
    job: &Job,
    dir: &Path,
    shown: &Path,
) -> Result<(), CompareError> {
    let fail = |reason: String| CompareError::Run { id: job.id.clone(), label: label(opts, job), reason };
    std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    let mut argv: Vec<String> = opts.launcher.clone();
    argv.push(exe.display().to_string());
    argv.push(spec.name.to_string());
    argv.extend(app_flags(opts, job));
    for (flag, file) in [("--trace", "trace.csv"), ("--summary", "summary.json")] {
        argv.push(flag.to_string());
        argv.push(dir.join(file).display().to_string());
    }
    argv.push("--quiet".to_string());
    let (tmp, fin) = (dir.display().to_string(), shown.display().to_string());
    let record: Vec<String> = argv.iter().map(|a| shell_word(&a.replace(&tmp, &fin))).collect();
    std::fs::write(dir.join("command.txt"), record.join(" ") + "\n")
        .map_err(|e| fail(format!("cannot write {}: {e}", dir.display())))?;
    let output =
        Process::new(&argv[0]).args(&argv[1..]).output().map_err(|e| fail(format!("cannot start {}: {e}", argv[0])))?;
    std::fs::write(dir.join("stderr.txt"), &output.stderr)
        .and_then(|()| std::fs::write(dir.join("stdout.txt"), &output.stdout))
        .map_err(|e| fail(format!("cannot write {}: {e}", dir.display())))?;
    if !output.status.success() {
        let err = String::from_utf8_lossy(&output.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("no message").trim().to_string();
        return Err(fail(format!("{} ({})", last, output.status)));
    }
    Ok(())
}

/// `a` quoted for a POSIX shell when it needs it.
fn shell_word(a: &str) -> String {
    if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_=./:,+@%".contains(c)) {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// Writes `DIR/command.txt`: the comparison's own command line.
fn write_command(dir: &Path, app: &str, flags: &[String]) -> Result<(), CompareError> {
    let mut words = vec!["strads".to_string(), "compare".to_string(), shell_word(app)];
    words.extend(flags.iter().map(|f| shell_word(f)));
    std::fs::write(dir.join("command.txt"), words.join(" ") + "\n")
        .map_err(|e| CompareError::Output(format!("cannot write command.txt: {e}")))
}

/// Renames the finished temporary directory to `--out` (an empty `--out` is replaced).
fn finish(tmp: tempfile::TempDir, out: &OutDir) -> Result<(), CompareError> {
    if out.path.is_dir() {
        // Only an empty directory gets here (checked before the runs); remove_dir refuses
        // anything else.
        std::fs::remove_dir(&out.path)
            .map_err(|e| CompareError::Output(format!("cannot replace {}: {e}", out.path.display())))?;
    }
    std::fs::rename(tmp.path(), &out.path)
        .map_err(|e| CompareError::Output(format!("cannot rename the results to {}: {e}", out.path.display())))?;
    // Renamed: nothing is left to delete.
    let _ = tmp.keep();
    Ok(())
}

/// The bar over runs, on a terminal only.
fn progress(quiet: bool, runs: u64) -> ProgressBar {
    let pb = ProgressBar::new(runs);
    if quiet || !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} run {pos}/{len} {msg}") {
        pb.set_style(style);
    }
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_are_split_into_the_comparisons_and_the_apps() {
        let o = split_flags(&strings(&[
            "--data",
            "x.libsvm",
            "--vary",
            "schedule=dynamic,cyclic",
            "--lambda-ratio",
            "0.1",
            "--vary=workers=1,2",
            "--out",
            "cmp",
            "--repeat=2",
            "-q",
            "--launcher",
            "mpirun -np 3",
        ]))
        .expect("valid");
        assert_eq!(o.pass, strings(&["--data", "x.libsvm", "--lambda-ratio", "0.1"]));
        assert_eq!(o.vary.len(), 2);
        assert_eq!((o.vary[1].key.as_str(), o.vary[1].values.clone()), ("workers", strings(&["1", "2"])));
        assert_eq!((o.repeat, o.quiet, o.out.as_path()), (2, true, Path::new("cmp")));
        assert_eq!(o.launcher, strings(&["mpirun", "-np", "3"]));
        let j = jobs(&o);
        assert_eq!(j.len(), 8);
        assert_eq!((j[0].id.as_str(), j[7].id.as_str()), ("000", "007"));
        assert_eq!(j[3].values, strings(&["dynamic", "2"]));
        assert_eq!(label(&o, &j[3]), "schedule=dynamic, workers=2, #2");
        assert_eq!(app_flags(&o, &j[3])[4..], strings(&["--schedule", "dynamic", "--workers", "2"]));
    }

    #[test]
    fn bad_vary_lists_are_rejected() {
        for (args, expect) in [
            (vec!["--vary", "schedule=", "--out", "d"], "is empty"),
            (vec!["--vary", "schedule", "--out", "d"], "expected KEY=V1,V2"),
            (vec!["--vary", "=a,b", "--out", "d"], "no key"),
            (vec!["--vary", "schedule=a,,b", "--out", "d"], "an empty value"),
            (vec!["--vary", "schedule=a,a", "--out", "d"], "listed twice"),
            (vec!["--vary", "seed=1", "--vary", "seed=2", "--out", "d"], "varied twice"),
            (vec!["--vary", "seed=1"], "--out DIR is required"),
            (vec!["--out", "d", "--repeat", "0"], "invalid --repeat"),
            (vec!["--out", "d", "--out", "e"], "--out given twice"),
            (vec!["--out", "d", "--goal", "x"], "invalid --goal"),
        ] {
            let e = split_flags(&strings(&args)).expect_err("rejected").to_string();
            assert!(e.contains(expect), "{args:?}: {e}");
        }
    }

    #[test]
    fn mpi_launchers_are_recognized() {
        for (l, mpi) in [
            ("mpirun -np 3", true),
            ("/usr/bin/mpiexec -n 2", true),
            ("srun -n 4", true),
            ("nice -n 5", false),
            ("", false),
        ] {
            assert_eq!(is_mpi_launcher(&strings(&l.split_whitespace().collect::<Vec<_>>())), mpi, "{l}");
        }
    }

    #[test]
    fn vary_keys_are_checked_against_the_app() {
        let cmd = crate::Cli::command().find_subcommand("lasso").cloned().expect("lasso");
        let mut o = split_flags(&strings(&["--vary", "no_screening=true,false", "--out", "d"])).expect("ok");
        resolve_keys(&mut o, &cmd).expect("a switch");
        assert!(o.vary[0].switch);
        assert_eq!(app_flags(&o, &jobs(&o)[0]), strings(&["--no-screening"]));
        assert!(app_flags(&o, &jobs(&o)[1]).is_empty());
        for (args, expect) in [
            (vec!["--vary", "colour=red", "--out", "d"], "has no flag --colour"),
            (vec!["--vary", "trace=a", "--out", "d"], "has no flag --trace"),
            (vec!["--vary", "no-screening=yes", "--out", "d"], "true or false"),
            (vec!["--seed", "1", "--vary", "seed=1,2", "--out", "d"], "both varied and given"),
            (vec!["--trace", "t.csv", "--out", "d"], "set by strads compare"),
        ] {
            let mut o = split_flags(&strings(&args)).expect("splits");
            let e = resolve_keys(&mut o, &cmd).expect_err("rejected").to_string();
            assert!(e.contains(expect), "{args:?}: {e}");
        }
    }
}
