//! The network pictures, drawn on the server as SVG: a team's concentric circles of partners and
//! the organisation map.
//!
//! Both follow the same rules so they read alike: a team is a circle with its key inside (its
//! full name on hover and focus, and in the legend or table beside the picture); who serves whom
//! is a curved arrow from supplier to customer, so a two-way partnership is two arrows bending
//! apart; health is told by colour **and** line style, in colours that stay apart for colour-blind
//! readers and meet 3:1 against the card. Every curve is routed clear of the teams it does not
//! join (the tests read the positions back from the SVG and check it), and the layout is a pure
//! function of its input, so the picture is the same on every render and every node.

use std::collections::{BTreeMap, BTreeSet};
use std::f64::consts::PI;
use std::fmt::Write;

use crate::health::Health;
use crate::network::{Edge, RingNode, RingRole};
use crate::report;

/// A team's radius in the picture's own units.
const NODE_R: f64 = 18.0;
/// Centre to centre along a ring: a node and a clear gap.
const SPACING: f64 = 48.0;
/// The width the pictures are made for on a desktop card; text is sized to read at 12 px there.
const DISPLAY: f64 = 640.0;
/// Kept between a curve and any team it does not join.
const CLEARANCE: f64 = 3.0;

/// How an edge's health is drawn: colour, dash pattern (the second cue), and its legend words.
struct Band {
    name: &'static str,
    colour: &'static str,
    dash: &'static str,
    words: &'static str,
}

const BANDS: [Band; 4] = [
    Band { name: "good", colour: report::GOOD, dash: "", words: "good: 90 or more" },
    Band { name: "fair", colour: report::MIDDLE, dash: "9 5", words: "fair: 75 to 89" },
    Band { name: "poor", colour: report::BAD, dash: "2 4", words: "poor: below 75" },
    Band { name: "unknown", colour: "#6b7280", dash: "1 6", words: "not enough data" },
];

fn band(h: Health) -> &'static Band {
    let name = h.band();
    BANDS.iter().find(|b| b.name == name).unwrap_or(&BANDS[3])
}

