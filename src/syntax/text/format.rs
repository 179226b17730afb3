//! The formatter behind `fmt`: re-lays a text-form file out canonically, keeping its comments.
//!
//! Invariant: only whitespace changes — every token is written exactly as it was, in the same
//! order, so the formatted file means the same thing — and formatting is idempotent. Layout: one
//! statement a line, two spaces per block level, `{` at the end of its statement's line and `}` on
//! its own, single spaces between words, none before `:` and `,`, a blank line between top-level
//! plans, other blank lines kept (at most one) except at the start or end of a block. Comments stay
//! where they were: one on its own line stays on its own line (indented with what follows it), one
//! after code stays after that code. A statement broken by a comment continues on the next line,
//! indented a further four spaces.

use super::{error, Rule, TariffParser};
use crate::diag::Diagnostic;
use pest::iterators::Pair;
use pest::Parser as _;

/// The canonical layout of `text`, or its syntax error.
pub fn format(text: &str) -> Result<String, Vec<Diagnostic>> {
    let pairs = TariffParser::parse(Rule::file, text).map_err(|first| {
        error::syntax_errors(text, &first, |patched| {
            TariffParser::parse(Rule::file, patched).map(|_| ())
        })
    })?;
    let mut tokens = Vec::new();
    for pair in pairs {
        flatten(pair, false, &mut tokens);
    }
    Ok(Layout::new(text).run(&tokens))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Open,
    Close,
    /// `:` or `,`: no space before.
    Tight,
    Word,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    start: usize,
    end: usize,
    kind: Kind,
    /// The first token of a statement: it begins a line.
    starts_line: bool,
    /// `up to`, written with any spaces between its words.
    upto: bool,
}

/// Statements: each begins on its own line.
fn is_statement(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::plan
            | Rule::currency
            | Rule::interval
            | Rule::feature
            | Rule::base
            | Rule::mode
            | Rule::aggregate
            | Rule::overage
            | Rule::cost
            | Rule::tiers
            | Rule::tier
            | Rule::price
            | Rule::divide
            | Rule::grant
            | Rule::addon
            | Rule::addon_price
            | Rule::addon_grant
            | Rule::recharge
    )
}

/// The leaf tokens of the parse, in order.
fn flatten(pair: Pair<'_, Rule>, starts_line: bool, out: &mut Vec<Token>) {
    let rule = pair.as_rule();
    let mut first = starts_line || is_statement(rule);
    let span = pair.as_span();
    let mut inner = pair.into_inner().peekable();
    if inner.peek().is_none() {
        if rule == Rule::EOI || span.start() == span.end() {
            return;
        }
        let kind = match rule {
            Rule::lbrace => Kind::Open,
            Rule::rbrace => Kind::Close,
            Rule::colon | Rule::comma => Kind::Tight,
            _ => Kind::Word,
        };
        out.push(Token {
            start: span.start(),
            end: span.end(),
            kind,
            starts_line: first,
            upto: rule == Rule::kw_upto,
        });
        return;
    }
    for child in inner {
        flatten(child, first, out);
        first = false;
    }
}

/// A comment found between two tokens.
struct Comment<'a> {
    text: &'a str,
    own_line: bool,
    blank_before: bool,
}

/// What lies between two tokens: comments, and how the next token is separated from them.
struct Gap<'a> {
    comments: Vec<Comment<'a>>,
    blank_before_next: bool,
}

fn gap(text: &str, at_file_start: bool) -> Gap<'_> {
    let mut comments = Vec::new();
    let mut newlines = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '#' {
            let end = rest.find('\n').unwrap_or(rest.len());
            comments.push(Comment {
                text: rest[..end].trim_end(),
                own_line: newlines > 0 || (at_file_start && comments.is_empty()),
                blank_before: newlines >= 2,
            });
            newlines = 0;
            rest = &rest[end..];
        } else {
            if c == '\n' {
                newlines += 1;
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    Gap {
        comments,
        blank_before_next: newlines >= 2,
    }
}

struct Layout<'a> {
    text: &'a str,
    out: String,
    depth: usize,
    /// Nothing written on the current line yet.
    line_empty: bool,
    /// The last thing written was a `{` (or nothing at all): no blank line may follow.
    after_open: bool,
    /// A top-level `}` was just closed: the next line gets a blank line before it.
    after_top_close: bool,
}

