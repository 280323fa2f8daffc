//! Where the display math of an answer file is: byte ranges of the content of each block.

use std::ops::Range;

use super::tree::ROW_ENVIRONMENTS;

/// The display-math blocks of a LaTeX document: the row environments, `$$…$$` and `\[…\]`.
/// Comments and inline math `$…$` are skipped. Each range is the content, without delimiters.
pub fn tex_blocks(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => i = line_end(text, i),
            b'\\' if text[i..].starts_with("\\begin{") => {
                let name_start = i + "\\begin{".len();
                let Some(close) = text[name_start..].find('}') else { break };
                let name = &text[name_start..name_start + close];
                let content = name_start + close + 1;
                if ROW_ENVIRONMENTS.contains(&name) {
                    let end_tag = format!("\\end{{{name}}}");
                    match text[content..].find(&end_tag) {
                        Some(at) => {
                            out.push(content..content + at);
                            i = content + at + end_tag.len();
                        }
                        None => {
                            out.push(content..text.len());
                            i = text.len();
                        }
                    }
                } else {
                    i = content;
                }
            }
            b'\\' if text[i..].starts_with("\\[") => {
                let content = i + 2;
                let end = find_unescaped(text, content, "\\]").unwrap_or(text.len());
                out.push(content..end);
                i = end + 2;
            }
            b'\\' => i += 1 + text[i + 1..].chars().next().map_or(0, char::len_utf8),
            b'$' if text[i..].starts_with("$$") => {
                let content = i + 2;
                let end = find_unescaped(text, content, "$$").unwrap_or(text.len());
                out.push(content..end);
                i = end + 2;
            }
            b'$' => i = find_unescaped(text, i + 1, "$").map_or(text.len(), |e| e + 1),
            _ => i += 1,
        }
    }
    out.retain(|r| r.start <= r.end && r.end <= text.len());
    out
}

/// The display-math blocks of a Markdown text: `$$…$$` outside code, and ```` ```math ```` fences.
pub fn markdown_blocks(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut fence: Option<(String, bool, usize)> = None; // (marker, is math, content start)
    let mut in_math: Option<usize> = None; // content start of an open `$$`
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let line_start = at;
        at += line.len();
        let trimmed = line.trim_start();
        if in_math.is_none() {
            if let Some((marker, math, content)) = &fence {
                if trimmed.starts_with(marker.as_str()) && trimmed[marker.len()..].trim().is_empty() {
                    if *math {
                        out.push(*content..line_start);
                    }
                    fence = None;
                }
                continue;
            }
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                let marker: String = trimmed.chars().take_while(|c| *c == '`' || *c == '~').collect();
                let info = trimmed[marker.len()..].trim();
                fence = Some((marker, info == "math" || info.starts_with("math "), at));
                continue;
            }
        }
        // `$$` pairs on this line, outside inline code.
        let mut i = 0;
        let bytes = line.as_bytes();
        while i < bytes.len() {
            if in_math.is_none() && bytes[i] == b'`' {
                let ticks = line[i..].chars().take_while(|c| *c == '`').count();
                let marker = "`".repeat(ticks);
                i = match line[i + ticks..].find(&marker) {
                    Some(e) => i + ticks + e + ticks,
                    None => bytes.len(),
                };
                continue;
            }
            if bytes[i] == b'\\' {
                i += 2;
                continue;
            }
            if bytes[i] == b'$' && line[i..].starts_with("$$") {
                match in_math.take() {
                    Some(content) => out.push(content..line_start + i),
                    None => in_math = Some(line_start + i + 2),
                }
                i += 2;
                continue;
            }
            i += 1;
        }
    }
    if let Some(content) = in_math {
        out.push(content..text.len());
    }
    out
}

fn line_end(text: &str, from: usize) -> usize {
    text[from..].find('\n').map_or(text.len(), |e| from + e + 1)
}

fn find_unescaped(text: &str, from: usize, pattern: &str) -> Option<usize> {
    let mut i = from;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(pattern) {
            return Some(i);
        }
        if rest.starts_with('\\') {
            i += 1 + rest[1..].chars().next().map_or(0, char::len_utf8);
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    None
}
