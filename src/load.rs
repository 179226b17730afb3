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
    /// The spanned tree, when the text parsed.
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

/// Parse a source with the front-end of its format, then check it.
pub fn load(source: Source, format: SourceFormat) -> Loaded {
    let parsed = parse(&source, format);
    let (tree, document, diagnostics) = match parsed {
        Ok(tree) => {
            let checked = crate::check::check(&tree);
            (Some(tree), checked.document, checked.diagnostics)
        }
        Err(diagnostics) => (None, None, diagnostics),
    };
    Loaded {
        source,
        format,
        tree,
        document,
        diagnostics,
    }
}

/// Parse only (no checking): the spanned tree, or the syntax errors.
pub fn parse(source: &Source, format: SourceFormat) -> Result<Node, Vec<Diagnostic>> {
    match format {
        SourceFormat::Json => crate::syntax::json::parse(&source.text).map_err(|d| vec![d]),
        SourceFormat::Text => crate::syntax::text::parse(&source.text),
    }
}
