//! Front-ends: source text → spanned document [`tree`].
//!
//! Both forms lower into the same [`tree::Node`]: the JSON form directly, the text form by
//! writing the document that `convert --to json` would write, with spans pointing into the text.
//! Everything after this layer (the checker, the evaluator, docs) never sees syntax.

pub mod json;
pub mod text;
pub mod tree;
