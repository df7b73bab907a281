//! Tables printed as Markdown, so that a run's output can go into
//! `docs/benchmarks.md` as it is.

/// How a column's cells line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Text: on the left.
    Left,
    /// Figures: on the right.
    Right,
}

/// A table of text cells.
#[derive(Debug, Clone)]
pub struct Table {
    headers: Vec<(String, Align)>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: &[(&str, Align)]) -> Table {
        Table {
            headers: headers
                .iter()
                .map(|&(name, align)| (name.to_owned(), align))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; missing cells are left empty, extra ones dropped.
    pub fn row(&mut self, cells: Vec<String>) {
        let mut cells = cells;
        cells.resize(self.headers.len(), String::new());
        self.rows.push(cells);
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as Markdown lines, columns padded to their widest cell.
    pub fn render(&self) -> String {
        let mut widths: Vec<usize> = self
            .headers
            .iter()
            .map(|(name, _)| name.chars().count())
            .collect();
        for row in &self.rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut out = String::from("|");
            for ((cell, width), (_, align)) in cells.zip(&widths).zip(&self.headers) {
                let pad = " ".repeat(width - cell.chars().count());
                match align {
                    Align::Left => out.push_str(&format!(" {cell}{pad} |")),
                    Align::Right => out.push_str(&format!(" {pad}{cell} |")),
                }
            }
            out
        };
        let mut out = line(&mut self.headers.iter().map(|(name, _)| name.as_str()));
        out.push('\n');
        out.push('|');
        for (width, (_, align)) in widths.iter().zip(&self.headers) {
            match align {
                Align::Left => out.push_str(&format!("{}|", "-".repeat(width + 2))),
                Align::Right => out.push_str(&format!("{}:|", "-".repeat(width + 1))),
            }
        }
        for row in &self.rows {
            out.push('\n');
            out.push_str(&line(&mut row.iter().map(String::as_str)));
        }
        out
    }

    /// Prints the table.
    pub fn print(&self) {
        // A blank line first: a table right under a line of text is a
        // table to GitHub, but only text to other Markdown renderers.
        println!();
        println!("{}", self.render());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        let mut table = Table::new(&[("row", Align::Left), ("events/s", Align::Right)]);
        assert!(table.is_empty());
        table.row(vec!["rewal †".to_owned(), "12".to_owned()]);
        table.row(vec!["okaywal".to_owned()]);
        assert_eq!(
            table.render(),
            "| row     | events/s |\n\
             |---------|---------:|\n\
             | rewal † |       12 |\n\
             | okaywal |          |"
        );
    }
}