/// The legend for both pictures, as HTML: each health band as its own line sample and words.
pub fn health_legend() -> String {
    let mut out = String::from(r#"<span class="legend-lines">"#);
    for b in &BANDS {
        let dash = if b.dash.is_empty() { String::new() } else { format!(r#" stroke-dasharray="{}""#, b.dash) };
        let _ = write!(
            out,
            r#"<span class="legend-line"><svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" stroke="{}" stroke-width="3" stroke-linecap="round"{dash}/></svg> {}</span>"#,
            b.colour, b.words
        );
    }
    out.push_str("</span>");
    out
}

/// Text for SVG: markup characters escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

type Point = (f64, f64);

/// A curve between two team centres as quadratic pieces: each a control point and the point
/// it ends at; the first starts at the supplier's centre, the last ends at the customer's.
type Route = Vec<(Point, Point)>;

fn dist(a: Point, b: Point) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The point at `t` on the quadratic curve from `a` through control `q` to `b`.
fn on_curve(a: Point, q: Point, b: Point, t: f64) -> Point {
    let u = 1.0 - t;
    (u * u * a.0 + 2.0 * u * t * q.0 + t * t * b.0, u * u * a.1 + 2.0 * u * t * q.1 + t * t * b.1)
}

/// `from` moved `by` towards `to`.
fn towards(from: Point, to: Point, by: f64) -> Point {
    let d = dist(from, to).max(1e-9);
    (from.0 + (to.0 - from.0) * by / d, from.1 + (to.1 - from.1) * by / d)
}

/// Width of a line of text, estimated from its length: monospace keys at 0.62 em, names at 0.56.
fn text_width(text: &str, size: f64, mono: bool) -> f64 {
    text.chars().count() as f64 * size * if mono { 0.62 } else { 0.56 }
}

/// A team placed in a picture.
struct Placed<'a> {
    key: &'a str,
    name: &'a str,
    class: &'static str,
    at: Point,
    r: f64,
}

/// One picture being drawn: the teams placed, then the curves routed around them.
struct Picture<'a> {
    id: String,
    /// Text scale: the picture's units per pixel at [`DISPLAY`] width, at least 1.
    scale: f64,
    nodes: Vec<Placed<'a>>,
    svg: String,
}

impl<'a> Picture<'a> {
    fn new(id: &str, size: f64, label: &str) -> Self {
        let scale = (size / DISPLAY).max(1.0);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:.0} {size:.0}" width="{w:.0}" height="{w:.0}" class="circles" role="group" aria-label="{}"><defs>"#,
            esc(label),
            // Drawn no larger than makes its text 13 px; CSS shrinks it to narrower screens.
            w = size.min(DISPLAY) * 1.08,
        );
        // One arrowhead per band, sized in the picture's units so thin and thick lines share it.
        for b in &BANDS {
            let _ = write!(
                svg,
                r#"<marker id="{id}-{n}" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="{w:.1}" markerHeight="{w:.1}" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{c}"/></marker>"#,
                n = b.name,
                c = b.colour,
                w = 9.0 * scale,
            );
        }
        svg.push_str("</defs>");
        Self { id: id.to_owned(), scale, nodes: Vec::new(), svg }
    }

    fn at(&self, key: &str) -> Option<&Placed<'a>> {
        self.nodes.iter().find(|n| n.key == key)
    }

    /// Whether a route from `a` keeps clear of every team but its two ends.
    fn clear(&self, a: Point, route: &Route, ends: [&str; 2]) -> bool {
        let mut from = a;
        route.iter().all(|&(q, to)| {
            let ok = (1..48)
                .map(|i| on_curve(from, q, to, f64::from(i) / 48.0))
                .all(|p| self.nodes.iter().filter(|n| !ends.contains(&n.key)).all(|n| dist(p, n.at) > n.r + CLEARANCE));
            from = to;
            ok
        })
    }

    /// Draws the edges: each a curve from supplier to customer with an arrowhead, along the
    /// first of the candidate routes `routes` gives (from the two centres, and whether the
    /// reverse edge is drawn too) that keeps clear of every other team. A pair of opposite edges
    /// bends to opposite sides, so both stay visible.
    fn edges(&mut self, edges: &[&Edge], routes: impl Fn(Point, Point, bool) -> Vec<Route>) {
        let drawn: BTreeSet<(&str, &str)> =
            edges.iter().map(|e| (e.supplier_key.as_str(), e.customer_key.as_str())).collect();
        let mut out = String::new();
        for e in edges {
            let (Some(s), Some(c)) = (self.at(&e.supplier_key), self.at(&e.customer_key)) else { continue };
            let two_way = drawn.contains(&(e.customer_key.as_str(), e.supplier_key.as_str()));
            // Each candidate starts and ends on the circles' rims, along the curve; the first
            // that keeps clear of every other team is drawn.
            let trimmed: Vec<(Point, Route)> = routes(s.at, c.at, two_way)
                .into_iter()
                .filter(|r| !r.is_empty())
                .map(|mut r| {
                    let from = towards(s.at, r[0].0, s.r + 1.0);
                    if let Some(last) = r.last_mut() {
                        last.1 = towards(c.at, last.0, c.r + 2.0);
                    }
                    (from, r)
                })
                .collect();
            let ends = [s.key, c.key];
            let Some((from, route)) =
                trimmed.iter().find(|(from, r)| self.clear(*from, r, ends)).or(trimmed.first()).cloned()
            else {
                continue;
            };
            let mut d = format!("M{:.1} {:.1}", from.0, from.1);
            for (q, to) in &route {
                let _ = write!(d, " Q{:.1} {:.1} {:.1} {:.1}", q.0, q.1, to.0, to.1);
            }
            let b = band(e.health);
            // Thicker with traffic; an edge without a score stays thin, so it recedes behind the ones that have one.
            let width = if b.name == "unknown" { 1.3 } else { (1.4 + (e.requests as f64 + 1.0).ln() * 0.8).min(4.5) }
                * self.scale;
            let dash = if b.dash.is_empty() {
                String::new()
            } else {
                let d: Vec<String> = b
                    .dash
                    .split(' ')
                    .filter_map(|x| x.parse::<f64>().ok())
                    .map(|x| format!("{:.0}", x * self.scale))
                    .collect();
                format!(r#" stroke-dasharray="{}""#, d.join(" "))
            };
            let _ = write!(
                out,
                r#"<a href="/network/{sk}/{ck}" aria-label="{sn} serves {cn}"><path class="edge" d="{d}" fill="none" stroke="{col}" stroke-width="{width:.1}" stroke-linecap="round"{dash} marker-end="url(#{id}-{bn})"><title>{sn} serves {cn}: {} requests, health {}{}</title></path></a>"#,
                e.requests,
                e.health.label(),
                if e.undeclared() { ", no relationship declared" } else { "" },
                sk = esc(&e.supplier_key),
                ck = esc(&e.customer_key),
                sn = esc(&e.supplier_name),
                cn = esc(&e.customer_name),
                col = b.colour,
                id = self.id,
                bn = b.name,
            );
        }
        self.svg.push_str(&out);
    }

    /// Draws every team: a circle with its key, its full name shown on hover and focus.
    fn draw_nodes(&mut self, name_below: impl Fn(Point) -> bool) {
        let mut out = String::new();
        for n in &self.nodes {
            let size = key_font(n.key, n.r, self.scale);
            let (x, y) = n.at;
            let name_size = 12.0 * self.scale;
            let below = name_below(n.at);
            let name_y = if below { y + n.r + name_size * 1.1 } else { y - n.r - name_size * 0.45 };
            let _ = write!(
                out,
                r#"<a href="/teams/{k}/network" aria-label="{k}: {nm}"><g class="node {cls}"><circle class="dot" cx="{x:.1}" cy="{y:.1}" r="{r:.1}"/><text class="key" x="{x:.1}" y="{ky:.1}" text-anchor="middle" font-size="{size:.1}">{k}</text><text class="name" x="{x:.1}" y="{name_y:.1}" text-anchor="middle" font-size="{name_size:.1}">{nm}</text></g></a>"#,
                k = esc(n.key),
                nm = esc(n.name),
                cls = n.class,
                r = n.r,
                ky = y + size * 0.35,
            );
        }
        self.svg.push_str(&out);
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>");
        self.svg
    }
}

