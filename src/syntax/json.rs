//! The JSON front-end: HuJSON text (JSON with comments and trailing commas) → spanned tree.
//!
//! Invariant: accepts exactly JSON plus `//` and `/* */` comments and trailing commas (tier reads
//! HuJSON), after an optional byte order mark; numbers keep their source text; nesting is
//! bounded (512 levels) so nothing downstream can overflow the stack. A syntax error yields one
//! `json-syntax` diagnostic and no tree.

use crate::diag::Diagnostic;
use crate::source::Span;
use crate::syntax::tree::{Member, Node, Value};
use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};

/// Parse the JSON form into a spanned tree.
pub fn parse(text: &str) -> Result<Node, Diagnostic> {
    let options = ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    // A leading byte order mark is ignored (RFC 8259 allows it); blanking it keeps every span.
    let unmarked;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => {
            unmarked = format!("   {rest}");
            unmarked.as_str()
        }
        None => text,
    };
    match jsonc_parser::parse_to_ast(text, &collect, &options) {
        Ok(result) => match result.value {
            Some(value) => Ok(lower(value)),
            None => Err(Diagnostic::error(
                "json-syntax",
                Span::new(0, text.len()),
                "the document is empty",
            )
            .with_help("a pricing document is a JSON object such as `{ \"plans\": {} }`")),
        },
        Err(err) => {
            let range = err.range();
            let message = err.kind().to_string();
            let message = lower_first(&message);
            Err(
                Diagnostic::error("json-syntax", Span::new(range.start, range.end), message)
                    .with_help("the JSON form is JSON with comments and trailing commas allowed"),
            )
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn span(range: jsonc_parser::common::Range) -> Span {
    Span::new(range.start, range.end)
}

fn lower(value: ast::Value<'_>) -> Node {
    match value {
        ast::Value::NullKeyword(n) => Node::new(span(n.range), Value::Null),
        ast::Value::BooleanLit(b) => Node::new(span(b.range), Value::Bool(b.value)),
        ast::Value::NumberLit(n) => Node::new(span(n.range), Value::Number(n.value.to_string())),
        ast::Value::StringLit(s) => Node::new(span(s.range), Value::String(s.value.into_owned())),
        ast::Value::Array(a) => Node::new(
            span(a.range),
            Value::Array(a.elements.into_iter().map(lower).collect()),
        ),
        ast::Value::Object(o) => {
            let members = o
                .properties
                .into_iter()
                .map(|p| {
                    let (key, key_span) = match p.name {
                        ast::ObjectPropName::String(s) => (s.value.into_owned(), span(s.range)),
                        ast::ObjectPropName::Word(w) => (w.value.to_string(), span(w.range)),
                    };
                    Member {
                        key,
                        key_span,
                        value: lower(p.value),
                    }
                })
                .collect();
            Node::new(span(o.range), Value::Object(members))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_number_text_spans_and_duplicates() {
        let text = "{ // c\n \"a\": 1.50e2, \"a\": [true, null,], }";
        let node = parse(text).unwrap();
        let members = node.members().unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].value.value, Value::Number("1.50e2".into()));
        assert_eq!(
            &text[members[0].value.span.start..members[0].value.span.end],
            "1.50e2"
        );
        assert_eq!(
            &text[members[1].key_span.start..members[1].key_span.end],
            "\"a\""
        );
    }

    #[test]
    fn ignores_a_byte_order_mark_and_keeps_spans() {
        let text = "\u{feff}{\"a\": 1}";
        let node = parse(text).unwrap();
        let member = &node.members().unwrap()[0];
        assert_eq!(&text[member.key_span.start..member.key_span.end], "\"a\"");
    }

    #[test]
    fn rejects_json5_extras() {
        for bad in [
            "{a: 1}",
            "{\"a\": 'x'}",
            "{\"a\": 0x1}",
            "{\"a\": .5}",
            "{\"a\": NaN}",
            "",
        ] {
            assert_eq!(parse(bad).unwrap_err().code, "json-syntax", "{bad}");
        }
    }
}
