//! The memory-map painter: page-state bytes in, RGBA pixels out.
//!
//! One pixel per page frame. Zones are laid out one after another, each starting on a
//! new row, with one empty row between zones. The canvas is scaled up by CSS
//! (`image-rendering: pixelated`), so a 64 MiB machine (16,384 pages) and a 1 GiB
//! machine (262,144 pages) both fill the panel. Painting is a single pass over the
//! page-code slice; the canvas is then updated with one `putImageData`.

use gfpscope_engine::view::page_code;

/// Where one zone's pages sit on the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    /// Index into `StepView::zones`.
    pub zone: usize,
    /// First pixel row of this zone.
    pub first_row: u32,
    /// Number of pixel rows this zone takes.
    pub rows: u32,
    pub start_pfn: u64,
    pub pages: u64,
}

/// Pixel geometry of the whole map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapLayout {
    /// Pages per row (pixel width).
    pub width: u32,
    /// Pixel rows in total, including the gap rows between zones.
    pub height: u32,
    pub bands: Vec<Band>,
}

/// Rows of background left between two zones.
const GAP_ROWS: u32 = 1;

impl MapLayout {
    /// Lays out zones given as `(start_pfn, spanned_pages)`, in the order given.
    ///
    /// The width is a power of two near the square root of the page count, between 64
    /// and 1024 pixels, so the map is roughly square whatever the machine size.
    pub fn new(zones: &[(u64, u64)]) -> MapLayout {
        let total: u64 = zones.iter().map(|&(_, n)| n).sum();
        let side = (total as f64).sqrt().ceil() as u64;
        let width = side.clamp(64, 1024).next_power_of_two().min(1024) as u32;
        let mut bands = Vec::with_capacity(zones.len());
        let mut row = 0u32;
        for (zone, &(start_pfn, pages)) in zones.iter().enumerate() {
            let rows = pages.div_ceil(u64::from(width)) as u32;
            bands.push(Band {
                zone,
                first_row: row,
                rows,
                start_pfn,
                pages,
            });
            row += rows + GAP_ROWS;
        }
        let height = row.saturating_sub(GAP_ROWS).max(1);
        MapLayout {
            width,
            height,
            bands,
        }
    }

    /// The page frame under pixel `(x, y)`, if any (for hover read-outs).
    pub fn pfn_at(&self, x: u32, y: u32) -> Option<(usize, u64)> {
        if x >= self.width {
            return None;
        }
        let band = self
            .bands
            .iter()
            .find(|b| y >= b.first_row && y < b.first_row + b.rows)?;
        let offset = u64::from(y - band.first_row) * u64::from(self.width) + u64::from(x);
        (offset < band.pages).then_some((band.zone, band.start_pfn + offset))
    }

    /// Bytes of RGBA needed for this layout.
    pub fn rgba_len(&self) -> usize {
        self.width as usize * self.height as usize * 4
    }
}

/// Colours for each `page_code`, as `[r, g, b, a]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Palette {
    pub codes: [[u8; 4]; 13],
    /// Unknown codes and pixels outside any zone.
    pub background: [u8; 4],
}

/// Okabe–Ito based colours: distinguishable with the common colour-vision deficiencies.
/// Free pages are pale tints of their migratetype's hue so that used memory stands out.
pub const LIGHT: Palette = Palette {
    codes: [
        [0xf6, 0xd3, 0xc2, 0xff], // FREE_UNMOVABLE: pale vermilion
        [0xcc, 0xeb, 0xe0, 0xff], // FREE_MOVABLE: pale bluish green
        [0xd2, 0xe9, 0xf7, 0xff], // FREE_RECLAIMABLE: pale sky blue
        [0xf0, 0xd8, 0xe6, 0xff], // FREE_HIGHATOMIC: pale reddish purple
        [0x3a, 0x3a, 0x3a, 0xff], // KERNEL: near black
        [0xe6, 0x9f, 0x00, 0xff], // SLAB: orange
        [0x56, 0xb4, 0xe9, 0xff], // PAGECACHE_CLEAN: sky blue
        [0x00, 0x72, 0xb2, 0xff], // PAGECACHE_DIRTY: blue
        [0xcc, 0x79, 0xa7, 0xff], // WRITEBACK: reddish purple
        [0x00, 0x9e, 0x73, 0xff], // ANON: bluish green
        [0xf0, 0xe4, 0x42, 0xff], // ANON_SWAPCACHE: yellow
        [0x99, 0x99, 0x99, 0xff], // RESERVED: grey
        [0xff, 0xff, 0xff, 0x00], // HOLE: transparent
    ],
    background: [0, 0, 0, 0],
};

