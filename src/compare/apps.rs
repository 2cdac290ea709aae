//! What `strads compare` knows of each app: which trace column measures progress, what
//! "reaching the goal" means, and which plots to draw (each a choice of x column, y value and
//! scale).

/// The y value of a plot, from a trace row.
#[derive(Debug, Clone, Copy)]
pub enum YValue {
    /// The first of these columns that has a value in some run, with its axis label.
    Column(&'static [(&'static str, &'static str)]),
    /// The relative suboptimality `(F − F_best) / F_best` of this objective column, F_best
    /// the smallest value over every row of every run.
    RelSubopt(&'static str),
}

/// Where a plot puts its legend.
#[derive(Debug, Clone, Copy)]
pub enum Legend {
    /// Top right (falling curves).
    UpperRight,
    /// Bottom right (rising curves).
    LowerRight,
}

/// One plot: a line per run of `y` against the trace column `x`.
#[derive(Debug, Clone, Copy)]
pub struct PlotSpec {
    /// File stem (`.png` and `.svg` are written).
    pub file: &'static str,
    /// What the plot shows (its title, after the app and data).
    pub title: &'static str,
    /// The x column of the trace.
    pub x: &'static str,
    /// The x axis label, with units.
    pub x_label: &'static str,
    /// The y value.
    pub y: YValue,
    /// A logarithmic y axis.
    pub log_y: bool,
    /// The legend's corner.
    pub legend: Legend,
}

/// When a run has reached the goal of `--goal`.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// Relative suboptimality of this objective column at most G (default given).
    SuboptAtMost(&'static str, f64),
    /// This column at least G (default: the smallest of the runs' best values).
    AtLeast(&'static str),
    /// The first present of these columns at most G (default: the largest of the runs' best).
    AtMost(&'static [&'static str]),
}

/// What `strads compare` does for one app.
#[derive(Debug)]
pub struct AppSpec {
    /// The subcommand.
    pub name: &'static str,
    /// The goal for `time_to_goal_s`.
    pub goal: Goal,
    /// The plots.
    pub plots: &'static [PlotSpec],
}

/// Values of (F − F_best)/F_best below this are drawn at it (0 for the best run's last row).
pub const SUBOPT_FLOOR: f64 = 1e-14;

/// The y label of relative suboptimality.
pub const SUBOPT_LABEL: &str = "relative suboptimality (F - F_best) / F_best (values < 1e-14 drawn at 1e-14)";

const REGRESSION_PLOTS: &[PlotSpec] = &[
    PlotSpec {
        file: "suboptimality_vs_time",
        title: "relative suboptimality vs wall time",
        x: "time_s",
        x_label: "wall time (s)",
        y: YValue::RelSubopt("objective"),
        log_y: true,
        legend: Legend::UpperRight,
    },
    PlotSpec {
        file: "suboptimality_vs_updates",
        title: "relative suboptimality vs coordinate updates",
        x: "updates",
        x_label: "coordinate updates (count)",
        y: YValue::RelSubopt("objective"),
        log_y: true,
        legend: Legend::UpperRight,
    },
];

const APPS: &[AppSpec] = &[
    AppSpec { name: "lasso", goal: Goal::SuboptAtMost("objective", 1e-6), plots: REGRESSION_PLOTS },
    AppSpec { name: "logreg", goal: Goal::SuboptAtMost("objective", 1e-6), plots: REGRESSION_PLOTS },
    AppSpec {
        name: "lda",
        goal: Goal::AtLeast("loglik_per_token"),
        plots: &[
            PlotSpec {
                file: "loglik_vs_time",
                title: "log-likelihood per token vs wall time",
                x: "time_s",
                x_label: "wall time (s)",
                y: YValue::Column(&[("loglik_per_token", "log-likelihood per token (nats)")]),
                log_y: false,
                legend: Legend::LowerRight,
            },
            PlotSpec {
                file: "loglik_vs_iter",
                title: "log-likelihood per token vs iterations",
                x: "iter",
                x_label: "iterations (each samples every token once)",
                y: YValue::Column(&[("loglik_per_token", "log-likelihood per token (nats)")]),
                log_y: false,
                legend: Legend::LowerRight,
            },
        ],
    },
    AppSpec {
        name: "mf",
        goal: Goal::AtMost(&["test_rmse", "train_rmse"]),
        plots: &[PlotSpec {
            file: "rmse_vs_time",
            title: "RMSE vs wall time",
            x: "time_s",
            x_label: "wall time (s)",
            y: YValue::Column(&[
                ("test_rmse", "test RMSE (rating units)"),
                ("train_rmse", "training RMSE (rating units; no test split)"),
            ]),
            log_y: false,
            legend: Legend::UpperRight,
        }],
    },
];

/// The spec of `app`, if `strads compare` knows it.
pub fn spec(app: &str) -> Option<&'static AppSpec> {
    APPS.iter().find(|a| a.name == app)
}

/// The apps `strads compare` knows that this binary has.
pub fn names() -> Vec<&'static str> {
    use clap::CommandFactory;
    let cmd = crate::Cli::command();
    APPS.iter().map(|a| a.name).filter(|n| cmd.find_subcommand(n).is_some()).collect()
}