impl<'a> Layout<'a> {
    fn new(text: &'a str) -> Self {
        Layout {
            text,
            out: String::new(),
            depth: 0,
            line_empty: true,
            after_open: true,
            after_top_close: false,
        }
    }

    fn run(mut self, tokens: &[Token]) -> String {
        let mut prev_end = 0;
        let mut prev_kind = None;
        for token in tokens {
            let g = gap(&self.text[prev_end..token.start], prev_end == 0);
            let empty_block =
                prev_kind == Some(Kind::Open) && token.kind == Kind::Close && g.comments.is_empty();
            let continues = !token.starts_line && token.kind != Kind::Close;
            self.comments(&g.comments, continues);
            self.token(token, g.blank_before_next, empty_block);
            prev_end = token.end;
            prev_kind = Some(token.kind);
        }
        let g = gap(&self.text[prev_end..], prev_end == 0);
        self.comments(&g.comments, false);
        if !self.line_empty {
            self.out.push('\n');
        }
        self.out
    }

    fn newline(&mut self) {
        if !self.line_empty {
            self.out.push('\n');
            self.line_empty = true;
        }
    }

    /// Start a new line at the current depth (plus a continuation), with a blank line first if
    /// asked for and allowed.
    fn start_line(&mut self, blank: bool, continuation: bool) {
        self.newline();
        let blank = (blank || (self.after_top_close && self.depth == 0)) && !self.after_open;
        if blank {
            self.out.push('\n');
        }
        self.after_top_close = false;
        self.indent(continuation);
    }

    fn indent(&mut self, continuation: bool) {
        let width = self.depth * 2 + if continuation { 4 } else { 0 };
        self.out.push_str(&" ".repeat(width));
    }

    fn comments(&mut self, comments: &[Comment<'_>], continuation: bool) {
        for c in comments {
            if c.own_line {
                self.start_line(c.blank_before, continuation);
            } else {
                self.out.push(' ');
            }
            self.out.push_str(c.text);
            self.out.push('\n');
            self.line_empty = true;
            self.after_open = false;
        }
    }

    fn token(&mut self, token: &Token, blank_before: bool, empty_block: bool) {
        let written = &self.text[token.start..token.end];
        let text = if token.upto { "up to" } else { written };
        match token.kind {
            Kind::Close => {
                self.depth = self.depth.saturating_sub(1);
                if !empty_block {
                    self.newline();
                    self.indent(false);
                }
                self.out.push_str(text);
                self.after_top_close = self.depth == 0;
            }
            _ if token.starts_line => {
                self.start_line(blank_before, false);
                self.out.push_str(text);
            }
            _ => {
                if self.line_empty {
                    self.indent(true);
                } else if token.kind != Kind::Tight {
                    self.out.push(' ');
                }
                self.out.push_str(text);
            }
        }
        self.line_empty = false;
        self.after_open = token.kind == Kind::Open;
        if token.kind == Kind::Open {
            self.depth += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(s: &str) -> String {
        format(s).unwrap()
    }

    #[test]
    fn lays_out_statements_and_keeps_comments() {
        let messy = "# head\n\n\nplan  a@1 \"A\"{currency usd # money\n  feature x{base 1.00}\n\n\n\
                     feature y \"Y\" { grant 1 # why\n every month ,rollover all }\n\n# bye\n}\n# tail";
        let want = "# head\n\nplan a@1 \"A\" {\n  currency usd # money\n  feature x {\n    base 1.00\n  }\n\n  \
                    feature y \"Y\" {\n    grant 1 # why\n        every month, rollover all\n  }\n\n  # bye\n}\n\n# tail\n";
        assert_eq!(fmt(messy), want);
        assert_eq!(fmt(want), want);
    }

    #[test]
    fn crlf_and_tabs_become_canonical() {
        let text = "plan a@1 {\r\n\tfeature x # c\r\n\r\n\r\n\tfeature   y\r\n}\r\n";
        assert_eq!(fmt(text), "plan a@1 {\n  feature x # c\n\n  feature y\n}\n");
        assert!(format("plan a@1 { tiers_of x }").is_err());
    }

    #[test]
    fn empty_blocks_and_files() {
        assert_eq!(fmt(""), "");
        assert_eq!(fmt("  # only\n\n"), "# only\n");
        assert_eq!(
            fmt("plan a@1 {feature x {} feature y}"),
            "plan a@1 {\n  feature x {}\n  feature y\n}\n"
        )
    }
}
