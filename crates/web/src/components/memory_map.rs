//! Every page frame of every zone on one `<canvas>`, one pixel per page, coloured by page
//! state and migratetype; beside each zone its free-page gauge with min/low/high lines.
//!
//! The canvas is repainted (one `putImageData`) only when the page codes, the zone
//! layout or the theme change; the page codes arrive as a shared `Rc` that the session
//! replaces only when a page changed.

use std::cell::RefCell;
use std::rc::Rc;

use gfpscope_engine::view::ZoneView;
use wasm_bindgen::{Clamped, JsCast};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, ImageData};
use yew::prelude::*;

use crate::decimal::fixed;
use crate::paint::{self, CODE_NAMES, MapLayout, Palette};
use crate::session::PageCodes;
use crate::url::Theme;

#[derive(Properties, PartialEq)]
pub struct MemoryMapProps {
    pub zones: Rc<[ZoneView]>,
    pub pages: Rc<PageCodes>,
    pub theme: Theme,
}

fn palette(theme: Theme) -> &'static Palette {
    match theme {
        Theme::Light => &paint::LIGHT,
        Theme::Dark => &paint::DARK,
    }
}

fn zone_spans(zones: &[ZoneView]) -> Vec<(u64, u64)> {
    zones.iter().map(|z| (z.start_pfn, z.spanned)).collect()
}

/// Paints into the canvas; returns false when the canvas is unusable.
fn draw(
    canvas: &HtmlCanvasElement,
    layout: &MapLayout,
    codes: &[u8],
    pal: &Palette,
    buf: &mut Vec<u8>,
) -> bool {
    paint::paint(layout, codes, pal, buf);
    if canvas.width() != layout.width {
        canvas.set_width(layout.width);
    }
    if canvas.height() != layout.height {
        canvas.set_height(layout.height);
    }
    let Ok(Some(ctx)) = canvas.get_context("2d") else {
        return false;
    };
    let Ok(ctx) = ctx.dyn_into::<CanvasRenderingContext2d>() else {
        return false;
    };
    let Ok(img) = ImageData::new_with_u8_clamped_array_and_sh(
        Clamped(buf.as_slice()),
        layout.width,
        layout.height,
    ) else {
        return false;
    };
    ctx.put_image_data(&img, 0.0, 0.0).is_ok()
}

/// The page codes, layout and theme last painted on the canvas.
struct Painted {
    pages: Rc<PageCodes>,
    layout: Rc<MapLayout>,
    theme: Theme,
}

/// The pixel rows whose pages differ between the painted codes `old` and `new`: the
/// ranges the engine reported when `new` is the next generation, else a comparison.
fn rows_to_repaint(
    layout: &MapLayout,
    old: &PageCodes,
    new: &PageCodes,
) -> Vec<std::ops::Range<u32>> {
    match &new.changed {
        Some((base, ranges)) if *base == old.generation => paint::rows_of_ranges(layout, ranges),
        _ => paint::changed_rows(layout, &old.codes, &new.codes),
    }
}

/// Repaints the pixel rows `runs` from `new` (`buf` holds the picture of the codes
/// painted before), one `putImageData` per run of rows.
fn redraw_rows(
    canvas: &HtmlCanvasElement,
    layout: &MapLayout,
    runs: Vec<std::ops::Range<u32>>,
    new: &[u8],
    pal: &Palette,
    buf: &mut [u8],
) -> bool {
    if runs.is_empty() {
        return true;
    }
    let Ok(Some(ctx)) = canvas.get_context("2d") else {
        return false;
    };
    let Ok(ctx) = ctx.dyn_into::<CanvasRenderingContext2d>() else {
        return false;
    };
    let row_bytes = layout.width as usize * 4;
    for run in runs {
        paint::paint_rows(layout, new, pal, buf, run.clone());
        let bytes = buf.get(run.start as usize * row_bytes..run.end as usize * row_bytes);
        let Some(bytes) = bytes else { return false };
        let Ok(img) = ImageData::new_with_u8_clamped_array_and_sh(
            Clamped(bytes),
            layout.width,
            run.end - run.start,
        ) else {
            return false;
        };
        if ctx.put_image_data(&img, 0.0, f64::from(run.start)).is_err() {
            return false;
        }
    }
    true
}

