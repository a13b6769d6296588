//! CSV text (RFC 4180) as records, for the few places Microsoft and CIPP hand us CSV:
//! usage reports (`getOneDriveUsageAccountDetail` and friends) and licence name tables.
//!
//! ```
//! let text = "\u{feff}Name,Note\r\n\"Smith, Ann\",\"said \"\"hi\"\"\nthen left\"\r\n\r\nBo,\n";
//! let records: Vec<_> = cipp_core::csv::records(text).collect();
//! assert_eq!(records[1].fields, ["Smith, Ann", "said \"hi\"\nthen left"]);
//! assert_eq!(records[2].line, 5);
//! assert_eq!(records[2].fields, ["Bo", ""]);
//! ```

/// One CSV record and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line number of the record's first line (a quoted field may span lines).
    pub line: usize,
    /// The fields, unquoted (`""` inside quotes is one quote), not trimmed.
    pub fields: Vec<String>,
}

/// The records of `text`: a leading byte-order mark is dropped, `\r\n` and `\n` both end a
/// record outside quotes, and blank lines are skipped. An unclosed quote runs to the end of
/// the text (the last record keeps what was read) rather than failing: callers check the
/// fields they need and name the line when one is wrong.
pub fn records(text: &str) -> impl Iterator<Item = Record> + '_ {
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut line = 1;
    std::iter::from_fn(move || loop {
        chars.peek()?;
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => fields.push(std::mem::take(&mut field)),
                ('\r', false) if chars.peek() == Some(&'\n') => {}
                ('\n', false) => {
                    line += 1;
                    break;
                }
                (c, _) => {
                    if c == '\n' {
                        line += 1;
                    }
                    field.push(c);
                }
            }
        }
        let blank = fields.is_empty() && field.trim().is_empty();
        if !blank {
            fields.push(field);
            return Some(Record {
                line: start,
                fields,
            });
        }
    })
}

/// The header's column names (trimmed) and the data records after it.
pub fn with_header(text: &str) -> (Vec<String>, impl Iterator<Item = Record> + '_) {
    let mut all = records(text);
    let header = all
        .next()
        .map(|r| r.fields.into_iter().map(|f| f.trim().to_string()).collect())
        .unwrap_or_default();
    (header, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        records(text).map(|r| r.fields).collect()
    }

    #[test]
    fn quotes_commas_and_doubled_quotes() {
        assert_eq!(
            fields(r#""a, b",c,"say ""hi""""#),
            vec![vec!["a, b", "c", "say \"hi\""]]
        );
    }

    #[test]
    fn empty_fields_and_trailing_comma() {
        assert_eq!(fields(",x,\n"), vec![vec!["", "x", ""]]);
    }

    #[test]
    fn blank_lines_skipped_and_lines_counted() {
        let lines: Vec<usize> = records("a\n\n \r\nb\n\"c\nd\"\ne")
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, vec![1, 4, 5, 7]);
    }

    #[test]
    fn unclosed_quote_keeps_the_rest() {
        assert_eq!(fields("a,\"b\nc"), vec![vec!["a", "b\nc"]]);
    }

    #[test]
    fn header_is_trimmed() {
        let (header, rows) = with_header(" A ,B\n1,2\n");
        assert_eq!(header, vec!["A", "B"]);
        assert_eq!(rows.count(), 1);
    }
}
