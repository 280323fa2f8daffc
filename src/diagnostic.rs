//! Problems found in a user's file: data, never panics.
//!
//! Every stage returns what it could build plus a list of diagnostics. Rendering them (with
//! codespan-reporting) is the report layer's job.

use std::ops::Range;

/// A byte range into the source text of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
}

impl Span {
    /// The span from `start` to `end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span that covers both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// The span as a range, for slicing and for codespan-reporting.
    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

/// One problem in a file: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The primary location.
    pub span: Span,
    /// Short, lowercase, no trailing period: ``unknown name `zetta` ``.
    pub message: String,
    /// Secondary locations with their own short messages.
    pub labels: Vec<(Span, String)>,
    /// Suggestions: ``did you mean `zeta`?``.
    pub hints: Vec<String>,
    /// Whether the source line is worth showing (not for a 20,000-byte line or a missing file).
    pub show_source: bool,
}

impl Diagnostic {
    /// A diagnostic with a message at a span and nothing else.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { span, message: message.into(), labels: Vec::new(), hints: Vec::new(), show_source: true }
    }

    /// A warning with a message at a span: a file that is valid but almost surely not what was
    /// meant. Warnings are kept apart from errors (`FileReport::warnings`) and never change a
    /// verdict, a score or an exit status.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(span, message)
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hints.push(hint.into());
        self
    }

    /// Reports the location without quoting the source line.
    pub fn without_source(mut self) -> Diagnostic {
        self.show_source = false;
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push((span, message.into()));
        self
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The starts of the lines of a text, for turning many offsets into line numbers without
/// rescanning the text each time (a report may have tens of thousands of steps).
pub struct LineIndex<'s> {
    source: &'s str,
    starts: Vec<usize>,
}

impl<'s> LineIndex<'s> {
    /// Indexes the lines of `source`.
    pub fn new(source: &'s str) -> LineIndex<'s> {
        let starts = std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect();
        LineIndex { source, starts }
    }

    /// The same as [`line_col`].
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.source, offset.min(self.source.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.source[start..offset].chars().count() + 1)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
