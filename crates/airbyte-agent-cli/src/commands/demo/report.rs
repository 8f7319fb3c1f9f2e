//! Readable demo output: numbered headings, aligned fields and short
//! tables. On a terminal headings are bold and rules are box-drawing
//! lines; piped (or with `NO_COLOR`) it is plain ASCII, stable for tests
//! and logs.

use std::io::{self, IsTerminal, Write};

use airbyte_agent_sdk::{Error, Result};

/// Cells longer than this are cut with an ellipsis, so tables fit a terminal.
const MAX_CELL: usize = 40;

/// How output is decorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Bold headings, box-drawing rules (a terminal).
    Terminal,
    /// ASCII only, no escape codes (pipes, files, `NO_COLOR`).
    Plain,
}

impl Style {
    /// `Terminal` when stdout is a terminal and `NO_COLOR` is unset.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        if io::stdout().is_terminal() && !no_color {
            Style::Terminal
        } else {
            Style::Plain
        }
    }
}

/// Writes the demo's report.
pub struct Report<W: Write> {
    out: W,
    style: Style,
    sections: usize,
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn fit(cell: &str) -> String {
    if width(cell) <= MAX_CELL {
        cell.to_string()
    } else {
        let mut cut: String = cell.chars().take(MAX_CELL - 1).collect();
        cut.push('…');
        cut
    }
}

impl<W: Write> Report<W> {
    /// A report written to `out` in `style`.
    pub fn new(out: W, style: Style) -> Self {
        Self {
            out,
            style,
            sections: 0,
        }
    }

    fn bold(&self, text: &str) -> String {
        match self.style {
            Style::Terminal => format!("\x1b[1m{text}\x1b[0m"),
            Style::Plain => text.to_string(),
        }
    }

    fn rule(&self, len: usize) -> String {
        let c = match self.style {
            Style::Terminal => "─",
            Style::Plain => "-",
        };
        c.repeat(len)
    }

    /// Writes `text` and flushes, so each step shows as soon as it is done.
    fn emit(&mut self, text: &str) -> Result<()> {
        self.out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(|e| Error::io("stdout", e))
    }

    /// The report's title and what it is about.
    pub fn title(&mut self, title: &str, lines: &[&str]) -> Result<()> {
        let bar = match self.style {
            Style::Terminal => "═",
            Style::Plain => "=",
        };
        let mut text = format!("{}\n{}\n", self.bold(title), bar.repeat(width(title)));
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        self.emit(&text)
    }

    /// Starts the next numbered section.
    pub fn section(&mut self, title: &str) -> Result<()> {
        self.sections += 1;
        let heading = format!("{}. {title}", self.sections);
        let text = format!(
            "\n{}\n{}\n",
            self.bold(&heading),
            self.rule(width(&heading))
        );
        self.emit(&text)
    }

    /// An indented line of prose.
    pub fn line(&mut self, text: &str) -> Result<()> {
        self.emit(&format!("  {text}\n"))
    }

    /// Aligned `name  value` lines.
    pub fn fields(&mut self, fields: &[(&str, String)]) -> Result<()> {
        let pad = fields.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
        let text: String = fields
            .iter()
            .map(|(name, value)| {
                let gap = " ".repeat(pad - width(name));
                format!("  {name}{gap}  {value}\n")
            })
            .collect();
        self.emit(&text)
    }

    /// A table with a header row; cells are cut at a readable width.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.iter().map(|c| fit(c)).collect())
            .collect();
        let columns = rows
            .iter()
            .map(Vec::len)
            .chain([headers.len()])
            .max()
            .unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                rows.iter()
                    .filter_map(|r| r.get(i).map(|c| width(c)))
                    .chain(headers.get(i).map(|h| width(h)))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let render = |cells: &[&str]| {
            let mut line = String::from("  ");
            for (i, cell) in cells.iter().enumerate() {
                line.push_str(cell);
                if i + 1 < cells.len() {
                    line.push_str(&" ".repeat(widths[i] - width(cell) + 2));
                }
            }
            line.push('\n');
            line
        };
        let mut text = self.bold(render(headers).trim_end());
        text.push('\n');
        let rules: Vec<String> = widths.iter().map(|w| self.rule(*w)).collect();
        text.push_str(&render(
            &rules.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
        for row in &rows {
            text.push_str(&render(&row.iter().map(String::as_str).collect::<Vec<_>>()));
        }
        self.emit(&text)
    }

    /// A blank line and a closing line.
    pub fn finish(&mut self, text: &str) -> Result<()> {
        let text = format!("\n{}\n", self.bold(text));
        self.emit(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(style: Style) -> String {
        let mut buf = Vec::new();
        let mut r = Report::new(&mut buf, style);
        r.title("Demo", &["runs locally"]).unwrap();
        r.section("Setup").unwrap();
        r.fields(&[("server", "http://x".into()), ("connector id", "c1".into())])
            .unwrap();
        r.table(
            &["id", "name"],
            &[
                vec!["cus_1".into(), "Ada Lovelace".into()],
                vec!["cus_22".into(), "x".repeat(50)],
            ],
        )
        .unwrap();
        r.finish("Done").unwrap();
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn plain_output_is_aligned_ascii() {
        let want = format!(
            "Demo\n====\nruns locally\n\n1. Setup\n--------\n  server        http://x\n  \
             connector id  c1\n  id      name\n  ------  ----------------------------------------\n  \
             cus_1   Ada Lovelace\n  cus_22  {}…\n\nDone\n",
            "x".repeat(39)
        );
        assert_eq!(render(Style::Plain), want);
    }

    #[test]
    fn terminal_output_is_bold_with_box_rules() {
        let out = render(Style::Terminal);
        assert!(out.contains("\x1b[1m1. Setup\x1b[0m\n────────\n"), "{out}");
        assert!(out.contains("══"));
        assert!(!render(Style::Plain).contains('\x1b'));
    }
}