/// The key's font size: 12 px at display width, smaller when a long key would leave its circle.
fn key_font(key: &str, r: f64, scale: f64) -> f64 {
    let fit = (2.0 * r - 8.0) / text_width(key, 1.0, true);
    (12.0 * scale).min(fit)
}

/// The circular mean of angles, or `None` for none.
fn mean_angle(angles: impl Iterator<Item = f64>) -> Option<f64> {
    let (mut s, mut c, mut n) = (0.0, 0.0, 0);
    for a in angles {
        s += a.sin();
        c += a.cos();
        n += 1;
    }
    (n > 0).then(|| s.atan2(c))
}

/// The concentric-circles picture of a team: the centre, its rings of partners (customers,
/// suppliers, then their partners), and the edges between neighbouring rings. Each ring keeps
/// a gap at the top for its label; the first ring is ordered by role, each further ring by the
/// angle of the partners it hangs from, so a team sits next to the teams it works with and its
/// curves stay short. Edges within a ring are left to the table beside the picture.
pub fn circles_svg(centre: &str, centre_name: &str, nodes: &[RingNode], edges: &[Edge]) -> String {
    let depth = nodes.iter().map(|n| n.ring).max().unwrap_or(0);
    let labels: Vec<String> = (1..=depth).map(|ring| ring_label(ring, nodes)).collect();
    // Radii: room for every node plus the label's gap, and at least 120 between rings.
    let mut radii = Vec::new();
    let mut gaps = Vec::new();
    let mut last = 0.0_f64;
    for ring in 1..=depth {
        let count = nodes.iter().filter(|n| n.ring == ring).count() as f64;
        let label_w = text_width(&labels[ring as usize - 1], 12.0, false) + 2.0 * NODE_R + 12.0;
        let r = ((count * SPACING + label_w) / (2.0 * PI)).max(last + if ring == 1 { 150.0 } else { 120.0 });
        radii.push(r);
        // The label's share of the ring, as an angle, centred at the top.
        gaps.push((label_w / r).min(PI));
        last = r;
    }
    let half = last + 60.0;
    let size = 2.0 * half;
    let mut pic = Picture::new(
        &format!("nw-{}", esc(centre).to_lowercase()),
        size,
        &format!("{centre_name} and the teams around it: customers, suppliers and their partners"),
    );
    let scale = pic.scale;
    pic.nodes.push(Placed { key: centre, name: centre_name, class: "centre", at: (half, half), r: NODE_R * 1.5 });
    let mut angle: BTreeMap<&str, f64> = BTreeMap::new();
    for ring in 1..=depth {
        let on: Vec<&RingNode> = nodes.iter().filter(|n| n.ring == ring).collect();
        let r = radii[ring as usize - 1];
        let gap = gaps[ring as usize - 1];
        // Angles clockwise from the top, the label's gap centred there.
        let even = |i: usize| gap / 2.0 + (2.0 * PI - gap) / on.len().max(1) as f64 * (i as f64 + 0.5);
        let mut placed: Vec<(f64, &RingNode)> = if ring == 1 {
            on.iter().enumerate().map(|(i, n)| (even(i), *n)).collect()
        } else {
            // Each further team goes where the inner-ring partners it hangs from are, as far as
            // keeping its neighbours a node apart allows.
            let wanted = |n: &RingNode| -> f64 {
                let partners = edges.iter().filter_map(|e| {
                    let other = if e.supplier_key == n.key {
                        &e.customer_key
                    } else if e.customer_key == n.key {
                        &e.supplier_key
                    } else {
                        return None;
                    };
                    angle.get(other.as_str()).map(|a| a - PI / 2.0)
                });
                mean_angle(partners).map_or(PI, |a| (a + PI / 2.0).rem_euclid(2.0 * PI))
            };
            let mut w: Vec<(f64, &RingNode)> = on.iter().map(|n| (wanted(n), *n)).collect();
            w.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));
            spread(&mut w, SPACING / r, gap / 2.0, 2.0 * PI - gap / 2.0);
            w
        };
        for (t, n) in placed.drain(..) {
            angle.insert(&n.key, t);
            // Back to the usual frame, 0 at three o'clock, for drawing.
            let a = t - PI / 2.0;
            let class = match n.role {
                RingRole::Customer => "customer",
                RingRole::Supplier => "supplier",
                RingRole::Both => "both",
                RingRole::Partner => "partner",
            };
            pic.nodes.push(Placed {
                key: &n.key,
                name: &n.name,
                class,
                at: (half + r * a.cos(), half + r * a.sin()),
                r: NODE_R,
            });
        }
    }
    // The ring guides and their labels, under everything else.
    for (r, label) in radii.iter().zip(&labels) {
        let _ = write!(
            pic.svg,
            r##"<circle class="ring" cx="{half:.1}" cy="{half:.1}" r="{r:.1}" fill="none" stroke="#8690a8" stroke-width="{w:.1}" stroke-dasharray="{d1:.0} {d2:.0}"/><text class="ring-label" x="{half:.1}" y="{y:.1}" text-anchor="middle" font-size="{f:.1}">{}</text>"##,
            esc(label),
            w = 1.2 * scale,
            d1 = 4.0 * scale,
            d2 = 5.0 * scale,
            y = half - r + 4.0 * scale,
            f = 12.0 * scale,
        );
    }
    let ring_of = |k: &str| if k == centre { Some(0) } else { nodes.iter().find(|n| n.key == k).map(|n| n.ring) };
    let shown: Vec<&Edge> = edges
        .iter()
        .filter(|e| matches!((ring_of(&e.supplier_key), ring_of(&e.customer_key)), (Some(a), Some(b)) if a.abs_diff(b) == 1))
        .collect();
    pic.edges(&shown, |a, b, two_way| {
        let mut routes = side_bends(a, b, two_way);
        // Between outer rings, when no bend gets through, along the band between them.
        if dist(a, (half, half)) > 1.0 && dist(b, (half, half)) > 1.0 {
            routes.insert(routes.len().min(3), around((half, half), a, b, two_way));
        }
        routes
    });
    pic.draw_nodes(|p| p.1 >= half);
    pic.finish()
}

