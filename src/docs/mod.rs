//! `docs`: a pricing page generated from the checked plans, as Markdown or one self-contained
//! HTML file.
//!
//! Pipeline: [`page::build`] turns the IR into plain-text cards (what each plan says, in words),
//! then [`md`] or [`html`] lays them out; [`curve`] draws each metered feature's price curve
//! from exact values computed by the evaluator's own tier arithmetic ([`crate::price`]). Output
//! is deterministic: the same IR gives the same bytes.

pub mod curve;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod html;
pub mod md;
pub mod page;
pub mod words;

use crate::ir::Document;

/// The page formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Html,
}

/// Render the pricing page of a document.
pub fn render(doc: &Document, format: Format) -> String {
    let page = page::build(doc);
    match format {
        Format::Markdown => md::render(&page),
        Format::Html => html::render(&page),
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures;
    use super::*;

    fn md(doc: &Document) -> String {
        render(doc, Format::Markdown)
    }

    #[test]
    fn grants_read_as_sentences() {
        let gym = md(&fixtures::gym());
        assert!(
            gym.contains("- 0.5 personal training sessions a month, unused sessions carry over\n")
        );
        assert!(gym.contains("- Beyond what is included: $200 per personal training session\n"));
        assert!(gym.contains("**$100** / month, plus usage"));
        let prepaid = md(&fixtures::prepaid());
        assert!(prepaid.contains("- 20 free credits at signup\n"));
        assert!(prepaid.contains("- A report costs 3 credits\n"));
        assert!(prepaid.contains("| 20 credits | $60 | 20 credits, never expire |"));
        assert!(prepaid.contains("falls below 5") || prepaid.contains("fall below 5"));
        assert!(prepaid.contains("Off until you turn it on"));
    }

    #[test]
    fn limits_are_stated() {
        let words = md(&fixtures::word_bucket());
        assert!(words.contains("- Hard limit: 20,000 words a month, raised by add-ons\n"));
        assert!(words.contains("- Hard limit: 5 users\n"));
        assert!(words.contains("- Hard limit: 1,000 API calls a month\n"));
        assert!(words.contains(
            "| 10,000 extra words | $10 | 10,000 words, expire at the end of the billing month |"
        ));
    }

    #[test]
    fn tier_ranges_are_written_for_people() {
        let api = md(&fixtures::api_tiers());
        assert!(api.contains("- $0.10 per 1,000 requests (usage is billed in whole 1,000s"));
        assert!(api.contains("| Tokens a month | Price per 1,000 tokens | Flat fee |"));
        assert!(api.contains("| First 10,000 tokens | $1 | none |"));
        assert!(api.contains("| Next 40,000 (up to 50,000) | $0.80 | none |"));
        assert!(api.contains("| Beyond 50,000 tokens | $0.50 | $5 |"));
        assert!(api.contains("| Up to 5 seats in total | $10 |"));
    }

    #[test]
    fn titles_are_escaped_in_both_formats() {
        let doc = fixtures::api_tiers();
        let html = render(&doc, Format::Html);
        assert!(html.contains("API &lt;b&gt;&amp;&lt;/b&gt; &quot;Pro&quot;"));
        assert!(!html.contains("<b>"));
        let md = md(&doc);
        assert!(md.contains("## API &lt;b&gt;&amp;&lt;/b&gt; \"Pro\""));
        let mut evil = fixtures::gym();
        evil.plans[0].title = "[x](javascript:alert(1)) | *bold*".into();
        let md = render(&evil, Format::Markdown);
        assert!(md.contains("## \\[x\\](javascript:alert(1)) \\| \\*bold\\*"));
    }

    #[test]
    fn html_is_self_contained_and_has_a_curve_per_metered_feature() {
        for doc in [
            fixtures::gym(),
            fixtures::prepaid(),
            fixtures::word_bucket(),
            fixtures::api_tiers(),
        ] {
            let html = render(&doc, Format::Html);
            assert!(!html.contains("<script"));
            assert!(!html.contains(" src="));
            assert!(!html.contains("href="));
            assert_eq!(
                html.matches("http").count(),
                html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
            );
            assert!(html.contains("prefers-color-scheme:dark"));
            let metered: usize = doc
                .plans
                .iter()
                .map(|p| p.features.iter().filter(|f| f.is_metered()).count())
                .sum();
            assert_eq!(html.matches("<svg class=\"curve\"").count(), metered);
            assert_eq!(
                html.matches("<section class=\"plan\"").count(),
                doc.plans.len()
            );
            assert_eq!(html, render(&doc, Format::Html), "deterministic");
        }
    }

    #[test]
    fn an_empty_document_renders_a_page() {
        let doc = Document::default();
        assert!(md(&doc).contains("No plans."));
        assert!(render(&doc, Format::Html).contains("No plans."));
    }
}
