//! The checking context: collected diagnostics and the typed readers every pass shares.
//!
//! Invariant: semantic problems go to `diagnostics`; structural ones (a wrong type, an unknown
//! key, a missing key, a value outside an enum) go to `structural`, because the JSON Schema
//! reports those too and the checker keeps one report per location (see [`super::merge`]).

use super::numbers::{self, NumberError};
use super::suggest;
use crate::diag::{pointer_push, Diagnostic};
use crate::source::Span;
use crate::syntax::tree::{Member, Node, Value};
use rust_decimal::Decimal;

/// Where a value is: its span and its JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    pub span: Span,
    pub ptr: String,
}

impl Loc {
    pub fn new(span: Span, ptr: impl Into<String>) -> Self {
        Loc {
            span,
            ptr: ptr.into(),
        }
    }
}

/// A value read from the document, with where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field<T> {
    pub value: T,
    pub loc: Loc,
}

/// The lower bound a decimal field has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Min {
    /// `≥ 0`
    Zero,
    /// `> 0`
    Positive,
}

#[derive(Debug, Default)]
pub struct Ctx {
    pub diagnostics: Vec<Diagnostic>,
    pub structural: Vec<Diagnostic>,
}

/// A fixed-field object (not a map) being read.
pub struct Obj<'a> {
    pub node: &'a Node,
    pub ptr: String,
    /// Whether the object has a key the format does not define (so it may mean something else).
    pub has_unknown: bool,
    members: &'a [Member],
}

impl<'a> Obj<'a> {
    /// The first non-null member named `key`, with its pointer.
    pub fn get(&self, key: &str) -> Option<(&'a Node, String)> {
        self.members
            .iter()
            .find(|m| m.key == key && m.value.value != Value::Null)
            .map(|m| (&m.value, pointer_push(&self.ptr, key)))
    }

    /// Whether a non-null member named `key` is present.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn loc(&self) -> Loc {
        Loc::new(self.node.span, self.ptr.clone())
    }
}

impl Ctx {
    pub fn error(
        &mut self,
        code: &'static str,
        loc: &Loc,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::error(code, loc.span, message).with_pointer(loc.ptr.clone()))
    }

    pub fn warning(
        &mut self,
        code: &'static str,
        loc: &Loc,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.push(Diagnostic::warning(code, loc.span, message).with_pointer(loc.ptr.clone()))
    }

    fn push(&mut self, diag: Diagnostic) -> &mut Diagnostic {
        let i = self.diagnostics.len();
        self.diagnostics.push(diag);
        &mut self.diagnostics[i]
    }

    /// A structural problem the schema also reports (kept only if the schema does not).
    pub fn structural(&mut self, diag: Diagnostic) {
        self.structural.push(diag);
    }

    pub fn wrong_type(&mut self, node: &Node, ptr: &str, expected: &str) {
        let diag = Diagnostic::error(
            "wrong-type",
            node.span,
            format!("expected {expected}, found {}", article(node.type_name())),
        )
        .with_pointer(ptr);
        self.structural(super::schema::with_description(diag, ptr));
    }

    /// Read a fixed-field object: unknown keys are reported (with a hint), `null` members are
    /// absent with a warning.
    pub fn object<'a>(
        &mut self,
        node: &'a Node,
        ptr: &str,
        known: &[&str],
        what: &str,
    ) -> Option<Obj<'a>> {
        let Some(members) = node.members() else {
            self.wrong_type(node, ptr, &format!("an object ({what})"));
            return None;
        };
        let mut has_unknown = false;
        for m in members {
            let member_ptr = pointer_push(ptr, &m.key);
            if !known.contains(&m.key.as_str()) {
                has_unknown = true;
                self.structural(unknown_key(&m.key, m.key_span, &member_ptr, known, what));
            } else if m.value.value == Value::Null {
                self.warning(
                    "null-as-absent",
                    &Loc::new(m.value.span, member_ptr),
                    format!("`{}` is null and is treated as absent", m.key),
                )
                .help = Some(format!("remove `{}` to use its default", m.key));
            }
        }
        Some(Obj {
            node,
            ptr: ptr.to_string(),
            has_unknown,
            members,
        })
    }

    /// Members of a map (`plans`, `features`, `addons`, `cost`), in document order.
    pub fn map<'a>(&mut self, node: &'a Node, ptr: &str, what: &str) -> &'a [Member] {
        match node.members() {
            Some(m) => m,
            None => {
                self.wrong_type(node, ptr, &format!("an object ({what})"));
                &[]
            }
        }
    }

    pub fn array<'a>(&mut self, node: &'a Node, ptr: &str, what: &str) -> Option<&'a [Node]> {
        let items = node.items();
        if items.is_none() {
            self.wrong_type(node, ptr, &format!("an array ({what})"));
        }
        items
    }

    pub fn string<'a>(&mut self, node: &'a Node, ptr: &str) -> Option<&'a str> {
        let s = node.as_str();
        if s.is_none() {
            self.wrong_type(node, ptr, "a string");
        }
        s
    }

    pub fn boolean(&mut self, node: &Node, ptr: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, ptr, "`true` or `false`");
                None
            }
        }
    }

    /// A string that must be one of `options`.
    pub fn choice<T: Copy>(
        &mut self,
        node: &Node,
        ptr: &str,
        field: &str,
        options: &[(&str, T)],
    ) -> Option<T> {
        let s = self.string(node, ptr)?;
        if let Some((_, v)) = options.iter().find(|(name, _)| *name == s) {
            return Some(*v);
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        self.structural(unknown_value(field, s, node.span, ptr, &names));
        None
    }

    /// An exact decimal with a lower bound.
    pub fn decimal(&mut self, node: &Node, ptr: &str, field: &str, min: Min) -> Option<Decimal> {
        let value = self.number(node, ptr, field)?;
        let (ok, bound, help) = match min {
            Min::Zero => (
                value >= Decimal::ZERO,
                "at least 0",
                "prices and amounts are never negative",
            ),
            Min::Positive => (
                value > Decimal::ZERO,
                "greater than 0",
                "a zero or negative amount means nothing here; remove the entry instead",
            ),
        };
        if !ok {
            self.error(
                "number-range",
                &Loc::new(node.span, ptr),
                format!("`{field}` must be {bound}, found {value}"),
            )
            .help = Some(help.to_string());
            return None;
        }
        Some(value)
    }

    /// A whole number in `1..=max`.
    pub fn integer(&mut self, node: &Node, ptr: &str, field: &str, max: u64) -> Option<u64> {
        let value = self.number(node, ptr, field)?;
        let loc = Loc::new(node.span, ptr);
        if !value.fract().is_zero() {
            self.error(
                "number-integer",
                &loc,
                format!("`{field}` must be a whole number, found {value}"),
            )
            .help = Some(format!("`{field}` counts whole units or periods"));
            return None;
        }
        if let Some(n) = u64::try_from(value).ok().filter(|n| (1..=max).contains(n)) {
            return Some(n);
        }
        let bound = if value < Decimal::ONE {
            "at least 1".to_string()
        } else {
            format!("at most {max}")
        };
        self.error(
            "number-range",
            &loc,
            format!("`{field}` must be {bound}, found {value}"),
        )
        .help = Some(format!("`{field}` takes a whole number from 1 to {max}"));
        None
    }

    /// Any number, read exactly.
    fn number(&mut self, node: &Node, ptr: &str, field: &str) -> Option<Decimal> {
        let Value::Number(text) = &node.value else {
            self.wrong_type(node, ptr, "a number");
            return None;
        };
        let loc = Loc::new(node.span, ptr);
        match numbers::parse(text) {
            Ok(d) => Some(d),
            Err(NumberError::Places(n)) => {
                self.error(
                    "number-precision",
                    &loc,
                    format!(
                        "`{field}` has {n} decimal places; at most {} are allowed",
                        numbers::MAX_PLACES
                    ),
                )
                .help = Some("amounts are in minor units (cents for usd)".to_string());
                None
            }
            Err(NumberError::Digits(n)) => {
                self.error(
                    "number-digits",
                    &loc,
                    format!(
                        "`{field}` has {n} significant digits; at most {} are allowed",
                        numbers::MAX_DIGITS
                    ),
                )
                .help = Some("numbers are held exactly; this one is too large".to_string());
                None
            }
            Err(NumberError::Syntax) => {
                self.error("number-syntax", &loc, format!("`{text}` is not a number"));
                None
            }
        }
    }
}