/// The same hues on a dark page: free tints are dark, used colours stay bright.
pub const DARK: Palette = Palette {
    codes: [
        [0x4a, 0x2c, 0x22, 0xff], // FREE_UNMOVABLE
        [0x1d, 0x40, 0x36, 0xff], // FREE_MOVABLE
        [0x1f, 0x39, 0x4a, 0xff], // FREE_RECLAIMABLE
        [0x45, 0x2a, 0x3b, 0xff], // FREE_HIGHATOMIC
        [0xd8, 0xd8, 0xd8, 0xff], // KERNEL: near white
        [0xe6, 0x9f, 0x00, 0xff], // SLAB
        [0x56, 0xb4, 0xe9, 0xff], // PAGECACHE_CLEAN
        [0x3a, 0x8f, 0xd8, 0xff], // PAGECACHE_DIRTY (lifted for contrast)
        [0xcc, 0x79, 0xa7, 0xff], // WRITEBACK
        [0x00, 0x9e, 0x73, 0xff], // ANON
        [0xf0, 0xe4, 0x42, 0xff], // ANON_SWAPCACHE
        [0x77, 0x77, 0x77, 0xff], // RESERVED
        [0x00, 0x00, 0x00, 0x00], // HOLE
    ],
    background: [0, 0, 0, 0],
};

/// Human names of the page codes, in code order, for the legend.
pub const CODE_NAMES: [(u8, &str); 13] = [
    (page_code::FREE_UNMOVABLE, "free (Unmovable)"),
    (page_code::FREE_MOVABLE, "free (Movable)"),
    (page_code::FREE_RECLAIMABLE, "free (Reclaimable)"),
    (page_code::FREE_HIGHATOMIC, "free (HighAtomic)"),
    (page_code::KERNEL, "kernel"),
    (page_code::SLAB, "slab"),
    (page_code::PAGECACHE_CLEAN, "page cache, clean"),
    (page_code::PAGECACHE_DIRTY, "page cache, dirty"),
    (page_code::WRITEBACK, "under writeback"),
    (page_code::ANON, "anonymous"),
    (page_code::ANON_SWAPCACHE, "anon in swap cache"),
    (page_code::RESERVED, "reserved"),
    (page_code::HOLE, "hole"),
];

impl Palette {
    /// The colour of one page code.
    pub fn color(&self, code: u8) -> [u8; 4] {
        self.codes
            .get(code as usize)
            .copied()
            .unwrap_or(self.background)
    }

    /// CSS `rgb(...)` for a page code (legend swatches).
    pub fn css(&self, code: u8) -> String {
        let [r, g, b, _] = self.color(code);
        format!("rgb({r},{g},{b})")
    }
}

/// Paints `codes` (indexed by pfn) into `out` (RGBA, `layout.rgba_len()` bytes; resized
/// if needed). Pfns beyond the end of `codes` are painted as holes.
pub fn paint(layout: &MapLayout, codes: &[u8], palette: &Palette, out: &mut Vec<u8>) {
    out.clear();
    out.resize(layout.rgba_len(), 0);
    let hole = palette.color(page_code::HOLE);
    let width = layout.width as usize;
    for band in &layout.bands {
        let base = band.first_row as usize * width * 4;
        let start = band.start_pfn as usize;
        for i in 0..band.pages as usize {
            let rgba = codes
                .get(start + i)
                .map_or(hole, |&code| palette.color(code));
            let at = base + i * 4;
            if let Some(px) = out.get_mut(at..at + 4) {
                px.copy_from_slice(&rgba);
            }
        }
    }
}

/// At most this many separate row runs are repainted one by one; more are merged into
/// one run from the first to the last changed row.
const MAX_RUNS: usize = 16;