/// Moves sorted angles apart to at least `sep`, keeping them within `lo..=hi` and as close to
/// where they were as that allows (a push forward, then a push back from the end).
fn spread<T>(angles: &mut [(f64, T)], sep: f64, lo: f64, hi: f64) {
    let mut floor = lo + sep / 2.0;
    for a in angles.iter_mut() {
        a.0 = a.0.max(floor);
        floor = a.0 + sep;
    }
    let mut ceiling = hi - sep / 2.0;
    for a in angles.iter_mut().rev() {
        a.0 = a.0.min(ceiling);
        ceiling = a.0 - sep;
    }
}

/// What a ring holds, in words, for its label.
fn ring_label(ring: u32, nodes: &[RingNode]) -> String {
    if ring > 1 {
        return if ring == 2 { "their partners".into() } else { format!("ring {ring}: further partners") };
    }
    let has = |role: RingRole| nodes.iter().any(|n| n.ring == 1 && (n.role == role || n.role == RingRole::Both));
    match (has(RingRole::Customer), has(RingRole::Supplier)) {
        (true, true) => "customers and suppliers".into(),
        (true, false) => "customers".into(),
        (false, _) => "suppliers".into(),
    }
}

/// Control points for a curve from `a` to `b` bending sideways: to its right first (so the
/// reverse edge bends the other way), then further, then, for a one-way edge, to the left.
fn side_bends(a: Point, b: Point, two_way: bool) -> Vec<Route> {
    let d = dist(a, b).max(1e-9);
    let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    // The right-hand normal of a→b in screen coordinates (y down).
    let n = (-(b.1 - a.1) / d, (b.0 - a.0) / d);
    let base = (d * 0.15).clamp(20.0, 40.0);
    // A one-way edge may bend either way; a pair keeps to its own sides unless nothing else
    // gets through.
    let mut sides = vec![1.0, 2.0, 3.0, 4.5, 6.0, 8.0, 0.5];
    let left = [-1.0, -2.0, -3.0, -4.5, -6.0, -8.0];
    if two_way {
        sides.extend(left.iter().map(|k| k - 0.5));
    } else {
        sides.splice(1..1, left.iter().take(1).copied());
        sides.extend(left.iter().skip(1));
    }
    sides.into_iter().map(|k| vec![((mid.0 + n.0 * base * k, mid.1 + n.1 * base * k), b)]).collect()
}

