//! Jupyter notebooks: the text of each markdown cell, with the offset in the notebook's JSON of
//! every byte of it, so that reports point into the `.ipynb` file itself. A small scanner of
//! JSON (the notebook format is JSON; `serde_json` keeps no offsets).

use crate::diagnostic::{Diagnostic, Span};

/// One markdown cell: its text, and for every byte of it (and one past the end) the offset in the
/// JSON text.
pub struct Cell {
    /// The decoded source of the cell.
    pub text: String,
    /// `offsets[i]`: where byte `i` of `text` was written in the notebook.
    pub offsets: Vec<usize>,
}

impl Cell {
    /// A span of the cell's text as a span of the notebook.
    pub fn map(&self, span: Span) -> Span {
        let at = |i: usize| self.offsets[i.min(self.offsets.len() - 1)];
        Span::new(at(span.start), at(span.end).max(at(span.start)))
    }
}

/// The markdown cells of a notebook, in order.
pub fn markdown_cells(json: &str) -> Result<Vec<Cell>, Diagnostic> {
    let mut s = Scanner { text: json, at: 0 };
    let mut cells = Vec::new();
    s.skip_ws();
    // The top level is an object; its "cells" array. The notebook format 3 (before Jupyter 4)
    // keeps them in the objects of its `worksheets` (a tester's old notebook was "no derivation
    // was found").
    s.object(|s, key| match key {
        "cells" => s.cells(&mut cells),
        "worksheets" => {
            s.expect(b'[')?;
            loop {
                s.skip_ws();
                if s.eat(b']') {
                    return Ok(());
                }
                s.object(|s, key| if key == "cells" { s.cells(&mut cells) } else { s.skip_value() })?;
                s.skip_ws();
                s.eat(b',');
            }
        }
        _ => s.skip_value(),
    })?;
    Ok(cells)
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl Scanner<'_> {
    /// An object: `each` is given every key, the scanner at its value, which it reads.
    fn object(&mut self, mut each: impl FnMut(&mut Self, &str) -> Result<(), Diagnostic>) -> Result<(), Diagnostic> {
        self.expect(b'{')?;
        loop {
            self.skip_ws();
            if self.eat(b'}') {
                return Ok(());
            }
            let key = self.string()?.0;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            each(self, &key)?;
            self.skip_ws();
            self.eat(b',');
        }
    }

    /// A `cells` array: its markdown cells.
    fn cells(&mut self, cells: &mut Vec<Cell>) -> Result<(), Diagnostic> {
        self.expect(b'[')?;
        loop {
            self.skip_ws();
            if self.eat(b']') {
                return Ok(());
            }
            if let Some(cell) = self.cell()? {
                cells.push(cell);
            }
            self.skip_ws();
            self.eat(b',');
        }
    }

    fn error(&self, message: &str) -> Diagnostic {
        Diagnostic::error(Span::new(self.at, self.at), format!("not a notebook: {message}"))
            .with_hint("a .ipynb file is the JSON that Jupyter saves")
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), Diagnostic> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", b as char)))
        }
    }

    /// A string literal: its value and the offset of each byte of it.
    fn string(&mut self) -> Result<(String, Vec<usize>), Diagnostic> {
        self.expect(b'"')?;
        let mut out = String::new();
        let mut offsets = Vec::new();
        loop {
            let start = self.at;
            let Some(c) = self.text[self.at..].chars().next() else {
                return Err(self.error("a string is not closed"));
            };
            self.at += c.len_utf8();
            let decoded = match c {
                '"' => return Ok((out, offsets)),
                '\\' => {
                    let Some(e) = self.peek() else { return Err(self.error("a string is not closed")) };
                    self.at += 1;
                    match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' => {
                            let hex = |s: &mut Self| -> Result<u32, Diagnostic> {
                                let digits = s.text.get(s.at..s.at + 4).ok_or_else(|| s.error("a bad \\u escape"))?;
                                let v = u32::from_str_radix(digits, 16).map_err(|_| s.error("a bad \\u escape"))?;
                                s.at += 4;
                                Ok(v)
                            };
                            let mut v = hex(self)?;
                            if (0xD800..0xDC00).contains(&v) && self.text[self.at..].starts_with("\\u") {
                                self.at += 2;
                                let low = hex(self)?;
                                v = 0x10000 + ((v - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                            }
                            char::from_u32(v).unwrap_or('\u{FFFD}')
                        }
                        other => other as char,
                    }
                }
                c => c,
            };
            for _ in 0..decoded.len_utf8() {
                offsets.push(start);
            }
            out.push(decoded);
        }
    }

    fn skip_value(&mut self) -> Result<(), Diagnostic> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.at += 1;
                loop {
                    self.skip_ws();
                    if self.eat(close) {
                        return Ok(());
                    }
                    if open == b'{' {
                        self.string()?;
                        self.skip_ws();
                        self.expect(b':')?;
                    }
                    self.skip_value()?;
                    self.skip_ws();
                    self.eat(b',');
                    if self.peek().is_none() {
                        return Err(self.error("the text ends inside a value"));
                    }
                }
            }
            Some(_) => {
                let start = self.at;
                while matches!(self.peek(), Some(b) if !matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
                {
                    self.at += 1;
                }
                if self.at == start {
                    return Err(self.error("a value is missing"));
                }
                Ok(())
            }
            None => Err(self.error("the text ends where a value should be")),
        }
    }

    /// One cell object: its text if it is a markdown cell.
    fn cell(&mut self) -> Result<Option<Cell>, Diagnostic> {
        self.expect(b'{')?;
        let mut markdown = false;
        let mut text = String::new();
        let mut offsets = Vec::new();
        loop {
            self.skip_ws();
            if self.eat(b'}') {
                break;
            }
            let key = self.string()?.0;
            self.skip_ws();
            self.expect(b':')?;
            self.skip_ws();
            match key.as_str() {
                "cell_type" => markdown = self.string()?.0 == "markdown",
                "source" if self.peek() == Some(b'"') => {
                    let (t, o) = self.string()?;
                    text.push_str(&t);
                    offsets.extend(o);
                }
                "source" if self.eat(b'[') => loop {
                    self.skip_ws();
                    if self.eat(b']') {
                        break;
                    }
                    let (t, o) = self.string()?;
                    text.push_str(&t);
                    offsets.extend(o);
                    self.skip_ws();
                    self.eat(b',');
                },
                _ => self.skip_value()?,
            }
            self.skip_ws();
            self.eat(b',');
            if self.peek().is_none() {
                return Err(self.error("the text ends inside a cell"));
            }
        }
        offsets.push(offsets.last().map_or(self.at, |&o| o + 1));
        Ok(markdown.then_some(Cell { text, offsets }))
    }
}