/// The pixel rows whose pages differ between `old` and `new` page codes, as runs of
/// consecutive rows (at most [`MAX_RUNS`]; more are merged into one). A step changes a
/// few pages, so repainting only these rows keeps a 262,144-page map cheap.
pub fn changed_rows(layout: &MapLayout, old: &[u8], new: &[u8]) -> Vec<std::ops::Range<u32>> {
    let width = u64::from(layout.width);
    let mut runs = RowRuns::default();
    for band in &layout.bands {
        for r in 0..band.rows {
            let first = band.start_pfn + u64::from(r) * width;
            let last = (first + width).min(band.start_pfn + band.pages);
            let (a, b) = (first as usize, last as usize);
            if old.get(a..b) == new.get(a..b) && old.get(a..b).is_some() {
                continue;
            }
            runs.add(band.first_row + r..band.first_row + r + 1);
        }
    }
    runs.finish()
}

/// The pixel rows holding the pages of `ranges` (pfn ranges, ascending), as runs like
/// [`changed_rows`] gives: what the engine reports a step changed, without comparing
/// the whole map.
pub fn rows_of_ranges(
    layout: &MapLayout,
    ranges: &[std::ops::Range<u64>],
) -> Vec<std::ops::Range<u32>> {
    let width = u64::from(layout.width);
    let mut runs = RowRuns::default();
    for band in &layout.bands {
        let end = band.start_pfn + band.pages;
        for r in ranges {
            let (lo, hi) = (r.start.max(band.start_pfn), r.end.min(end));
            if lo >= hi {
                continue;
            }
            let first = ((lo - band.start_pfn) / width) as u32;
            let last = ((hi - 1 - band.start_pfn) / width) as u32;
            runs.add(band.first_row + first..band.first_row + last + 1);
        }
    }
    runs.finish()
}

/// Runs of pixel rows, merged when adjacent or overlapping, added in ascending order.
#[derive(Default)]
struct RowRuns(Vec<std::ops::Range<u32>>);

impl RowRuns {
    fn add(&mut self, rows: std::ops::Range<u32>) {
        match self.0.last_mut() {
            Some(run) if run.end >= rows.start => run.end = run.end.max(rows.end),
            _ => self.0.push(rows),
        }
    }

    /// The runs, merged into one when there are more than [`MAX_RUNS`].
    fn finish(mut self) -> Vec<std::ops::Range<u32>> {
        if self.0.len() > MAX_RUNS {
            let start = self.0.first().map_or(0, |r| r.start);
            let end = self.0.last().map_or(0, |r| r.end);
            self.0.clear();
            self.0.push(start..end);
        }
        self.0
    }
}

