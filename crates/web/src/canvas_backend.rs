//! A plotters drawing backend on a `<canvas>` 2D context.
//!
//! Adapted from plotters-canvas 0.3.1 (`src/canvas.rs`, MIT, Copyright (c) 2019 Hao Hou),
//! which it replaces: that crate writes colours and font sizes with `format!("{}", f64)`,
//! and so pulls Rust's float formatting (about 12 KB of wasm) into the bundle. Here they
//! are integers and `decimal::fixed`, and so is the font size in `estimate_text_size`,
//! which measures text like plotters' own web font backend (whose `format!` of an `f64`
//! is the other user of float formatting). Drawing is otherwise the same call for call.

use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontTransform,
};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, HtmlElement};

use crate::decimal::fixed;

/// Draws on an HTML canvas.
pub struct CanvasBackend {
    canvas: HtmlCanvasElement,
    context: CanvasRenderingContext2d,
}

/// A canvas call that threw: its message.
#[derive(Debug)]
pub struct CanvasError(String);

impl std::fmt::Display for CanvasError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "canvas error: {}", self.0)
    }
}

impl std::error::Error for CanvasError {}

fn error_cast(e: &JsValue) -> DrawingErrorKind<CanvasError> {
    let message = e
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown".to_string());
    DrawingErrorKind::DrawingError(CanvasError(message))
}

/// CSS colour text: `rgb(r,g,b)`, or `rgba(r,g,b,a)` when translucent.
fn css_color(color: BackendColor) -> String {
    let (r, g, b) = color.rgb;
    if color.alpha >= 1.0 {
        format!("rgb({r},{g},{b})")
    } else {
        format!("rgba({r},{g},{b},{})", fixed(color.alpha, 3))
    }
}

/// Canvas `font` text, e.g. `normal 13.0px sans-serif`.
fn css_font(style: &impl BackendTextStyle) -> String {
    format!(
        "{} {}px {}",
        style.style().as_str(),
        fixed(style.size(), 1),
        style.family().as_str()
    )
}

impl CanvasBackend {
    /// A backend on `canvas`, or `None` when it has no 2D context.
    pub fn with_canvas_object(canvas: HtmlCanvasElement) -> Option<Self> {
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        Some(CanvasBackend { canvas, context })
    }

    /// Begins a new canvas path through `points`; false when there were none.
    fn trace(&self, points: impl IntoIterator<Item = BackendCoord>) -> bool {
        let mut points = points.into_iter();
        self.context.begin_path();
        let Some(start) = points.next() else {
            return false;
        };
        self.context.move_to(f64::from(start.0), f64::from(start.1));
        for next in points {
            self.context.line_to(f64::from(next.0), f64::from(next.1));
        }
        true
    }

    fn set_line_style(&self, style: &impl BackendStyle) {
        self.context.set_stroke_style_str(&css_color(style.color()));
        self.context.set_line_width(f64::from(style.stroke_width()));
    }
}

impl DrawingBackend for CanvasBackend {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        (self.canvas.width(), self.canvas.height())
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        Ok(())
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<CanvasError>> {
        Ok(())
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        style: BackendColor,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.alpha == 0.0 {
            return Ok(());
        }
        self.context.set_fill_style_str(&css_color(style));
        self.context
            .fill_rect(f64::from(point.0), f64::from(point.1), 1.0, 1.0);
        Ok(())
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (from, to) = fine_hor_ver_lines(from, to);
        self.set_line_style(style);
        self.context.begin_path();
        self.context.move_to(from.0, from.1);
        self.context.line_to(to.0, to.1);
        self.context.stroke();
        Ok(())
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        let (x, y) = (f64::from(upper_left.0), f64::from(upper_left.1));
        let w = f64::from(bottom_right.0 - upper_left.0);
        let h = f64::from(bottom_right.1 - upper_left.1);
        if fill {
            self.context.set_fill_style_str(&css_color(style.color()));
            self.context.fill_rect(x, y, w, h);
        } else {
            self.set_line_style(style);
            self.context.stroke_rect(x, y, w, h);
        }
        Ok(())
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.set_line_style(style);
        self.trace(path);
        self.context.stroke();
        Ok(())
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        self.context.set_fill_style_str(&css_color(style.color()));
        if self.trace(path) {
            self.context.close_path();
        }
        self.context.fill();
        Ok(())
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        if style.color().alpha == 0.0 {
            return Ok(());
        }
        if fill {
            self.context.set_fill_style_str(&css_color(style.color()));
        } else {
            self.set_line_style(style);
        }
        self.context.begin_path();
        self.context
            .arc(
                f64::from(center.0),
                f64::from(center.1),
                f64::from(radius),
                0.0,
                std::f64::consts::PI * 2.0,
            )
            .map_err(|e| error_cast(&e))?;
        if fill {
            self.context.fill();
        } else {
            self.context.stroke();
        }
        Ok(())
    }

