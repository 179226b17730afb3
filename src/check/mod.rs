//! The checker: spanned tree → checked IR, collecting every diagnostic.
//!
//! Invariant: [`check`] never stops at the first problem and never panics; it returns the IR
//! only for a document without errors, and its diagnostics sorted by source position.
//!
//! Passes, in order: duplicate keys over the whole tree; the JSON Schema ([`schema`]) for
//! structure; lowering each plan into drafts with exact numbers ([`lower`]); the semantic rules
//! and the IR ([`rules`]). Structure is reported once per location: the schema's report wins
//! and the lowerer's own structural findings fill in only where the schema said nothing.

mod ctx;
pub mod ids;
mod lower;
pub mod numbers;
mod rules;
pub mod suggest;

use crate::diag::{pointer_push, Diagnostic};
use crate::ir;
use crate::syntax::tree::{Node, Value};
use ctx::Ctx;

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
    let mut cx = Ctx::default();
    duplicate_keys(&mut cx, tree, "");
    let drafts = lower::document(&mut cx, tree);
    let plans: Vec<ir::Plan> = drafts
        .into_iter()
        .filter_map(|d| rules::plan(&mut cx, d))
        .collect();
    let mut diagnostics = merge(Vec::new(), cx.structural, cx.diagnostics);
    diagnostics.sort_by_key(|d| d.span.start);
    let document = if diagnostics.iter().any(Diagnostic::is_error) {
        None
    } else {
        Some(ir::Document { plans })
    };
    Checked {
        document,
        diagnostics,
    }
}

/// One report per location for structure: the schema's, else the lowerer's; then the rest.
fn merge(
    schema: Vec<Diagnostic>,
    structural: Vec<Diagnostic>,
    semantic: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut out = schema;
    for d in structural {
        if !out.iter().any(|s| s.pointer == d.pointer) {
            out.push(d);
        }
    }
    out.extend(semantic);
    out
}

/// `duplicate-key` for every repeated key in every object (tier's decoder keeps the last one).
fn duplicate_keys(cx: &mut Ctx, node: &Node, ptr: &str) {
    match &node.value {
        Value::Object(members) => {
            for (i, m) in members.iter().enumerate() {
                let member_ptr = pointer_push(ptr, &m.key);
                if members[..i].iter().any(|p| p.key == m.key) {
                    cx.error(
                        "duplicate-key",
                        &ctx::Loc::new(m.key_span, member_ptr.clone()),
                        format!("duplicate key `{}`", m.key),
                    )
                    .help =
                        Some("remove one of them; tier would silently keep the last".to_string());
                }
                duplicate_keys(cx, &m.value, &member_ptr);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                duplicate_keys(cx, item, &pointer_push(ptr, &i.to_string()));
            }
        }
        _ => {}
    }
}