fn gauge(z: &ZoneView) -> Html {
    // Scale: twice the high watermark, so that the three lines stay readable; a zone
    // with more free pages than that shows a full bar marked "≫".
    let top = (z.high as f64 * 2.0).max(1.0);
    let over = z.free as f64 > top;
    let pct = |v: u64| format!("{}%", fixed((v as f64 / top * 100.0).min(100.0), 2));
    let state = if z.free <= z.min {
        "below-min"
    } else if z.free <= z.low {
        "below-low"
    } else if z.free <= z.high {
        "below-high"
    } else {
        "above-high"
    };
    html! {
        <div class="gauge" title={format!("{}: free {} pages; watermarks min {} / low {} / high {}; managed {}", z.name, z.free, z.min, z.low, z.high, z.managed)}>
            <div class={classes!("fill", state)} style={format!("width:{}", pct(z.free))}></div>
            <div class="wm min" style={format!("left:{}", pct(z.min))}><span>{ "min" }</span></div>
            <div class="wm low" style={format!("left:{}", pct(z.low))}><span>{ "low" }</span></div>
            <div class="wm high" style={format!("left:{}", pct(z.high))}><span>{ "high" }</span></div>
            if over { <span class="over" title="free pages far above the high watermark">{ "≫" }</span> }
        </div>
    }
}

/// Zone labels beside the map: (top in % of the map height, name), pushed apart so
/// that a small zone's label does not overlap the next one.
fn band_labels(layout: &MapLayout, zones: &[ZoneView]) -> Vec<(f64, String)> {
    const MIN_GAP: f64 = 7.0;
    let height = f64::from(layout.height.max(1));
    let mut out: Vec<(f64, String)> = Vec::new();
    for b in &layout.bands {
        let Some(z) = zones.get(b.zone) else { continue };
        let mut top = f64::from(b.first_row) / height * 100.0;
        if let Some((prev, _)) = out.last() {
            top = top.max(prev + MIN_GAP);
        }
        out.push((top, z.name.clone()));
    }
    out
}