/// A route between neighbouring rings that runs out from the inner team, along the middle of
/// the empty band between the rings, and in to the outer team: it passes no team however far
/// apart the two sit. The two directions of a pair take either side of the band's middle.
fn around(centre: Point, a: Point, b: Point, two_way: bool) -> Route {
    let polar = |p: Point| ((p.1 - centre.1).atan2(p.0 - centre.0), dist(p, centre));
    let ((aa, ra), (ab, rb)) = (polar(a), polar(b));
    let outward = rb > ra;
    let (inner, outer) = if outward { (aa, ab) } else { (ab, aa) };
    let (ri, ro) = if outward { (ra, rb) } else { (rb, ra) };
    let lane = if two_way {
        if outward {
            -10.0
        } else {
            10.0
        }
    } else {
        0.0
    };
    let rm = (ri + ro) / 2.0 + lane;
    let point = |angle: f64, r: f64| (centre.0 + r * angle.cos(), centre.1 + r * angle.sin());
    // The shorter way round, in pieces of at most 30 degrees, each a quadratic close to the arc.
    let sweep = (outer - inner + PI).rem_euclid(2.0 * PI) - PI;
    let turn = 0.15_f64.copysign(sweep).clamp(-sweep.abs(), sweep.abs());
    let (from, to) = (inner + turn, outer - turn);
    let pieces = ((to - from).abs() / (PI / 6.0)).ceil().max(1.0);
    let step = (to - from) / pieces;
    let mut route: Route = vec![(point(inner, rm), point(from, rm))];
    for i in 0..pieces as usize {
        let a0 = from + step * i as f64;
        let mid = a0 + step / 2.0;
        route.push((point(mid, rm / (step / 2.0).cos()), point(a0 + step, rm)));
    }
    route.push((point(outer, rm), point(outer, ro)));
    if outward {
        // The route was built inner to outer; its last point is the outer centre's place.
        if let Some(l) = route.last_mut() {
            l.1 = b;
        }
        route
    } else {
        // Reverse the pieces: each control stays, each end becomes the previous start.
        let mut starts = vec![point(inner, ri)];
        starts.extend(route.iter().map(|&(_, to)| to));
        let mut back: Route = route.iter().enumerate().rev().map(|(i, &(q, _))| (q, starts[i])).collect();
        if let Some(l) = back.last_mut() {
            l.1 = b;
        }
        back
    }
}

