//! The checker: spanned tree → checked IR, collecting every diagnostic.

use crate::diag::Diagnostic;
use crate::ir;
use crate::syntax::tree::Node;

/// What checking a document gives.
#[derive(Debug, Default)]
pub struct Checked {
    /// Present only when there are no errors.
    pub document: Option<ir::Document>,
    /// Errors and warnings in source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Check a whole document.
pub fn check(tree: &Node) -> Checked {
    Checked {
        document: None,
        diagnostics: vec![Diagnostic::error(
            "not-built",
            tree.span,
            "the checker is not built yet",
        )],
    }
}