#[component]
pub fn MemoryMap(props: &MemoryMapProps) -> Html {
    let canvas_ref = use_node_ref();
    let buffer = use_mut_ref(Vec::<u8>::new);
    // What the canvas shows now, so that a step repaints only the rows that changed.
    let painted = use_mut_ref(|| None::<Painted>);
    let spans = zone_spans(&props.zones);
    let layout = use_memo(spans, |s| MapLayout::new(s));
    let hover = use_state(|| None::<AttrValue>);
    {
        let canvas_ref = canvas_ref.clone();
        let buffer = buffer.clone();
        let pages = props.pages.clone();
        let layout = layout.clone();
        use_effect_with(
            (pages, layout, props.theme),
            move |(pages, layout, theme)| {
                if let Some(canvas) = canvas_ref.cast::<HtmlCanvasElement>() {
                    let t0 = crate::dom::now_ms();
                    let buf: &RefCell<Vec<u8>> = &buffer;
                    let mut last = painted.borrow_mut();
                    let same_picture = last.as_ref().is_some_and(|p| {
                        Rc::ptr_eq(&p.layout, layout)
                            && p.theme == *theme
                            && canvas.width() == layout.width
                            && canvas.height() == layout.height
                    });
                    let ok = match last.as_ref() {
                        Some(p) if same_picture => redraw_rows(
                            &canvas,
                            layout,
                            rows_to_repaint(layout, &p.pages, pages),
                            &pages.codes,
                            palette(*theme),
                            &mut buf.borrow_mut(),
                        ),
                        _ => draw(
                            &canvas,
                            layout,
                            &pages.codes,
                            palette(*theme),
                            &mut buf.borrow_mut(),
                        ),
                    };
                    *last = ok.then(|| Painted {
                        pages: Rc::clone(pages),
                        layout: Rc::clone(layout),
                        theme: *theme,
                    });
                    crate::dom::record_timing("memory_map", crate::dom::now_ms() - t0);
                }
            },
        );
    }
    let onmousemove = {
        let hover = hover.clone();
        let layout = layout.clone();
        let pages = props.pages.clone();
        let zones: Vec<AttrValue> = props
            .zones
            .iter()
            .map(|z| AttrValue::from(z.name.clone()))
            .collect();
        Callback::from(move |e: MouseEvent| {
            let Some(canvas) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlCanvasElement>().ok())
            else {
                return;
            };
            let rect = canvas.get_bounding_client_rect();
            if rect.width() <= 0.0 || rect.height() <= 0.0 {
                return;
            }
            let x = ((f64::from(e.client_x()) - rect.left()) / rect.width()
                * f64::from(layout.width)) as u32;
            let y = ((f64::from(e.client_y()) - rect.top()) / rect.height()
                * f64::from(layout.height)) as u32;
            let text = layout.pfn_at(x, y).map(|(zone, pfn)| {
                let code = pages.codes.get(pfn as usize).copied();
                let name = code
                    .and_then(|c| CODE_NAMES.iter().find(|(k, _)| *k == c))
                    .map_or("unknown", |(_, n)| *n);
                let zname = zones.get(zone).map_or("", AttrValue::as_str);
                AttrValue::from(format!("pfn {pfn:#x} · {zname} · {name}"))
            });
            hover.set(text);
        })
    };
    let onmouseleave = {
        let hover = hover.clone();
        Callback::from(move |_: MouseEvent| hover.set(None))
    };
    let pal = palette(props.theme);
    let total: u64 = props.zones.iter().map(|z| z.spanned).sum();
    html! {
        <div class="panel memory-panel">
            <div class="panel-head">
                <h2>{ "Physical memory" }</h2>
                <span class="where">{ format!("{total} page frames, one pixel each") }</span>
            </div>
            <div class="map-wrap">
                <div class="map-canvas-box">
                    <canvas ref={canvas_ref} class="memory-map" data-testid="memory-map"
                        role="img" aria-label="Memory map: every page frame coloured by state"
                        onclick={onmousemove.clone()} {onmousemove} {onmouseleave} />
                    { for band_labels(&layout, &props.zones).into_iter().map(|(top, name)| html! {
                        <div class="band-label" style={format!("top:{}%", fixed(top, 2))}>{ name }</div>
                    }) }
                </div>
                <div class="zones">
                    { for props.zones.iter().map(|z| html! {
                        <div class="zone">
                            <div class="zone-head">
                                <b>{ format!("Node {} {}", z.node, z.name) }</b>
                                <span>{ format!("free {} / managed {}", z.free, z.managed) }</span>
                            </div>
                            { gauge(z) }
                        </div>
                    }) }
                    <div class="hover-readout" aria-live="polite">
                        { hover.as_ref().map_or(AttrValue::from("Point at (or tap) the map to read a page frame."), Clone::clone) }
                    </div>
                </div>
            </div>
            <ul class="legend">
                { for CODE_NAMES.iter().filter(|(c, _)| *c != gfpscope_engine::view::page_code::HOLE).map(|(c, name)| html! {
                    <li><span class="swatch" style={format!("background:{}", pal.css(*c))}></span>{ *name }</li>
                }) }
            </ul>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gfpscope_engine::view::page_code;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_canvas_holds_exactly_the_painted_pixels() {
        let canvas = crate::dom::test_canvas();
        let layout = MapLayout::new(&[(0, 100), (100, 50)]);
        let codes: Vec<u8> = (0..150u32).map(|i| (i % 12) as u8).collect();
        let mut buf = Vec::new();
        assert!(super::draw(
            &canvas,
            &layout,
            &codes,
            &paint::LIGHT,
            &mut buf
        ));
        assert_eq!(
            (canvas.width(), canvas.height()),
            (layout.width, layout.height)
        );
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")
            .expect("context")
            .expect("2d")
            .dyn_into()
            .expect("a 2d context");
        let img = ctx
            .get_image_data(0.0, 0.0, f64::from(layout.width), f64::from(layout.height))
            .expect("image data");
        assert_eq!(img.data().0, buf);
        // pfn 13 (code 1, free Movable) is pixel (13, 0).
        let at = 13 * 4;
        assert_eq!(
            &buf[at..at + 4],
            &paint::LIGHT.color(page_code::FREE_MOVABLE)
        );
    }

    #[wasm_bindgen_test]
    fn a_tiny_zone_label_does_not_overlap_the_next() {
        let zones = vec![
            ZoneView {
                name: "DMA".into(),
                start_pfn: 0,
                spanned: 4096,
                ..ZoneView::default()
            },
            ZoneView {
                name: "DMA32".into(),
                start_pfn: 4096,
                spanned: 258_048,
                ..ZoneView::default()
            },
        ];
        let layout = MapLayout::new(&zone_spans(&zones));
        let labels = band_labels(&layout, &zones);
        assert_eq!(labels.len(), 2);
        assert!(labels[1].0 - labels[0].0 >= 7.0, "{labels:?}");
    }
}