/// The organisation map: every team on one circle, ordered so that partners sit near each other,
/// and every edge a curve bowing into the circle, clear of the teams between its ends.
pub fn organisation_svg(teams: &[(String, String)], edges: &[Edge]) -> String {
    let order = map_order(teams, edges);
    let n = order.len().max(1) as f64;
    let r = (n * 56.0 / (2.0 * PI)).max(170.0);
    let half = r + 50.0;
    let mut pic = Picture::new("map", 2.0 * half, "Every team and who serves whom");
    for (i, (key, name)) in order.iter().enumerate() {
        let a = -PI / 2.0 + 2.0 * PI * i as f64 / n;
        pic.nodes.push(Placed { key, name, class: "partner", at: (half + r * a.cos(), half + r * a.sin()), r: NODE_R });
    }
    let centre = (half, half);
    let shown: Vec<&Edge> = edges.iter().collect();
    pic.edges(&shown, |a, b, two_way| {
        // Pulled towards the centre: the deeper the bow, the further from the rim's teams. The two
        // directions of a pair take different depths, so they part.
        let mid = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        let depths: &[f64] = if two_way { &[0.3, 0.55, 0.8] } else { &[0.45, 0.65, 0.85, 0.25] };
        let reverse = a.0 > b.0 || (a.0 == b.0 && a.1 > b.1);
        depths
            .iter()
            .map(|&t| {
                let t = if two_way && reverse { (t + 0.2).min(0.95) } else { t };
                vec![((mid.0 + (centre.0 - mid.0) * t, mid.1 + (centre.1 - mid.1) * t), b)]
            })
            .chain(side_bends(a, b, two_way))
            .collect()
    });
    pic.draw_nodes(|p| p.1 >= half);
    pic.finish()
}

/// Teams in map order: start from the team with most partners, then repeatedly the team with
/// most partners among those already placed (ties: most partners overall, then key), so
/// partners end up side by side and curves stay short.
fn map_order<'a>(teams: &'a [(String, String)], edges: &[Edge]) -> Vec<(&'a str, &'a str)> {
    let mut partners: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in edges {
        partners.entry(&e.supplier_key).or_default().insert(&e.customer_key);
        partners.entry(&e.customer_key).or_default().insert(&e.supplier_key);
    }
    let degree = |k: &str| partners.get(k).map_or(0, BTreeSet::len);
    let mut left: Vec<(&str, &str)> = teams.iter().map(|(k, n)| (k.as_str(), n.as_str())).collect();
    let mut placed: Vec<(&str, &str)> = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let score = |k: &str| {
            let linked = placed.iter().filter(|(p, _)| partners.get(k).is_some_and(|s| s.contains(p))).count();
            (linked, degree(k))
        };
        let best = (0..left.len())
            .max_by(|&a, &b| score(left[a].0).cmp(&score(left[b].0)).then_with(|| left[b].0.cmp(left[a].0)))
            .unwrap_or(0);
        placed.push(left.remove(best));
    }
    placed
}

