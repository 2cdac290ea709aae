//! The plots of a comparison, with `plotters`: one line per run, PNG (bitmap backend, the
//! DejaVu Sans font embedded so no system font is needed) and SVG.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::apps::{AppSpec, Legend, PlotSpec};
use super::table::{Results, Series};

/// Width of every plot in pixels (PNG) or user units (SVG).
pub const WIDTH: u32 = 960;
/// Height of every plot.
pub const HEIGHT: u32 = 600;

/// Tableau's 10 colours, then plotters' 99-colour palette.
const COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

fn colour(i: usize) -> RGBColor {
    match COLOURS.get(i) {
        Some(c) => *c,
        None => {
            let (r, g, b) = Palette99::pick(i).rgb();
            RGBColor(r, g, b)
        }
    }
}

/// Draws every plot of `spec` into `dir` as PNG and SVG; returns the files' names.
///
/// # Errors
/// A message naming the plot that could not be drawn or written.
pub fn draw_all(spec: &AppSpec, res: &Results, dir: &Path, log_x: bool) -> Result<Vec<String>, String> {
    // The font is compiled in (the `dejavu` crate); registering it twice replaces it.
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the embedded DejaVu Sans font does not load".to_string())?;
    let mut files = Vec::new();
    for p in spec.plots {
        let (mut series, y_label) = res.series(p.x, p.y);
        if log_x {
            // A log axis has no place for x ≤ 0.
            series.iter_mut().for_each(|s| s.1.retain(|q| q.0 > 0.0));
        }
        let title = match res.data_name() {
            Some(d) => format!("{} on {d}: {}", spec.name, p.title),
            None => format!("{}: {}", spec.name, p.title),
        };
        let png = format!("{}.png", p.file);
        let svg = format!("{}.svg", p.file);
        let err = |f: &str, e: String| format!("cannot draw {f}: {e}");
        {
            let path = dir.join(&png);
            let root = BitMapBackend::new(&path, (WIDTH, HEIGHT)).into_drawing_area();
            draw(&root, p, log_x, &title, &y_label, &series).map_err(|e| err(&png, e))?;
            root.present().map_err(|e| err(&png, e.to_string()))?;
        }
        {
            let path = dir.join(&svg);
            let root = SVGBackend::new(&path, (WIDTH, HEIGHT)).into_drawing_area();
            draw(&root, p, log_x, &title, &y_label, &series).map_err(|e| err(&svg, e))?;
            root.present().map_err(|e| err(&svg, e.to_string()))?;
        }
        files.push(png);
        files.push(svg);
    }
    Ok(files)
}

/// The range of `v` with a margin; a single value or none gets a unit range around it.
fn span(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(1.0) {
        let pad = (hi.abs() * 0.05).max(0.5);
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.03;
    (lo - pad, hi + pad)
}

/// A linear axis tick: whole numbers without decimals, others with at most 4, no float noise.
fn plain(v: f64) -> String {
    if v == v.round() && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// Whole decades around the positive values of `v`.
fn decades(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.filter(|x| *x > 0.0).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() || !hi.is_finite() {
        return (1e-14, 1.0);
    }
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil());
    (lo, if hi > lo { hi } else { lo * 10.0 })
}

/// Draws the lines of one plot on `root` (either backend).
fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &PlotSpec,
    log_x: bool,
    title: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let xs = || series.iter().flat_map(|s| s.1.iter().map(|p| p.0));
    let (x0, x1) = span(xs());
    let x0 = if x0 < 0.0 && xs().all(|x| x >= 0.0) { 0.0 } else { x0 };
    let x_label = if log_x { format!("{} (log scale)", p.x_label) } else { p.x_label.to_string() };
    let ys = || series.iter().flat_map(|s| s.1.iter().map(|p| p.1));
    let mut b = ChartBuilder::on(root);
    b.caption(title, ("sans-serif", 20)).margin(16).x_label_area_size(48).y_label_area_size(84);
    let pos = match p.legend {
        // Falling curves on a log x axis start at the left and end at the right, their
        // costs spread over decades: the lower left is the empty corner.
        Legend::UpperRight if log_x => SeriesLabelPosition::LowerLeft,
        Legend::UpperRight => SeriesLabelPosition::UpperRight,
        Legend::LowerRight => SeriesLabelPosition::LowerRight,
    };
    // The two y scales give two chart types; the drawing is the same.
    macro_rules! lines {
        ($chart:expr, $xfmt:expr, $fmt:expr) => {{
            let mut chart = $chart;
            chart
                .configure_mesh()
                .x_desc(x_label.as_str())
                .y_desc(y_label)
                .x_label_formatter($xfmt)
                .y_label_formatter($fmt)
                .label_style(("sans-serif", 14))
                .axis_desc_style(("sans-serif", 15))
                .draw()
                .map_err(e)?;
            for (i, (name, pts)) in series.iter().enumerate() {
                let c = colour(i);
                chart
                    .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                    .map_err(e)?
                    .label(name.as_str())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
                if pts.len() <= 100 {
                    chart.draw_series(pts.iter().map(|&q| Circle::new(q, 2, c.filled()))).map_err(e)?;
                }
            }
            chart
                .configure_series_labels()
                .position(pos)
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(e)?;
        }};
    }
    let log_fmt = &|v: &f64| format!("{v:.0e}");
    let lin_fmt = &|v: &f64| plain(*v);
    let (lx0, lx1) = decades(xs());
    if p.log_y {
        let (y0, y1) = decades(ys());
        if log_x {
            lines!(b.build_cartesian_2d((lx0..lx1).log_scale(), (y0..y1).log_scale()).map_err(e)?, log_fmt, log_fmt);
        } else {
            lines!(b.build_cartesian_2d(x0..x1, (y0..y1).log_scale()).map_err(e)?, lin_fmt, log_fmt);
        }
    } else {
        let (y0, y1) = span(ys());
        // Enough decimals to tell ticks about a tenth of the range apart, no float noise.
        let prec = (1.0 - ((y1 - y0) / 10.0).log10().floor()).clamp(0.0, 12.0) as usize;
        let y_fmt = &|v: &f64| format!("{v:.prec$}");
        if log_x {
            lines!(b.build_cartesian_2d((lx0..lx1).log_scale(), y0..y1).map_err(e)?, log_fmt, y_fmt);
        } else {
            lines!(b.build_cartesian_2d(x0..x1, y0..y1).map_err(e)?, lin_fmt, y_fmt);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_are_plain() {
        assert_eq!(plain(50000.0), "50000");
        assert_eq!(plain(0.5), "0.5");
        assert_eq!(plain(0.1 + 0.2), "0.3");
        assert_eq!(plain(-2.0), "-2");
        assert_eq!(decades([3.0, 2500.0].into_iter()), (1.0, 10000.0));
    }
}