/// Repaints pixel rows `rows` of `out` (a buffer `paint` filled for this layout) from
/// `codes`; the other rows are left as they are.
pub fn paint_rows(
    layout: &MapLayout,
    codes: &[u8],
    palette: &Palette,
    out: &mut [u8],
    rows: std::ops::Range<u32>,
) {
    let hole = palette.color(page_code::HOLE);
    let width = layout.width as usize;
    for band in &layout.bands {
        let from = rows.start.max(band.first_row);
        let to = rows.end.min(band.first_row + band.rows);
        for row in from..to {
            let offset = (row - band.first_row) as usize * width;
            let n = width.min((band.pages as usize).saturating_sub(offset));
            let base = row as usize * width * 4;
            let pfn = band.start_pfn as usize + offset;
            for i in 0..n {
                let rgba = codes.get(pfn + i).map_or(hole, |&c| palette.color(c));
                let at = base + i * 4;
                if let Some(px) = out.get_mut(at..at + 4) {
                    px.copy_from_slice(&rgba);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn small_machine_is_at_least_64_wide_and_zones_start_on_new_rows() {
        // DMA 4096 pages from pfn 0, DMA32 12288 pages from pfn 4096: a 64 MiB machine.
        let layout = MapLayout::new(&[(0, 4096), (4096, 12288)]);
        assert_eq!(layout.width, 128);
        assert_eq!(layout.bands[0].rows, 32);
        assert_eq!(layout.bands[1].first_row, 33);
        assert_eq!(layout.height, 33 + 96);
    }

    #[wasm_bindgen_test]
    fn one_gib_machine_fits_in_512_columns() {
        let layout = MapLayout::new(&[(0, 4096), (4096, 258048)]);
        assert_eq!(layout.width, 512);
        assert_eq!(layout.rgba_len(), 512 * layout.height as usize * 4);
    }

    #[wasm_bindgen_test]
    fn rows_of_changed_ranges_are_the_rows_a_comparison_finds() {
        // Two zones, 64 pages a row: DMA pfn 0..4096, DMA32 from 4096.
        let layout = MapLayout::new(&[(0, 4096), (4096, 12288)]);
        let old = vec![0u8; 16384];
        for ranges in [
            vec![5..6, 7..7],
            vec![0..1, 127..129, 4095..4097],
            vec![200..300, 9000..9001, 16383..16384],
            vec![],
        ] {
            let mut new = old.clone();
            for r in &ranges {
                for p in r.clone() {
                    new[p as usize] = 1;
                }
            }
            assert_eq!(
                rows_of_ranges(&layout, &ranges),
                changed_rows(&layout, &old, &new),
                "{ranges:?}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn pixels_follow_page_codes_and_missing_pages_are_holes() {
        let layout = MapLayout::new(&[(0, 3), (3, 2)]);
        let codes = [
            page_code::ANON,
            page_code::SLAB,
            page_code::FREE_MOVABLE,
            page_code::KERNEL,
        ];
        let mut out = Vec::new();
        paint(&layout, &codes, &LIGHT, &mut out);
        let px = |x: usize, y: usize| {
            let at = (y * layout.width as usize + x) * 4;
            [out[at], out[at + 1], out[at + 2], out[at + 3]]
        };
        assert_eq!(px(0, 0), LIGHT.color(page_code::ANON));
        assert_eq!(px(2, 0), LIGHT.color(page_code::FREE_MOVABLE));
        // Second zone starts after one gap row, at pfn 3.
        assert_eq!(px(0, 2), LIGHT.color(page_code::KERNEL));
        // pfn 4 has no code: hole (transparent).
        assert_eq!(px(1, 2), LIGHT.color(page_code::HOLE));
        // Gap row stays transparent.
        assert_eq!(px(0, 1), [0, 0, 0, 0]);
    }

    #[wasm_bindgen_test]
    fn pfn_at_inverts_the_layout() {
        let layout = MapLayout::new(&[(0, 100), (100, 200)]);
        assert_eq!(layout.pfn_at(5, 0), Some((0, 5)));
        assert_eq!(layout.pfn_at(36, 1), None, "past the end of zone 0");
        assert_eq!(layout.pfn_at(0, 3), Some((1, 100)));
        assert_eq!(layout.pfn_at(64, 0), None);
    }

    #[wasm_bindgen_test]
    fn unknown_codes_use_the_background() {
        assert_eq!(LIGHT.color(200), LIGHT.background);
    }

    #[wasm_bindgen_test]
    fn only_rows_with_changed_pages_are_repainted_and_the_result_is_a_full_repaint() {
        // Two zones of a 1,000-page machine, 64 pages per row.
        let layout = MapLayout::new(&[(0, 300), (300, 700)]);
        let old: Vec<u8> = (0..1000u32).map(|i| (i % 7) as u8).collect();
        let mut new = old.clone();
        new[5] = page_code::WRITEBACK; // zone 0, row 0 (old codes are all below 7)
        new[70] = page_code::ANON; // zone 0, row 1
        new[300 + 64 * 3 + 1] = page_code::KERNEL; // zone 1, its 4th row
        let runs = changed_rows(&layout, &old, &new);
        let zone1 = layout.bands[1].first_row;
        assert_eq!(runs, [0..2, zone1 + 3..zone1 + 4]);
        let mut buf = Vec::new();
        paint(&layout, &old, &LIGHT, &mut buf);
        for run in runs {
            paint_rows(&layout, &new, &LIGHT, &mut buf, run);
        }
        let mut full = Vec::new();
        paint(&layout, &new, &LIGHT, &mut full);
        assert_eq!(buf, full);
        assert!(changed_rows(&layout, &new, &new).is_empty());
    }

    #[wasm_bindgen_test]
    fn many_scattered_changes_become_one_run() {
        let layout = MapLayout::new(&[(0, 64 * 40)]);
        let old = vec![0u8; 64 * 40];
        let mut new = old.clone();
        for row in (0..40).step_by(2) {
            new[row * 64] = page_code::ANON;
        }
        assert_eq!(
            changed_rows(&layout, &old, &new),
            std::iter::once(0..39).collect::<Vec<_>>()
        );
        // A machine whose page count changed: every row differs.
        assert_eq!(
            changed_rows(&layout, &old[..100], &new),
            std::iter::once(0..40).collect::<Vec<_>>()
        );
    }
}
