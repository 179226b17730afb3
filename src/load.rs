//! Loading: a source of either form → spanned tree → checked IR, with every diagnostic.

use crate::diag::Diagnostic;
use crate::ir;
use crate::source::{Source, SourceFormat};
use crate::syntax::tree::Node;

/// The outcome of reading and checking one pricing document.
#[derive(Debug)]
pub struct Loaded {
    pub source: Source,
    pub format: SourceFormat,
    /// The spanned tree, when the text parsed (for the text form, without the members whose
    /// value could not be lowered).
    pub tree: Option<Node>,
    /// The checked IR, present only when there are no errors (warnings allowed).
    pub document: Option<ir::Document>,
    /// Every problem found, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parse a source with the front-end of its format, then check whatever tree it gave: the
/// front-end's errors and the checker's diagnostics together, in source order.
pub fn load(source: Source, format: SourceFormat) -> Loaded {
    let (tree, mut diagnostics) = parse(&source, format);
    let mut document = None;
    if let Some(tree) = &tree {
        let checked = crate::check::check(tree);
        if diagnostics.is_empty() {
            document = checked.document;
        }
        let left_out: Vec<&str> = diagnostics.iter().map(|d| d.pointer.as_str()).collect();
        let checker: Vec<Diagnostic> = checked
            .diagnostics
            .into_iter()
            .filter(|d| !left_out.iter().any(|member| follows_from(d, member)))
            .collect();
        diagnostics.extend(checker);
        diagnostics.sort_by_key(|d| d.span.start);
    }
    Loaded {
        source,
        format,
        tree,
        document,
        diagnostics,
    }
}

/// Parse only (no checking): the tree as far as the front-end could build it, and its errors.
/// With a tree, each error names (by pointer) a member the front-end left out of it.
pub fn parse(source: &Source, format: SourceFormat) -> (Option<Node>, Vec<Diagnostic>) {
    match format {
        SourceFormat::Json => match crate::syntax::json::parse(&source.text) {
            Ok(tree) => (Some(tree), Vec::new()),
            Err(d) => (None, vec![d]),
        },
        SourceFormat::Text => crate::syntax::text::parse_partial(&source.text),
    }
}

/// Whether a checker diagnostic only notices the absence of a member the front-end left out
/// (after reporting why): the object's missing required key, a grant without its `every`, a tier
/// without its price reading as free.
fn follows_from(d: &Diagnostic, member: &str) -> bool {
    let Some((object, key)) = member.rsplit_once('/') else {
        return false;
    };
    d.pointer == object
        && match d.code {
            "missing-key" => d.message.ends_with(&format!("`{key}`")),
            "grant-schedule" => key == "every",
            "free-after-priced" => key == "price" || key == "base",
            _ => false,
        }
}
