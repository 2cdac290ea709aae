//! The progress bar: shown on a terminal, hidden when stderr is not one or with `--quiet`.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar counting rounds (or iterations) up to `max_rounds`, or a spinner without a
/// maximum, with a free-text message; drawn on stderr only when it is a terminal and not
/// `quiet` (pass `quiet` also on processes other than the coordinator).
pub fn bar(quiet: bool, max_rounds: Option<u64>) -> ProgressBar {
    let pb = match max_rounds {
        Some(m) => ProgressBar::new(m),
        None => ProgressBar::new_spinner(),
    };
    if quiet || !std::io::stderr().is_terminal() {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    let style = match max_rounds {
        Some(_) => ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} round {pos}/{len} {msg}"),
        None => ProgressStyle::with_template("{spinner} [{elapsed_precise}] round {pos} {msg}"),
    };
    if let Ok(style) = style {
        pb.set_style(style);
    }
    pb
}