    /// The size of `text` as plotters' own web font backend measures it (a hidden `<span>`
    /// in the page), but with the font size written without float formatting.
    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<CanvasError>> {
        let measure = || -> Option<(u32, u32)> {
            let document = web_sys::window()?.document()?;
            let span: HtmlElement = document.create_element("span").ok()?.dyn_into().ok()?;
            span.set_text_content(Some(text));
            span.set_attribute(
                "style",
                &format!(
                    "display: inline-block; font-family:{}; font-style:{}; font-size: {}px; \
                     position: fixed; top: 100%",
                    style.family().as_str(),
                    style.style().as_str(),
                    fixed(style.size(), 1)
                ),
            )
            .ok()?;
            document.body()?.append_child(&span).ok()?;
            let size = (span.offset_width() as u32, span.offset_height() as u32);
            span.remove();
            Some(size)
        };
        measure().ok_or_else(|| {
            DrawingErrorKind::DrawingError(CanvasError("cannot measure text".to_string()))
        })
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<CanvasError>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (mut x, mut y) = (pos.0, pos.1);
        let degree = match style.transform() {
            FontTransform::None => 0.0,
            FontTransform::Rotate90 => 90.0,
            FontTransform::Rotate180 => 180.0,
            FontTransform::Rotate270 => 270.0,
        } / 180.0
            * std::f64::consts::PI;
        if degree != 0.0 {
            self.context.save();
            self.context
                .translate(f64::from(x), f64::from(y))
                .map_err(|e| error_cast(&e))?;
            self.context.rotate(degree).map_err(|e| error_cast(&e))?;
            x = 0;
            y = 0;
        }
        self.context.set_text_baseline(match style.anchor().v_pos {
            VPos::Top => "top",
            VPos::Center => "middle",
            VPos::Bottom => "bottom",
        });
        self.context.set_text_align(match style.anchor().h_pos {
            HPos::Left => "start",
            HPos::Right => "end",
            HPos::Center => "center",
        });
        self.context.set_fill_style_str(&css_color(color));
        self.context.set_font(&css_font(style));
        self.context
            .fill_text(text, f64::from(x), f64::from(y))
            .map_err(|e| error_cast(&e))?;
        if degree != 0.0 {
            self.context.restore();
        }
        Ok(())
    }
}

/// Moves a vertical or horizontal line by half a pixel so that it is not blurred across two
/// (see MDN, "Applying styles and colors", a lineWidth example).
fn fine_hor_ver_lines(from: BackendCoord, end: BackendCoord) -> ((f64, f64), (f64, f64)) {
    let dx = if from.0 == end.0 { 0.5 } else { 0.0 };
    let dy = if from.1 == end.1 { 0.5 } else { 0.0 };
    (
        (f64::from(from.0) - dx, f64::from(from.1) - dy),
        (f64::from(end.0) - dx, f64::from(end.1) - dy),
    )
}

#[cfg(test)]
mod tests {
    use super::{CanvasBackend, css_color, css_font};
    use plotters::prelude::*;
    use plotters_backend::BackendColor;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::wasm_bindgen_test;
    use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