#[cfg(test)]
mod svg_tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// What a test reads back from a picture.
    struct Read {
        nodes: Vec<(String, Point, f64)>,
        /// Each curve's quadratic pieces: start, control, end.
        curves: Vec<Vec<(Point, Point, Point)>>,
        /// Visible labels (keys and ring labels) as boxes: left, top, right, bottom.
        labels: Vec<(String, [f64; 4])>,
    }

    fn attr(tag: &str, name: &str) -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        Some(tag[start..].split('"').next()?.to_owned())
    }

    fn num(tag: &str, name: &str) -> f64 {
        attr(tag, name).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{name} in {tag}"))
    }

    /// Reads positions from the SVG text itself, as a browser would place them.
    fn read(svg: &str) -> Read {
        let mut r = Read { nodes: Vec::new(), curves: Vec::new(), labels: Vec::new() };
        let mut key = String::new();
        for piece in svg.split('<').skip(1) {
            let tag = piece.split('>').next().unwrap_or("");
            if let Some(href) = attr(tag, "href").filter(|h| h.starts_with("/teams/")) {
                key = href.trim_start_matches("/teams/").trim_end_matches("/network").to_owned();
            }
            if tag.starts_with("circle class=\"dot\"") {
                r.nodes.push((key.clone(), (num(tag, "cx"), num(tag, "cy")), num(tag, "r")));
            }
            if tag.starts_with("path class=\"edge\"") {
                let d = attr(tag, "d").unwrap();
                let v: Vec<f64> = d.replace(['M', 'Q'], " ").split_whitespace().map(|x| x.parse().unwrap()).collect();
                let pieces = v[2..].chunks(4).scan((v[0], v[1]), |from, c| {
                    let piece = (*from, (c[0], c[1]), (c[2], c[3]));
                    *from = (c[2], c[3]);
                    Some(piece)
                });
                r.curves.push(pieces.collect());
            }
            let is_key = tag.starts_with("text class=\"key\"");
            if is_key || tag.starts_with("text class=\"ring-label\"") {
                let text = piece.split('>').nth(1).unwrap_or("").to_owned();
                let size = num(tag, "font-size");
                let w = text_width(&text.replace("&amp;", "&"), size, is_key);
                let (x, y) = (num(tag, "x"), num(tag, "y"));
                r.labels.push((text, [x - w / 2.0, y - size * 0.8, x + w / 2.0, y + size * 0.2]));
            }
        }
        r
    }

    /// No curve passes through a team it does not join, and no two labels overlap.
    fn assert_legible(svg: &str, what: &str) {
        let pic = read(svg);
        assert!(!pic.nodes.is_empty(), "{what}: nodes read back");
        for (i, pieces) in pic.curves.iter().enumerate() {
            let (a, b) = (pieces[0].0, pieces[pieces.len() - 1].2);
            let ends: Vec<&str> = pic
                .nodes
                .iter()
                .filter(|(_, at, r)| dist(*at, a) <= r + 2.0 || dist(*at, b) <= r + 3.0)
                .map(|(k, _, _)| k.as_str())
                .collect();
            assert_eq!(ends.len(), 2, "{what}: curve {i} starts and ends on a team");
            for &(from, q, to) in pieces {
                for t in 1..100 {
                    let p = on_curve(from, q, to, f64::from(t) / 100.0);
                    for (k, at, r) in &pic.nodes {
                        if !ends.contains(&k.as_str()) {
                            assert!(dist(p, *at) > *r, "{what}: curve {i} ({ends:?}) crosses {k}");
                        }
                    }
                }
            }
        }
        for (i, (ta, a)) in pic.labels.iter().enumerate() {
            for (tb, b) in &pic.labels[i + 1..] {
                let apart = a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];
                assert!(apart, "{what}: labels {ta:?} and {tb:?} overlap");
            }
        }
    }

    fn edge(s: &str, c: &str, requests: i64) -> Edge {
        let mut e = Edge::between((s, &format!("Team {s}")), (c, &format!("Team {c}")));
        e.requests = requests;
        e
    }

    /// A seeded organisation: `teams` teams, each customer of a few of the first ten (service
    /// teams), some served back, as in a real company where a few teams serve everyone.
    fn organisation(teams: usize, seed: u64) -> (Vec<(String, String)>, Vec<Edge>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let keys: Vec<String> = (0..teams).map(|i| format!("T{i:02}")).collect();
        let mut edges = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, k) in keys.iter().enumerate() {
            for _ in 0..rng.random_range(1..4) {
                let s = rng.random_range(0..10.min(teams));
                if s != i && seen.insert((s, i)) {
                    edges.push(edge(&keys[s], k, rng.random_range(1..40)));
                    if rng.random_bool(0.25) && seen.insert((i, s)) {
                        edges.push(edge(k, &keys[s], rng.random_range(1..10)));
                    }
                }
            }
        }
        (keys.iter().map(|k| (k.clone(), format!("Team {k}"))).collect(), edges)
    }

    #[test]
    fn team_networks_are_legible_at_every_depth() {
        for (teams, seed) in [(14, 1), (25, 2), (45, 3)] {
            let (all, edges) = organisation(teams, seed);
            for (centre, _) in all.iter().take(12) {
                for depth in 1..=3 {
                    let nodes = crate::network::rings(centre, &edges, depth);
                    let svg = circles_svg(centre, "Centre", &nodes, &edges);
                    assert_legible(&svg, &format!("{teams} teams, {centre} at {depth} rings"));
                }
            }
        }
    }

    #[test]
    fn the_organisation_map_is_legible_at_forty_teams_and_more() {
        for (teams, seed) in [(14, 4), (42, 5), (60, 6)] {
            let (all, edges) = organisation(teams, seed);
            let svg = organisation_svg(&all, &edges);
            assert_legible(&svg, &format!("map of {teams}"));
            assert_eq!(svg.matches("class=\"dot\"").count(), teams);
        }
    }

    #[test]
    fn two_way_flows_are_two_curves_bending_apart_with_arrowheads() {
        let edges = [edge("HR", "IT", 5), edge("IT", "HR", 20)];
        let nodes = crate::network::rings("IT", &edges, 1);
        let svg = circles_svg("IT", "IT Services", &nodes, &edges);
        let pic = read(&svg);
        assert_eq!(pic.curves.len(), 2);
        let (a, b) = (pic.curves[0][0], pic.curves[1][0]);
        assert!(dist(a.1, b.1) >= 40.0, "control points apart: {a:?} {b:?}");
        assert_eq!(svg.matches("marker-end=").count(), 2, "each has its arrowhead");
        assert!(svg.contains("aria-label=\"IT Services serves Team HR\"") || svg.contains("serves Team HR"));
        assert!(svg.contains(">customers and suppliers</text>"), "the ring says what it holds");
    }

    #[test]
    fn health_is_told_by_line_style_as_well_as_colour() {
        let dashes: BTreeSet<&str> = BANDS.iter().map(|b| b.dash).collect();
        assert_eq!(dashes.len(), BANDS.len(), "every band has its own line style");
        let legend = health_legend();
        for b in &BANDS {
            assert!(legend.contains(b.words) && legend.contains(b.colour));
        }
    }

    #[test]
    fn forty_nodes_on_a_ring_and_long_keys_stay_apart_and_the_picture_is_stable() {
        let mut nodes: Vec<RingNode> = (0..40)
            .map(|i| RingNode { key: format!("T{i:02}"), name: format!("Team {i}"), ring: 1, role: RingRole::Customer })
            .collect();
        nodes[3].key = "FACILITIES".into();
        let svg = circles_svg("IT", "IT <Services>", &nodes, &[]);
        assert_eq!(svg, circles_svg("IT", "IT <Services>", &nodes, &[]), "deterministic");
        assert!(svg.contains("IT &lt;Services&gt;"), "names are escaped");
        assert_legible(&svg, "forty on one ring");
        let pic = read(&svg);
        for (i, (_, a, r)) in pic.nodes.iter().enumerate() {
            for (_, b, _) in &pic.nodes[i + 1..] {
                assert!(dist(*a, *b) > 2.0 * r + 8.0, "nodes apart");
            }
        }
    }
}
