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

    /// The report's title and what it is about.
    pub fn title(&mut self, title: &str, lines: &[&str]) -> Result<()> {
        written((|| -> io::Result<()> {
            let bar = match self.style {
                Style::Terminal => "═".repeat(width(title)),
                Style::Plain => "=".repeat(width(title)),
            };
            writeln!(self.out, "{}", self.bold(title))?;
            writeln!(self.out, "{bar}")?;
            for line in lines {
                writeln!(self.out, "{line}")?;
            }
            self.out.flush()
        })())
    }

    /// Starts the next numbered section.
    pub fn section(&mut self, title: &str) -> Result<()> {
        written((|| -> io::Result<()> {
            self.sections += 1;
            let heading = format!("{}. {title}", self.sections);
            writeln!(self.out)?;
            writeln!(self.out, "{}", self.bold(&heading))?;
            writeln!(self.out, "{}", self.rule(width(&heading)))?;
            self.out.flush()
        })())
    }

    /// An indented line of prose.
    pub fn line(&mut self, text: &str) -> Result<()> {
        written((|| -> io::Result<()> {
            writeln!(self.out, "  {text}")?;
            self.out.flush()
        })())
    }

    /// Aligned `name  value` lines.
    pub fn fields(&mut self, fields: &[(&str, String)]) -> Result<()> {
        written((|| -> io::Result<()> {
            let pad = fields.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
            for (name, value) in fields {
                let gap = " ".repeat(pad - width(name));
                writeln!(self.out, "  {name}{gap}  {value}")?;
            }
            self.out.flush()
        })())
    }

    /// A table with a header row; cells are cut at a readable width.
    pub fn table(&mut self, headers: &[&str], rows: &[Vec<String>]) -> Result<()> {
        written((|| -> io::Result<()> {
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| fit(c)).collect())
                .collect();
            let widths: Vec<usize> = headers
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    rows.iter()
                        .filter_map(|r| r.get(i))
                        .map(|c| width(c))
                        .chain([width(h)])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let render = |cells: Vec<&str>| {
                let last = cells.len().saturating_sub(1);
                let mut line = String::from("  ");
                for (i, cell) in cells.into_iter().enumerate() {
                    line.push_str(cell);
                    if i < last {
                        line.push_str(&" ".repeat(widths[i] - width(cell) + 2));
                    }
                }
                line
            };
            writeln!(self.out, "{}", self.bold(&render(headers.to_vec())))?;
            let rules: Vec<String> = widths.iter().map(|w| self.rule(*w)).collect();
            writeln!(
                self.out,
                "{}",
                render(rules.iter().map(String::as_str).collect())
            )?;
            for row in &rows {
                writeln!(
                    self.out,
                    "{}",
                    render(row.iter().map(String::as_str).collect())
                )?;
            }
            self.out.flush()
        })())
    }

    /// A blank line and a closing line.
    pub fn finish(&mut self, text: &str) -> Result<()> {
        written((|| -> io::Result<()> {
            writeln!(self.out)?;
            writeln!(self.out, "{}", self.bold(text))?;
            self.out.flush()
        })())
    }
}

/// Output errors as the SDK's (a closed pipe or a full disk).
fn written(result: io::Result<()>) -> Result<()> {
    result.map_err(|e| Error::io("stdout", e))
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
