//! Plots drawn with plotters on `<canvas>`: free pages per zone against min/low/high,
//! reclaim activity, and allocation latency in simulated steps. They advance with the
//! run and are redrawn only when their data (a shared `Rc`) or the theme changes.

use std::cell::RefCell;
use std::rc::Rc;

use plotters::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::HtmlCanvasElement;
use yew::prelude::*;

use crate::canvas_backend::CanvasBackend;
use crate::session::PlotData;
use crate::url::Theme;

#[derive(Properties, PartialEq)]
pub struct PlotsProps {
    pub data: Rc<PlotData>,
    pub theme: Theme,
}

// Okabe–Ito.
const BLUE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
const ORANGE: RGBColor = RGBColor(0xe6, 0x9f, 0x00);
const VERMILION: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
const GREEN: RGBColor = RGBColor(0x00, 0x9e, 0x73);
const PURPLE: RGBColor = RGBColor(0xcc, 0x79, 0xa7);
const SKY: RGBColor = RGBColor(0x56, 0xb4, 0xe9);

struct Ink {
    fg: RGBColor,
    grid: RGBColor,
}

fn ink(theme: Theme) -> Ink {
    match theme {
        Theme::Light => Ink {
            fg: RGBColor(0x22, 0x22, 0x22),
            grid: RGBColor(0xdd, 0xdd, 0xdd),
        },
        Theme::Dark => Ink {
            fg: RGBColor(0xdd, 0xdd, 0xdd),
            grid: RGBColor(0x44, 0x44, 0x44),
        },
    }
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn x_range(data: &PlotData) -> std::ops::Range<u64> {
    let first = data.steps.first().copied().unwrap_or(0);
    let last = data.steps.last().copied().unwrap_or(1).max(first + 1);
    first..last
}

/// `max` plus a tenth of headroom above the highest point (at least 1).
fn headroom(max: u64) -> u64 {
    max.max(1).saturating_add(max / 10 + 1)
}

/// A chart over the run's steps with the shared look: caption, grid, axis labels. Both
/// axes are integer (steps, pages): their labels need no float formatting code.
fn styled_chart<'a>(
    area: &'a DrawingArea<CanvasBackend, plotters::coord::Shift>,
    data: &PlotData,
    ink: &Ink,
    caption: &str,
    y_label_size: u32,
    x_labels: usize,
    ymax: u64,
) -> Result<
    ChartContext<
        'a,
        CanvasBackend,
        Cartesian2d<plotters::coord::types::RangedCoordu64, plotters::coord::types::RangedCoordu64>,
    >,
    Box<dyn std::error::Error>,
> {
    let mut chart = ChartBuilder::on(area)
        .margin(4)
        .x_label_area_size(16)
        .y_label_area_size(y_label_size)
        .caption(caption, ("sans-serif", 13).into_font().color(&ink.fg))
        .build_cartesian_2d(x_range(data), 0u64..ymax)?;
    chart
        .configure_mesh()
        .light_line_style(ink.grid)
        .bold_line_style(ink.grid)
        .axis_style(ink.fg)
        .label_style(("sans-serif", 11).into_font().color(&ink.fg))
        .x_labels(x_labels)
        .y_labels(4)
        .draw()?;
    Ok(chart)
}

/// `(step, value)` points of one per-step series.
fn points(data: &PlotData, values: &[u64]) -> Vec<(u64, u64)> {
    data.steps
        .iter()
        .copied()
        .zip(values.iter().copied())
        .collect()
}

