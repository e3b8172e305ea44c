//! Trend plots as SVG, drawn by plotters (its SVG backend: text as `<text>`, no font files, no
//! script, nothing fetched when the page is viewed): one line per series over the runs.
use plotters::prelude::*;

/// One line: a name and a value per run (run number, value).
pub struct Series {
    pub name: String,
    pub points: Vec<(i64, f64)>,
}

const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// An SVG of `series` over run numbers, titled, with its y axis named; an empty chart (axes, a
/// note) when there is no point.
pub fn svg(title: &str, y_label: &str, series: &[Series]) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (600, 280)).into_drawing_area();
        let _ = draw(&root, title, y_label, series);
        let _ = root.present();
    }
    out
}

/// A drawing error, as text (plotters' errors borrow the backend).
fn t(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn draw(
    root: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    title: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), String> {
    root.fill(&WHITE).map_err(t)?;
    let points = || series.iter().flat_map(|s| s.points.iter());
    let (x0, x1) = points().fold((i64::MAX, i64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = points().fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let (x0, x1) = if x0 > x1 {
        (0, 1)
    } else {
        (x0, x1.max(x0 + 1))
    };
    let (y0, y1) = if y0 > y1 {
        (0.0, 1.0)
    } else {
        let pad = ((y1 - y0) * 0.1).max(y1.abs() * 0.01).max(0.5);
        (
            (y0 - pad).max(if y0 >= 0.0 { 0.0 } else { f64::MIN }),
            y1 + pad,
        )
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(32)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(t)?;
    // Counts without decimals; shares with one.
    let whole = points().next().is_some() && points().all(|p| p.1.fract() == 0.0);
    let y_format = move |v: &f64| match whole {
        true => format!("{v:.0}"),
        false => format!("{v:.1}"),
    };
    chart
        .configure_mesh()
        .x_desc("run")
        .y_desc(y_label)
        .y_label_formatter(&y_format)
        .x_labels((x1 - x0 + 1).clamp(2, 12) as usize)
        .draw()
        .map_err(t)?;
    for (i, s) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(t)?
            .label(s.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour));
        chart
            .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .map_err(t)?;
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(t)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_legends() {
        let s = svg(
            "FODs",
            "FODs",
            &[
                Series {
                    name: "a".into(),
                    points: vec![(1, 10.0), (2, 12.0), (3, 11.0)],
                },
                Series {
                    name: "b".into(),
                    points: vec![(1, 3.0), (3, 4.0)],
                },
            ],
        );
        assert!(s.starts_with("<svg"), "{s}");
        // The data lines are the ones drawn two pixels wide (axes and ticks: one).
        assert_eq!(
            s.matches("stroke-width=\"2\"").count(),
            2,
            "one line a series"
        );
        let texts: Vec<&str> = s
            .split("<text")
            .skip(1)
            .filter_map(|t| t.split_once('>')?.1.split('<').next())
            .map(str::trim)
            .collect();
        assert!(
            texts.contains(&"FODs") && texts.contains(&"a") && texts.contains(&"b"),
            "{texts:?}"
        );
        let empty = svg("none", "n", &[]);
        assert!(empty.starts_with("<svg") && empty.contains("none"));
    }
}
