//! The network pictures, drawn on the server as SVG: a team's concentric circles of partners and
//! the organisation map.

use std::collections::BTreeMap;

use crate::network::{Edge, RingNode, RingRole};
use crate::relationship::RelationshipStatus;

/// The concentric-circles picture of a team: the centre, its rings of partners, and the edges
/// between them coloured by health and thickened by traffic. Drawn on the server with a fixed
/// layout: each ring's radius grows with its node count so up to 40 nodes per ring never overlap;
/// nodes sit at even angles in the order [`rings`] gives. Every node and edge is a link.
pub fn circles_svg(centre: &str, centre_name: &str, nodes: &[RingNode], edges: &[Edge]) -> String {
    use std::f64::consts::PI;
    use std::fmt::Write;

    const NODE_R: f64 = 17.0;
    const SPACING: f64 = 46.0; // centre-to-centre along a ring, room for a node and its gap
    let depth = nodes.iter().map(|n| n.ring).max().unwrap_or(0);
    let mut radii = Vec::new();
    let mut last = 0.0_f64;
    for ring in 1..=depth {
        let count = nodes.iter().filter(|n| n.ring == ring).count() as f64;
        let r = (count * SPACING / (2.0 * PI)).max(last + if ring == 1 { 150.0 } else { 120.0 });
        radii.push(r);
        last = r;
    }
    let half = last + 70.0;
    let size = 2.0 * half;
    let mut pos: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    pos.insert(centre, (half, half));
    for ring in 1..=depth {
        let on: Vec<&RingNode> = nodes.iter().filter(|n| n.ring == ring).collect();
        let r = radii[ring as usize - 1];
        // Odd rings start at the top; even rings half a step round, so spokes do not line up.
        let offset = if ring % 2 == 0 { PI / on.len().max(1) as f64 } else { 0.0 };
        for (i, n) in on.iter().enumerate() {
            let a = -PI / 2.0 + offset + 2.0 * PI * i as f64 / on.len() as f64;
            pos.insert(&n.key, (half + r * a.cos(), half + r * a.sin()));
        }
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size:.0} {size:.0}" class="circles" role="group" aria-labelledby="nw-title"><title id="nw-title">{} and the teams around it: customers, suppliers and their partners</title>"#,
        esc(centre_name)
    );
    for r in &radii {
        let _ = write!(
            svg,
            r##"<circle cx="{half:.1}" cy="{half:.1}" r="{r:.1}" fill="none" stroke="#d9dee7" stroke-dasharray="4 5"/>"##
        );
    }
    // Edges run outwards only (centre to ring 1, ring k to ring k + 1): edges within a ring would
    // cross the picture and hide the structure; the table lists every edge.
    let ring_of = |k: &str| if k == centre { Some(0) } else { nodes.iter().find(|n| n.key == k).map(|n| n.ring) };
    for e in edges {
        let (Some(ra), Some(rb)) = (ring_of(&e.supplier_key), ring_of(&e.customer_key)) else { continue };
        if ra.abs_diff(rb) != 1 {
            continue;
        }
        let (Some(a), Some(b)) = (pos.get(e.supplier_key.as_str()), pos.get(e.customer_key.as_str())) else { continue };
        svg_edge(&mut svg, e, *a, *b);
    }
    svg_node(&mut svg, centre, centre_name, "centre", pos[centre], NODE_R * 1.6);
    for n in nodes {
        let class = match n.role {
            RingRole::Customer => "customer",
            RingRole::Supplier => "supplier",
            RingRole::Both => "both",
            RingRole::Partner => "partner",
        };
        svg_node(&mut svg, &n.key, &n.name, class, pos[n.key.as_str()], NODE_R);
    }
    svg.push_str("</svg>");
    svg
}

/// Text for SVG: markup characters escaped.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// An edge as a line linking to its page: coloured by health, thicker with traffic, dashed
/// unless agreed.
fn svg_edge(svg: &mut String, e: &Edge, a: (f64, f64), b: (f64, f64)) {
    use std::fmt::Write;
    let width = (1.5 + (e.requests as f64 + 1.0).ln() * 1.2).min(8.0);
    let dash = if e.status == Some(RelationshipStatus::Active) { "" } else { r#" stroke-dasharray="6 4""# };
    let _ = write!(
        svg,
        r#"<a href="/network/{s}/{c}"><line class="edge {band}" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke-width="{width:.1}"{dash}><title>{sn} serves {cn}: {} requests, {}{}</title></line></a>"#,
        a.0,
        a.1,
        b.0,
        b.1,
        e.requests,
        e.health.label(),
        if e.undeclared() { ", undeclared" } else { "" },
        s = esc(&e.supplier_key),
        c = esc(&e.customer_key),
        band = e.health.band(),
        sn = esc(&e.supplier_name),
        cn = esc(&e.customer_name),
    );
}

/// A team as a labelled circle linking to its network.
fn svg_node(svg: &mut String, key: &str, name: &str, class: &str, (x, y): (f64, f64), r: f64) {
    use std::fmt::Write;
    let _ = write!(
        svg,
        r#"<a href="/teams/{k}/network"><g class="node {class}"><circle cx="{x:.1}" cy="{y:.1}" r="{r:.1}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="{}">{k}</text><title>{n}</title></g></a>"#,
        y + 4.0,
        if r > 20.0 { 13 } else { 10 },
        k = esc(key),
        n = esc(name),
    );
}

/// The organisation map: every team on one circle, every edge a chord coloured by health.
pub fn organisation_svg(teams: &[(String, String)], edges: &[Edge]) -> String {
    use std::f64::consts::PI;
    use std::fmt::Write;

    let n = teams.len().max(1) as f64;
    let r = (n * 52.0 / (2.0 * PI)).max(160.0);
    let half = r + 60.0;
    let pos: BTreeMap<&str, (f64, f64)> = teams
        .iter()
        .enumerate()
        .map(|(i, (k, _))| {
            let a = -PI / 2.0 + 2.0 * PI * i as f64 / n;
            (k.as_str(), (half + r * a.cos(), half + r * a.sin()))
        })
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {s:.0} {s:.0}" class="circles" role="group" aria-label="Every team and who serves whom">"#,
        s = 2.0 * half
    );
    for e in edges {
        let (Some(a), Some(b)) = (pos.get(e.supplier_key.as_str()), pos.get(e.customer_key.as_str())) else { continue };
        svg_edge(&mut svg, e, *a, *b);
    }
    for (key, name) in teams {
        svg_node(&mut svg, key, name, "partner", pos[key.as_str()], 18.0);
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod svg_tests {
    use super::*;

    #[test]
    fn forty_nodes_on_a_ring_do_not_overlap_and_the_picture_is_stable() {
        let nodes: Vec<RingNode> = (0..40)
            .map(|i| RingNode { key: format!("T{i:02}"), name: format!("Team {i}"), ring: 1, role: RingRole::Customer })
            .collect();
        let svg = circles_svg("IT", "IT <Services>", &nodes, &[]);
        assert_eq!(svg, circles_svg("IT", "IT <Services>", &nodes, &[]), "deterministic");
        assert!(svg.contains("IT &lt;Services&gt;"), "names are escaped");
        // Neighbours on the ring sit at least two node diameters apart.
        let r = 40.0 * 46.0 / (2.0 * std::f64::consts::PI);
        let gap = 2.0 * r * (std::f64::consts::PI / 40.0).sin();
        assert!(gap > 2.0 * 17.0 + 8.0, "gap {gap}");
        assert_eq!(svg.matches("class=\"node customer\"").count(), 40);
    }
}
