//! The pricing page as Markdown for a README or docs site: the same content as the HTML page,
//! tables instead of curves.
//!
//! Invariant: document text is escaped so that no title can open markup, a link or raw HTML,
//! or break a table row.

use super::page::{Card, FeatureDoc, Page, TierTable};

/// Escape text for Markdown (inline and inside table cells).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '{' | '}' | '#' | '|' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

pub fn render(page: &Page) -> String {
    let mut s = String::from("# Pricing\n");
    if page.cards.is_empty() {
        s.push_str("\nNo plans.\n");
    }
    for card in &page.cards {
        s.push('\n');
        s.push_str(&render_card(card));
    }
    s
}

fn render_card(c: &Card) -> String {
    let mut s = format!("## {}\n\n", escape(&c.title));
    s.push_str(&format!("**{}** / {}", escape(&c.fee), c.period));
    if !c.fee_note.is_empty() {
        s.push_str(&format!(", {}", escape(&c.fee_note)));
    }
    s.push_str(&format!(
        "  \nPrices in {} · plan `{}`\n",
        escape(&c.currency_label()),
        c.id
    ));
    for f in &c.features {
        s.push('\n');
        s.push_str(&render_feature(f));
    }
    if !c.addons.is_empty() {
        s.push_str("\n#### Add-ons\n\n| Add-on | Price | Gives |\n|---|---|---|\n");
        for row in &c.addons {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                escape(&row.title),
                escape(&row.price),
                escape(&row.gives)
            ));
        }
    }
    if !c.recharge.is_empty() {
        s.push_str("\n#### Auto-recharge\n\n");
        for line in &c.recharge {
            s.push_str(&format!("- {}\n", escape(line)));
        }
    }
    s
}

fn render_feature(f: &FeatureDoc) -> String {
    let mut s = format!("### {}\n\n", escape(&f.title));
    for line in &f.lines {
        s.push_str(&format!("- {}\n", escape(line)));
    }
    if let Some(t) = &f.table {
        if !f.lines.is_empty() {
            s.push('\n');
        }
        s.push_str(&render_table(t));
    }
    s
}

fn render_table(t: &TierTable) -> String {
    let mut s = String::new();
    if !t.caption.is_empty() {
        s.push_str(&format!("{}:\n\n", escape(&t.caption)));
    }
    s.push_str(&format!(
        "| {} |\n|{}\n",
        t.headers
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | "),
        "---|".repeat(t.headers.len())
    ));
    for row in &t.rows {
        s.push_str(&format!(
            "| {} |\n",
            row.iter()
                .map(|c| escape(c))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
    s
}
