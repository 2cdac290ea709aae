//! The run driver: logging, backend detection (threads, or MPI ranks under `mpirun`), and one
//! exit path that ends an MPI job cleanly on an error.

use std::process::ExitCode;

use strads_engine::{Backend, LaunchOptions};

/// Sets up `env_logger` (`RUST_LOG`, default `warn`); call once at the start of `main`.
pub fn init_logging() {
    // A second call (e.g. from a test harness) is harmless.
    let _ = env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).try_init();
}

/// Runs `body` on the backend the launch picks: MPI ranks if an MPI launcher started this
/// process (with the `mpi` feature), else `--workers` threads. Returns the process's exit
/// code; an error is printed as one line, `{program}: error: {e}`, and under MPI (prefixed
/// with the rank's roles) ends the whole job, since the other ranks wait for this one.
///
/// Every process of the run calls this with the same options; `body` builds its role states
/// and calls [`strads_engine::run`] (or an app's `fit`), and writes outputs where
/// `backend.placement().coordinator`.
///
/// # Examples
/// ```no_run
/// use strads_kit::{drive, RunArgs};
/// fn main() -> std::process::ExitCode {
///     let args = RunArgs::default();
///     drive("my-app", &args.launch_options(), |backend| {
///         let place = backend.placement();
///         // load this process's rows, build the roles, run, write outputs on the coordinator
///         let _ = place;
///         Ok::<(), strads_kit::Error>(())
///     })
/// }
/// ```
pub fn drive<E: std::fmt::Display>(
    program: &str,
    launch: &LaunchOptions,
    body: impl FnOnce(&Backend) -> Result<(), E>,
) -> ExitCode {
    // Threads, or MPI under mpirun: decided here, once, before any data is read.
    let backend = match Backend::detect(launch) {
        Ok(b) => b,
        Err(e) => {
            error_line(&format!("{program}: error: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match body(&backend) {
        Ok(()) => {
            backend.finish();
            ExitCode::SUCCESS
        }
        Err(e) if backend.is_mpi() => {
            error_line(&format!("{program}: error: {}: {e}", backend.placement().describe()));
            backend.abort(1)
        }
        Err(e) => {
            error_line(&format!("{program}: error: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Prints `line` and a newline to stderr in one write: `eprintln!` writes the pieces of its
/// format one by one (stderr is unbuffered), and under `mpirun` another process's output (Open
/// MPI's abort notice) can land between them.
fn error_line(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(format!("{line}\n").as_bytes());
}