/// "a string", "an object".
pub fn article(type_name: &str) -> String {
    match type_name.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o' | b'u') => format!("an {type_name}"),
        _ => format!("a {type_name}"),
    }
}

/// The `unknown-key` diagnostic, with a "did you mean" when a known key is close.
pub fn unknown_key(key: &str, span: Span, ptr: &str, known: &[&str], what: &str) -> Diagnostic {
    let visible: Vec<&str> = known.iter().copied().filter(|k| *k != "$schema").collect();
    let help = match (suggest::closest(key, &visible), misplaced(key, what)) {
        (Some(s), _) => format!("did you mean `{s}`?"),
        (None, Some(hint)) => hint,
        (None, None) if visible.is_empty() => format!("{what} takes no keys"),
        (None, None) => format!("{what} takes {}", suggest::list(&visible)),
    };
    Diagnostic::error(
        "unknown-key",
        span,
        format!("unknown key `{key}` in {what}"),
    )
    .with_pointer(ptr)
    .with_help(help)
}

/// A hint for a key that is valid somewhere else: an id nested one level too deep (a
/// misplaced closing brace), or a plan field written on a feature (tier's older format).
fn misplaced(key: &str, what: &str) -> Option<String> {
    let hint = if key.starts_with("plan:") {
        "plans go under the document's `plans`; is a closing brace misplaced?".to_string()
    } else if key.starts_with("feature:") {
        "features go under the plan's `features`; is a closing brace misplaced?".to_string()
    } else if key.starts_with("addon:") {
        "add-ons go under the plan's `addons`; is a closing brace misplaced?".to_string()
    } else if what == "a feature" && ["currency", "interval"].contains(&key) {
        format!("`{key}` belongs to the plan, not to a feature")
    } else {
        return None;
    };
    Some(hint)
}

/// The `unknown-value` diagnostic for a string outside an enum.
pub fn unknown_value(
    field: &str,
    value: &str,
    span: Span,
    ptr: &str,
    options: &[&str],
) -> Diagnostic {
    let help = match suggest::closest(value, options) {
        Some(s) => format!("did you mean `{s}`?"),
        None if field == "rollover" => format!(
            "expected {}, or `{{ \"max\": N }}` to carry at most N units",
            options
                .iter()
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => format!("expected {}", suggest::list(options)),
    };
    Diagnostic::error(
        "unknown-value",
        span,
        format!("`{value}` is not a valid `{field}`"),
    )
    .with_pointer(ptr)
    .with_help(help)
}
