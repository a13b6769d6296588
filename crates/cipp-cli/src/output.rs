//! Printing results: JSON for scripts, aligned tables for people.

use serde_json::Value;

/// Columns shown for a list when the user did not `--select` any.
const PREFERRED: &[&str] = &[
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "accountEnabled",
    "skuPartNumber",
    "consumedUnits",
    "state",
    "isDefault",
    "isInitial",
    "status",
];

/// Print `value` as pretty JSON.
pub fn print_json(value: &Value) {
    match serde_json::to_string_pretty(value) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: could not render JSON: {e}"),
    }
}

/// Render a scalar cell.
fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => format!("[{} items]", a.len()),
        Some(Value::Object(_)) => "{…}".to_string(),
        Some(other) => other.to_string(),
    }
}

/// Render rows of objects as a table with the given columns.
pub fn table(rows: &[Value], columns: &[String]) -> String {
    let mut grid: Vec<Vec<String>> = vec![columns.to_vec()];
    for r in rows {
        grid.push(columns.iter().map(|c| cell(r.get(c))).collect());
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            grid.iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
                .min(60)
        })
        .collect();
    let mut out = String::new();
    for (n, row) in grid.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| {
                let c: String = c.chars().take(*w).collect();
                format!("{c:<w$}")
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
        if n == 0 {
            let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
            out.push_str(&rule.join("  "));
            out.push('\n');
        }
    }
    out
}

/// Pick columns for `rows`: the selected ones, else well-known ones present, else the first keys.
pub fn columns_for(rows: &[Value], selected: &[String]) -> Vec<String> {
    if !selected.is_empty() {
        return selected.to_vec();
    }
    let present = |k: &str| rows.iter().any(|r| r.get(k).is_some());
    let mut cols: Vec<String> = PREFERRED
        .iter()
        .filter(|k| present(k))
        .map(|k| k.to_string())
        .collect();
    if cols.is_empty() {
        if let Some(Value::Object(first)) = rows.first() {
            cols = first
                .keys()
                .filter(|k| !k.starts_with('@'))
                .take(6)
                .cloned()
                .collect();
        }
    }
    cols
}

/// Print a Graph answer for people: a table for lists, key/value lines for one object.
pub fn print_human(value: &Value, selected: &[String]) {
    let rows = match value {
        Value::Array(a) => Some(a.as_slice()),
        Value::Object(o) => o.get("value").and_then(Value::as_array).map(Vec::as_slice),
        _ => None,
    };
    match (rows, value) {
        (Some(rows), _) => {
            let cols = columns_for(rows, selected);
            print!("{}", table(rows, &cols));
            println!("({} items)", rows.len());
        }
        (None, Value::Object(o)) => {
            let width = o.keys().map(|k| k.len()).max().unwrap_or(0);
            for (k, v) in o {
                println!("{k:<width$}  {}", cell(Some(v)));
            }
        }
        (None, other) => println!("{}", cell(Some(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_and_prefer_known_columns() {
        let rows = vec![
            json!({"id": "1", "displayName": "Adele Vance", "extra": 1}),
            json!({"id": "22", "displayName": "Bob"}),
        ];
        let cols = columns_for(&rows, &[]);
        assert_eq!(cols, vec!["id", "displayName"]);
        let t = table(&rows, &cols);
        assert_eq!(
            t,
            "id  displayName\n--  -----------\n1   Adele Vance\n22  Bob\n"
        );
    }
}
