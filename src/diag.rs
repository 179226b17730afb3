//! Diagnostics: every problem found in a pricing document.
//!
//! Invariant: each diagnostic has a stable kebab-case `code`, a one-line lower-case `message`
//! (no trailing period, user input in backticks), the exact `span` of the offending text and an
//! RFC 6901 `pointer` into the JSON form of the document. Front-ends and the checker *collect*
//! diagnostics; they never stop at the first one.

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `tier-order`; doubles as SARIF `ruleId` and GitHub annotation title.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// RFC 6901 pointer into the JSON form (for the text form: as `convert --to json` writes it).
    pub pointer: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            pointer: String::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_pointer(mut self, pointer: impl Into<String>) -> Self {
        self.pointer = pointer.into();
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Escape one reference token of an RFC 6901 JSON pointer.
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Append a token to a JSON pointer.
pub fn pointer_push(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", pointer_token(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_push("/plans", "a/b~c"), "/plans/a~1b~0c");
    }
}