    fn canvas() -> HtmlCanvasElement {
        let c = crate::dom::test_canvas();
        c.set_width(320);
        c.set_height(180);
        c
    }

    fn pixels(c: &HtmlCanvasElement) -> Vec<u8> {
        let ctx: CanvasRenderingContext2d = c
            .get_context("2d")
            .expect("ctx")
            .expect("2d")
            .dyn_into()
            .expect("2d ctx");
        ctx.get_image_data(0.0, 0.0, 320.0, 180.0)
            .expect("data")
            .data()
            .0
    }

    /// Captions, axis labels, a mesh, lines, filled and translucent shapes.
    fn chart<DB: DrawingBackend>(backend: DB) {
        let root = backend.into_drawing_area();
        root.fill(&WHITE).expect("fill");
        let mut chart = ChartBuilder::on(&root)
            .margin(4)
            .x_label_area_size(16)
            .y_label_area_size(40)
            .caption(
                "DMA32: free pages",
                ("sans-serif", 13).into_font().color(&BLACK),
            )
            .build_cartesian_2d(0u64..50, 0u64..1200)
            .expect("chart");
        chart
            .configure_mesh()
            .light_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .label_style(("sans-serif", 11).into_font())
            .x_labels(5)
            .y_labels(4)
            .draw()
            .expect("mesh");
        chart
            .draw_series(LineSeries::new(
                (0..50).map(|x| (x, x * x / 3)),
                RGBColor(0, 0x72, 0xb2).stroke_width(2),
            ))
            .expect("line");
        chart
            .draw_series(
                (0..50)
                    .step_by(7)
                    .map(|x| Circle::new((x, 600), 3, RED.filled())),
            )
            .expect("circles");
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(10, 100), (20, 400)],
                BLUE.mix(0.3).filled(),
            )))
            .expect("rect");
        root.present().expect("present");
    }

    #[wasm_bindgen_test]
    fn draws_the_same_pixels_as_plotters_canvas() {
        let (ours, theirs) = (canvas(), canvas());
        chart(CanvasBackend::with_canvas_object(ours.clone()).expect("ours"));
        chart(plotters_canvas::CanvasBackend::with_canvas_object(theirs.clone()).expect("theirs"));
        let (a, b) = (pixels(&ours), pixels(&theirs));
        assert!(a.iter().any(|&v| v != 255), "nothing was drawn");
        assert!(a == b, "the two backends drew different pixels");
        ours.remove();
        theirs.remove();
    }

    #[wasm_bindgen_test]
    fn colours_and_fonts_are_valid_css_without_float_formatting() {
        let opaque = BackendColor {
            alpha: 1.0,
            rgb: (0, 114, 178),
        };
        assert_eq!(css_color(opaque), "rgb(0,114,178)");
        let half = BackendColor {
            alpha: 0.5,
            rgb: (1, 2, 3),
        };
        assert_eq!(css_color(half), "rgba(1,2,3,0.500)");
        // The browser accepts both: it normalises them to the same colour.
        let ctx: CanvasRenderingContext2d = gloo::utils::document()
            .create_element("canvas")
            .expect("canvas")
            .dyn_into::<HtmlCanvasElement>()
            .expect("canvas element")
            .get_context("2d")
            .expect("ctx")
            .expect("2d")
            .dyn_into()
            .expect("2d ctx");
        ctx.set_fill_style_str(&css_color(half));
        assert_eq!(
            ctx.fill_style().as_string().as_deref(),
            Some("rgba(1, 2, 3, 0.5)")
        );
        ctx.set_fill_style_str(&css_color(opaque));
        assert_eq!(ctx.fill_style().as_string().as_deref(), Some("#0072b2"));
        let font = plotters::style::TextStyle::from(("sans-serif", 13));
        assert_eq!(css_font(&font), "normal 13.0px sans-serif");
        ctx.set_font(&css_font(&font));
        assert_eq!(ctx.font(), "13px sans-serif");
    }
}