fn draw_free(canvas: HtmlCanvasElement, data: &PlotData, theme: Theme) -> DrawResult {
    let ink = ink(theme);
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no canvas")?;
    let root = backend.into_drawing_area();
    let n = data.zones.len().max(1);
    let areas = root.split_evenly((n, 1));
    for (area, series) in areas.iter().zip(&data.zones) {
        let name = &series.name;
        let ymax = headroom(
            series
                .free
                .iter()
                .chain(&series.high)
                .copied()
                .max()
                .unwrap_or(1),
        );
        let mut chart = styled_chart(
            area,
            data,
            &ink,
            &format!("{name}: free pages"),
            44,
            5,
            ymax,
        )?;
        chart.draw_series(LineSeries::new(
            points(data, &series.high),
            GREEN.stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(
            points(data, &series.low),
            ORANGE.stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(
            points(data, &series.min),
            VERMILION.stroke_width(1),
        ))?;
        chart.draw_series(LineSeries::new(
            points(data, &series.free),
            BLUE.stroke_width(2),
        ))?;
    }
    root.present()?;
    Ok(())
}

fn draw_activity(canvas: HtmlCanvasElement, data: &PlotData, theme: Theme) -> DrawResult {
    let ink = ink(theme);
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("no canvas")?;
    let root = backend.into_drawing_area();
    let (left, right) = root.split_horizontally(root.dim_in_pixel().0 / 2);
    // Reclaim: pages scanned and reclaimed per step.
    let ymax = headroom(
        data.scanned
            .iter()
            .chain(&data.reclaimed)
            .copied()
            .max()
            .unwrap_or(1),
    );
    let mut chart = styled_chart(
        &left,
        data,
        &ink,
        "reclaim: pages scanned / reclaimed",
        36,
        4,
        ymax,
    )?;
    chart.draw_series(LineSeries::new(
        points(data, &data.scanned),
        SKY.stroke_width(2),
    ))?;
    chart.draw_series(LineSeries::new(
        points(data, &data.reclaimed),
        GREEN.stroke_width(2),
    ))?;
    // Allocation latency: one point per allocation.
    let lmax = headroom(data.latency.iter().map(|p| p.1).max().unwrap_or(1));
    let mut chart = styled_chart(
        &right,
        data,
        &ink,
        "allocation latency (steps)",
        36,
        4,
        lmax,
    )?;
    chart.draw_series(
        data.latency
            .iter()
            .map(|&(s, l)| Circle::new((s, l), 3, PURPLE.filled())),
    )?;
    root.present()?;
    Ok(())
}

/// Sizes a canvas's backing store to its CSS box (times the device pixel ratio would
/// blur plotters' text metrics, so it stays 1:1).
fn fit(canvas: &HtmlCanvasElement) {
    let w = canvas.client_width().max(200) as u32;
    let h = canvas.client_height().max(100) as u32;
    if canvas.width() != w {
        canvas.set_width(w);
    }
    if canvas.height() != h {
        canvas.set_height(h);
    }
    // Plotters paints over what is there (a transparent fill does not erase): clear first.
    if let Ok(Some(ctx)) = canvas.get_context("2d")
        && let Ok(ctx) = ctx.dyn_into::<web_sys::CanvasRenderingContext2d>()
    {
        ctx.clear_rect(0.0, 0.0, f64::from(w), f64::from(h));
    }
}

/// What the next deferred redraw will draw.
struct Pending {
    free: NodeRef,
    activity: NodeRef,
    data: Rc<PlotData>,
    theme: Theme,
    /// An idle callback is already requested.
    scheduled: bool,
}

fn redraw(p: &Pending) {
    let t0 = crate::dom::now_ms();
    if let Some(c) = p.free.cast::<HtmlCanvasElement>() {
        fit(&c);
        if let Err(e) = draw_free(c, &p.data, p.theme) {
            gloo::console::warn!(format!("free-pages plot: {e}"));
        }
    }
    if let Some(c) = p.activity.cast::<HtmlCanvasElement>() {
        fit(&c);
        if let Err(e) = draw_activity(c, &p.data, p.theme) {
            gloo::console::warn!(format!("activity plot: {e}"));
        }
    }
    crate::dom::record_timing("plots", crate::dom::now_ms() - t0);
}

/// Draws when the browser is idle (at most 250 ms later), coalescing many steps into
/// one redraw, so that plotting never delays a step's re-render.
fn schedule(pending: &Rc<RefCell<Pending>>) {
    if pending.borrow().scheduled {
        return;
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let task = {
        let pending = Rc::clone(pending);
        Closure::once_into_js(move || {
            let mut p = pending.borrow_mut();
            p.scheduled = false;
            redraw(&p);
        })
    };
    let opts = web_sys::IdleRequestOptions::new();
    opts.set_timeout(250);
    let asked = window.request_idle_callback_with_options(task.unchecked_ref(), &opts);
    pending.borrow_mut().scheduled = asked.is_ok();
    if asked.is_err() {
        redraw(&pending.borrow());
    }
}

#[component]
pub fn Plots(props: &PlotsProps) -> Html {
    let free_ref = use_node_ref();
    let act_ref = use_node_ref();
    let pending = {
        let (free, activity) = (free_ref.clone(), act_ref.clone());
        let (data, theme) = (props.data.clone(), props.theme);
        use_mut_ref(move || Pending {
            free,
            activity,
            data,
            theme,
            scheduled: false,
        })
    };
    {
        let pending = pending.clone();
        use_effect_with((props.data.clone(), props.theme), move |(data, theme)| {
            {
                let mut p = pending.borrow_mut();
                p.data = Rc::clone(data);
                p.theme = *theme;
            }
            schedule(&pending);
        });
    }
    let zones = props.data.zones.len().max(1);
    html! {
        <div class="panel plots-panel">
            <div class="panel-head"><h2>{ "Over time" }</h2>
                <span class="where">{ "x axis: step" }</span></div>
            if props.data.steps.len() < 2 {
                <p class="empty-note">{ "Step or play the run: free pages, reclaim and latency are plotted as it advances." }</p>
            }
            <canvas ref={free_ref} class="plot plot-free" style={format!("height:{}px", 110 * zones)}
                role="img" aria-label="Free pages per zone against the min, low and high watermarks" />
            <ul class="plot-legend" aria-label="Plot legend">
                <li><span class="key free"></span>{ "free pages" }</li>
                <li><span class="key high"></span>{ "high" }</li>
                <li><span class="key low"></span>{ "low" }</li>
                <li><span class="key min"></span>{ "min" }</li>
                <li><span class="key scanned"></span>{ "scanned" }</li>
                <li><span class="key reclaimed"></span>{ "reclaimed" }</li>
                <li><span class="key latency"></span>{ "allocation latency" }</li>
            </ul>
            <canvas ref={act_ref} class="plot plot-activity" role="img"
                aria-label="Reclaim activity and allocation latency" />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::ZoneSeries;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn canvas() -> HtmlCanvasElement {
        let c = crate::dom::test_canvas();
        c.set_attribute("style", "width:300px;height:160px;display:block")
            .expect("style");
        c
    }

    fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
        let ctx: web_sys::CanvasRenderingContext2d = c
            .get_context("2d")
            .expect("ctx")
            .expect("2d")
            .dyn_into()
            .expect("2d ctx");
        ctx.get_image_data(0.0, 0.0, f64::from(c.width()), f64::from(c.height()))
            .expect("data")
            .data()
            .0
    }

    fn data(free: &[u64]) -> PlotData {
        PlotData {
            steps: (0..free.len() as u64).collect(),
            zones: vec![ZoneSeries {
                name: "DMA32".into(),
                free: free.to_vec(),
                min: vec![10; free.len()],
                low: vec![12; free.len()],
                high: vec![15; free.len()],
            }],
            ..PlotData::default()
        }
    }

    #[wasm_bindgen_test]
    fn a_redraw_replaces_the_old_plot_instead_of_painting_over_it() {
        let (a, b) = (canvas(), canvas());
        fit(&a);
        draw_free(a.clone(), &data(&[100, 90, 80, 20]), Theme::Light).expect("draw");
        fit(&a);
        draw_free(a.clone(), &data(&[5, 50, 60, 70, 40]), Theme::Light).expect("redraw");
        fit(&b);
        draw_free(b.clone(), &data(&[5, 50, 60, 70, 40]), Theme::Light).expect("draw");
        assert_eq!(pixels(&a), pixels(&b));
        assert!(pixels(&b).iter().any(|&v| v != 0), "nothing was drawn");
        a.remove();
        b.remove();
    }
}
