//! The OData query options the simulator understands: `$filter`, `$select`, `$orderby`,
//! `$search`. Parsing errors are answered as Graph would (400), never a panic.

use std::cmp::Ordering;

use serde_json::Value;

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a and b`.
    And(Box<Expr>, Box<Expr>),
    /// `a or b`.
    Or(Box<Expr>, Box<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `left op right`.
    Cmp(Operand, CmpOp, Operand),
    /// `startswith(a, b)`, `endswith(a, b)`, `contains(a, b)`.
    Func(String, Operand, Operand),
    /// `path/any(x: inner)`.
    Any(Vec<String>, String, Box<Expr>),
    /// A bare boolean property or literal.
    Truthy(Operand),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CmpOp {
    /// `eq`
    Eq,
    /// `ne`
    Ne,
    /// `gt`
    Gt,
    /// `ge`
    Ge,
    /// `lt`
    Lt,
    /// `le`
    Le,
}

/// A value in an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A literal.
    Lit(Value),
    /// A property path (`a/b`), possibly rooted at a lambda variable.
    Path(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(f64),
    LParen,
    RParen,
    Comma,
    Colon,
}

fn tokenize(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            ':' => {
                out.push(Tok::Colon);
                i += 1
            }
            '\'' => {
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated string literal".into()),
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            lit.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            lit.push(*ch);
                            i += 1;
                        }
                    }
                }
                out.push(Tok::Str(lit));
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) =>
            {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '-' | ':'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                match text.parse::<f64>() {
                    Ok(n) => out.push(Tok::Num(n)),
                    // GUIDs and dates are written unquoted in some filters.
                    Err(_) => out.push(Tok::Str(text)),
                }
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '@' | '$' | '#') => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric()
                        || matches!(chars[i], '_' | '@' | '$' | '#' | '.' | '/'))
                {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character '{other}'")),
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(ref got) if *got == t => Ok(()),
            got => Err(format!("expected {t:?}, found {got:?}")),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.keyword("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let e = self.or()?;
            self.expect(Tok::RParen)?;
            return Ok(e);
        }
        // Function call?
        if let (Some(Tok::Ident(name)), Some(Tok::LParen)) = (
            self.toks.get(self.pos).cloned(),
            self.toks.get(self.pos + 1),
        ) {
            let lname = name.to_ascii_lowercase();
            if matches!(lname.as_str(), "startswith" | "endswith" | "contains") {
                self.pos += 2;
                let a = self.operand()?;
                self.expect(Tok::Comma)?;
                let b = self.operand()?;
                self.expect(Tok::RParen)?;
                return Ok(Expr::Func(lname, a, b));
            }
            if let Some(path) = lname.strip_suffix("/any").map(|_| &name[..name.len() - 4]) {
                self.pos += 2;
                let var = match self.next() {
                    Some(Tok::Ident(v)) => v,
                    other => return Err(format!("expected a lambda variable, found {other:?}")),
                };
                self.expect(Tok::Colon)?;
                let inner = self.or()?;
                self.expect(Tok::RParen)?;
                return Ok(Expr::Any(split_path(path), var, Box::new(inner)));
            }
            return Err(format!("function '{name}' is not supported"));
        }
        let left = self.operand()?;
        let op = match self.peek() {
            Some(Tok::Ident(s)) => match s.to_ascii_lowercase().as_str() {
                "eq" => Some(CmpOp::Eq),
                "ne" => Some(CmpOp::Ne),
                "gt" => Some(CmpOp::Gt),
                "ge" => Some(CmpOp::Ge),
                "lt" => Some(CmpOp::Lt),
                "le" => Some(CmpOp::Le),
                _ => None,
            },
            _ => None,
        };
        match op {
            Some(op) => {
                self.pos += 1;
                let right = self.operand()?;
                Ok(Expr::Cmp(left, op, right))
            }
            None => Ok(Expr::Truthy(left)),
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Operand::Lit(Value::String(s))),
            Some(Tok::Num(n)) => Ok(Operand::Lit(
                serde_json::Number::from_f64(n)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
            )),
            Some(Tok::Ident(id)) => Ok(match id.to_ascii_lowercase().as_str() {
                "true" => Operand::Lit(Value::Bool(true)),
                "false" => Operand::Lit(Value::Bool(false)),
                "null" => Operand::Lit(Value::Null),
                _ => Operand::Path(split_path(&id)),
            }),
            other => Err(format!("expected a value or property, found {other:?}")),
        }
    }
}

fn split_path(p: &str) -> Vec<String> {
    p.split('/').map(str::to_string).collect()
}

/// Parse a `$filter` expression.
pub fn parse_filter(text: &str) -> Result<Expr, String> {
    let mut p = Parser {
        toks: tokenize(text)?,
        pos: 0,
    };
    let e = p.or()?;
    if p.pos < p.toks.len() {
        return Err(format!(
            "unexpected {:?} after the expression",
            p.toks[p.pos]
        ));
    }
    Ok(e)
}

/// `true` when the expression uses what Graph calls advanced query capabilities
/// (`ne`, `not`, `endswith`), which need `ConsistencyLevel: eventual` on directory objects.
pub fn is_advanced(e: &Expr) -> bool {
    match e {
        Expr::And(a, b) | Expr::Or(a, b) => is_advanced(a) || is_advanced(b),
        Expr::Not(_) => true,
        Expr::Cmp(_, CmpOp::Ne, _) => true,
        Expr::Func(f, _, _) => f == "endswith",
        Expr::Any(_, _, inner) => is_advanced(inner),
        _ => false,
    }
}

/// Look up a property ignoring ASCII case.
pub fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn resolve<'a>(item: &'a Value, path: &[String], var: Option<(&str, &'a Value)>) -> Value {
    let (mut cur, rest) = match (var, path.first()) {
        (Some((name, bound)), Some(first)) if first == name => (bound, &path[1..]),
        _ => (item, path),
    };
    for seg in rest {
        match get_ci(cur, seg) {
            Some(v) => cur = v,
            None => return Value::Null,
        }
    }
    cur.clone()
}

fn value_of(op: &Operand, item: &Value, var: Option<(&str, &Value)>) -> Value {
    match op {
        Operand::Lit(v) => v.clone(),
        Operand::Path(p) => resolve(item, p, var),
    }
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_lowercase(),
        Value::Null => String::new(),
        other => other.to_string().to_lowercase(),
    }
}

/// Evaluate `e` against `item`.
pub fn eval(e: &Expr, item: &Value, var: Option<(&str, &Value)>) -> bool {
    match e {
        Expr::And(a, b) => eval(a, item, var) && eval(b, item, var),
        Expr::Or(a, b) => eval(a, item, var) || eval(b, item, var),
        Expr::Not(a) => !eval(a, item, var),
        Expr::Cmp(l, op, r) => {
            let (a, b) = (value_of(l, item, var), value_of(r, item, var));
            let ord = compare(&a, &b);
            match op {
                CmpOp::Eq => ord == Some(Ordering::Equal),
                CmpOp::Ne => ord != Some(Ordering::Equal),
                CmpOp::Gt => ord == Some(Ordering::Greater),
                CmpOp::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                CmpOp::Lt => ord == Some(Ordering::Less),
                CmpOp::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
            }
        }
        Expr::Func(f, a, b) => {
            let (a, b) = (text(&value_of(a, item, var)), text(&value_of(b, item, var)));
            match f.as_str() {
                "startswith" => a.starts_with(&b),
                "endswith" => a.ends_with(&b),
                _ => a.contains(&b),
            }
        }
        Expr::Any(path, name, inner) => match resolve(item, path, var) {
            Value::Array(items) => items
                .iter()
                .any(|x| eval(inner, item, Some((name.as_str(), x)))),
            _ => false,
        },
        Expr::Truthy(op) => value_of(op, item, var) == Value::Bool(true),
    }
}

/// Keep only the `$select`ed top-level properties (and `id`, and OData annotations).
pub fn project(item: &Value, select: &[String]) -> Value {
    if select.is_empty() {
        return item.clone();
    }
    let Some(obj) = item.as_object() else {
        return item.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, v) in obj {
        let wanted = k == "id"
            || k.starts_with("@odata")
            || select.iter().any(|s| s.eq_ignore_ascii_case(k));
        if wanted {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// Parse `$orderby` into (path, descending) pairs.
pub fn parse_orderby(text: &str) -> Vec<(Vec<String>, bool)> {
    text.split(',')
        .filter_map(|clause| {
            let mut parts = clause.split_whitespace();
            let prop = parts.next()?;
            let desc = parts
                .next()
                .map(|d| d.eq_ignore_ascii_case("desc"))
                .unwrap_or(false);
            Some((split_path(prop), desc))
        })
        .collect()
}

/// Order two items by the `$orderby` clauses.
pub fn order(a: &Value, b: &Value, clauses: &[(Vec<String>, bool)]) -> Ordering {
    for (path, desc) in clauses {
        let ord =
            compare(&resolve(a, path, None), &resolve(b, path, None)).unwrap_or(Ordering::Equal);
        let ord = if *desc { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// A `$search` matcher: `"prop:text"` (substring of prop) or `"text"` (displayName).
pub fn parse_search(text: &str) -> (String, String) {
    let t = text.trim().trim_matches('"');
    match t.split_once(':') {
        Some((p, v)) => (p.to_string(), v.to_lowercase()),
        None => ("displayName".to_string(), t.to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_evaluate_like_graph() {
        let u = json!({"displayName": "Adele Vance", "accountEnabled": true, "age": 3,
                       "customer": {"tenantId": "T1"},
                       "assignedLicenses": [{"skuId": "a"}, {"skuId": "b"}]});
        let t = |f: &str| eval(&parse_filter(f).unwrap(), &u, None);
        assert!(t("displayName eq 'adele vance'"));
        assert!(t("startswith(displayName,'Ad') and accountEnabled eq true"));
        assert!(t("not (age gt 5) or displayName eq 'x'"));
        assert!(t("customer/tenantId eq 'T1'"));
        assert!(t("assignedLicenses/any(x:x/skuId eq 'b')"));
        assert!(!t("assignedLicenses/any(x:x/skuId eq 'c')"));
        assert!(t("displayName ne null"));
        assert!(t("endswith(displayName,'vance')"));
        assert!(parse_filter("displayName eq").is_err());
        assert!(parse_filter("frobnicate(a,b)").is_err());
        assert!(parse_filter("a eq 'x").is_err());
        assert!(is_advanced(&parse_filter("a ne 1").unwrap()));
    }
}
