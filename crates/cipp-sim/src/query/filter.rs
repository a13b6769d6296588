//! `$filter`: a lexer, a recursive-descent parser and an evaluator over JSON items.
//!
//! Supported: `eq ne gt ge lt le`, `in (...)`, `and or not`, parentheses, `startswith`,
//! `endswith`, `contains`, lambdas `path/any(x: ...)` / `path/all(x: ...)` (and bare
//! `path/any()`), property paths with `/`, single-quoted strings with `''` escapes, numbers,
//! `true`/`false`/`null`, unquoted GUIDs and dates. String comparisons ignore case, as Graph's
//! do for directory properties. Anything else is a parse error naming the problem.

use std::cmp::Ordering;

use serde_json::Value;

/// A parsed `$filter` expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    Compare(Operand, Op, Operand),
    In(Operand, Vec<Value>),
    Func(Func, Operand, Operand),
    /// `path/any(var: body)` or `path/all(var: body)`; no variable means `path/any()`.
    Lambda {
        path: Vec<String>,
        all: bool,
        var: Option<String>,
        body: Option<Box<Filter>>,
    },
    /// A bare boolean property or literal.
    Truthy(Operand),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// String functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    StartsWith,
    EndsWith,
    Contains,
}

/// A literal or a property path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    Lit(Value),
    Path(Vec<String>),
}

/// Comparison keywords and their operators.
const OPERATORS: [(&str, Op); 6] = [
    ("eq", Op::Eq),
    ("ne", Op::Ne),
    ("gt", Op::Gt),
    ("ge", Op::Ge),
    ("lt", Op::Lt),
    ("le", Op::Le),
];

/// Function names and their meaning.
const FUNCTIONS: [(&str, Func); 3] = [
    ("startswith", Func::StartsWith),
    ("endswith", Func::EndsWith),
    ("contains", Func::Contains),
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    Comma,
    Colon,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Word(w) => format!("'{w}'"),
            Tok::Str(s) => format!("the string '{s}'"),
            Tok::Num(n) => format!("the number {n}"),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Colon => "':'".into(),
        }
    }
}

/// `true` if `chars[i..]` starts with a GUID (8-4-4-4-12 hex digits).
fn guid_at(chars: &[char], i: usize) -> bool {
    const GROUPS: [usize; 5] = [8, 4, 4, 4, 12];
    let mut pos = i;
    for (n, len) in GROUPS.iter().enumerate() {
        for _ in 0..*len {
            if !chars.get(pos).is_some_and(char::is_ascii_hexdigit) {
                return false;
            }
            pos += 1;
        }
        if n < GROUPS.len() - 1 {
            if chars.get(pos) != Some(&'-') {
                return false;
            }
            pos += 1;
        }
    }
    !chars
        .get(pos)
        .is_some_and(|c| c.is_alphanumeric() || *c == '-')
}

fn word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '@' | '$' | '.' | '/')
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ',' | ':' => {
                out.push(match c {
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    ',' => Tok::Comma,
                    _ => Tok::Colon,
                });
                i += 1;
            }
            '\'' => {
                let start = i;
                let mut lit = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(format!(
                                "the string literal starting at position {start} is not closed"
                            ))
                        }
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
            _ if guid_at(&chars, i) => {
                out.push(Tok::Str(chars[i..i + 36].iter().collect()));
                i += 36;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
                {
                    i += 1;
                }
                out.push(Tok::Num(chars[start..i].iter().collect()));
            }
            c if word_char(c) => {
                let start = i;
                while chars.get(i).is_some_and(|c| word_char(*c)) {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
            other => {
                return Err(format!(
                    "the character '{other}' at position {i} is not valid here"
                ))
            }
        }
    }
    Ok(out)
}

/// Deepest nesting of parentheses, `not` and lambdas accepted (the parser recurses).
const MAX_DEPTH: usize = 64;

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn advance(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn at_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn expect(&mut self, want: &Tok) -> Result<(), String> {
        match self.advance() {
            Some(got) if got == *want => Ok(()),
            Some(got) => Err(format!(
                "expected {} but found {}",
                want.describe(),
                got.describe()
            )),
            None => Err(format!(
                "expected {} but the expression ended",
                want.describe()
            )),
        }
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.at_keyword("or") {
            self.pos += 1;
            left = Filter::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.unary()?;
        while self.at_keyword("and") {
            self.pos += 1;
            left = Filter::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("the filter nests deeper than {MAX_DEPTH} levels"));
        }
        let result = if self.at_keyword("not") {
            self.pos += 1;
            self.unary().map(|f| Filter::Not(Box::new(f)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        result
    }

    fn primary(&mut self) -> Result<Filter, String> {
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            self.expect(&Tok::RParen)?;
            return Ok(inner);
        }
        if let (Some(Tok::Word(name)), Some(Tok::LParen)) =
            (self.peek().cloned(), self.toks.get(self.pos + 1))
        {
            self.pos += 2;
            return self.call(&name);
        }
        let left = self.operand()?;
        let op = match self.peek() {
            Some(Tok::Word(w)) => OPERATORS
                .iter()
                .find(|(k, _)| w.eq_ignore_ascii_case(k))
                .map(|(_, op)| *op),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            let right = self.operand()?;
            return Ok(Filter::Compare(left, op, right));
        }
        if self.at_keyword("in") {
            self.pos += 1;
            self.expect(&Tok::LParen)?;
            let mut list = Vec::new();
            loop {
                match self.operand()? {
                    Operand::Lit(v) => list.push(v),
                    Operand::Path(p) => {
                        return Err(format!(
                            "'in' takes a list of literals, not the property '{}'",
                            p.join("/")
                        ))
                    }
                }
                match self.advance() {
                    Some(Tok::Comma) => continue,
                    Some(Tok::RParen) => break,
                    Some(t) => {
                        return Err(format!("expected ',' or ')' but found {}", t.describe()))
                    }
                    None => return Err("the 'in' list is not closed".into()),
                }
            }
            return Ok(Filter::In(left, list));
        }
        match self.peek() {
            None | Some(Tok::RParen) => Ok(Filter::Truthy(left)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("and") || w.eq_ignore_ascii_case("or") => {
                Ok(Filter::Truthy(left))
            }
            Some(Tok::Word(w)) => Err(format!("'{w}' is not a supported operator")),
            Some(t) => Err(format!("unexpected {}", t.describe())),
        }
    }

    /// After `name(`: a function or a lambda.
    fn call(&mut self, name: &str) -> Result<Filter, String> {
        let lower = name.to_ascii_lowercase();
        let lambda = lower
            .strip_suffix("/any")
            .map(|p| (p, false))
            .or_else(|| lower.strip_suffix("/all").map(|p| (p, true)));
        if let Some((path_lower, all)) = lambda {
            let path = split_path(&name[..path_lower.len()]);
            if self.peek() == Some(&Tok::RParen) {
                self.pos += 1;
                return Ok(Filter::Lambda {
                    path,
                    all,
                    var: None,
                    body: None,
                });
            }
            let var = match self.advance() {
                Some(Tok::Word(v)) if !v.contains('/') => v,
                Some(t) => {
                    return Err(format!(
                        "expected a lambda variable but found {}",
                        t.describe()
                    ))
                }
                None => return Err("the lambda is not closed".into()),
            };
            self.expect(&Tok::Colon)?;
            let body = self.or()?;
            self.expect(&Tok::RParen)?;
            return Ok(Filter::Lambda {
                path,
                all,
                var: Some(var),
                body: Some(Box::new(body)),
            });
        }
        let Some((_, func)) = FUNCTIONS.iter().find(|(f, _)| *f == lower) else {
            return Err(format!("the function '{name}' is not supported"));
        };
        let a = self.operand()?;
        self.expect(&Tok::Comma)?;
        let b = self.operand()?;
        self.expect(&Tok::RParen)?;
        Ok(Filter::Func(*func, a, b))
    }

    fn operand(&mut self) -> Result<Operand, String> {
        match self.advance() {
            Some(Tok::Str(s)) => Ok(Operand::Lit(Value::String(s))),
            Some(Tok::Num(n)) => Ok(Operand::Lit(
                n.parse::<i64>()
                    .map(Value::from)
                    .ok()
                    .or_else(|| {
                        n.parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map(Value::Number)
                    })
                    // Dates and times are written unquoted: compare them as text.
                    .unwrap_or(Value::String(n)),
            )),
            Some(Tok::Word(w)) => Ok(match w.to_ascii_lowercase().as_str() {
                "true" => Operand::Lit(Value::Bool(true)),
                "false" => Operand::Lit(Value::Bool(false)),
                "null" => Operand::Lit(Value::Null),
                _ => Operand::Path(split_path(&w)),
            }),
            Some(t) => Err(format!(
                "expected a property or a value but found {}",
                t.describe()
            )),
            None => Err("expected a property or a value but the expression ended".into()),
        }
    }
}

fn split_path(p: &str) -> Vec<String> {
    p.split('/').map(str::to_string).collect()
}

impl Filter {
    /// Parse `$filter` text.
    pub fn parse(text: &str) -> Result<Filter, String> {
        let toks = tokenize(text)?;
        if toks.is_empty() {
            return Err("the filter is empty".into());
        }
        let mut p = Parser {
            toks,
            pos: 0,
            depth: 0,
        };
        let f = p.or()?;
        match p.peek() {
            None => Ok(f),
            Some(t) => Err(format!("unexpected {} after the expression", t.describe())),
        }
    }

    /// `true` when the expression uses what Graph calls advanced query capabilities (`ne`,
    /// `not`, `endswith`, comparing with `null`), which need `ConsistencyLevel: eventual` on
    /// directory objects.
    pub fn is_advanced(&self) -> bool {
        match self {
            Filter::And(a, b) | Filter::Or(a, b) => a.is_advanced() || b.is_advanced(),
            Filter::Not(_) => true,
            Filter::Compare(l, op, r) => {
                *op == Op::Ne || *l == Operand::Lit(Value::Null) || *r == Operand::Lit(Value::Null)
            }
            Filter::Func(f, _, _) => *f == Func::EndsWith,
            Filter::Lambda { body, .. } => body.as_ref().is_some_and(|b| b.is_advanced()),
            Filter::In(..) | Filter::Truthy(_) => false,
        }
    }

    /// Whether `item` passes the filter.
    pub fn matches(&self, item: &Value) -> bool {
        self.eval(item, None)
    }

    fn eval<'v>(&self, item: &'v Value, env: Option<&Env<'_, 'v>>) -> bool {
        match self {
            Filter::And(a, b) => a.eval(item, env) && b.eval(item, env),
            Filter::Or(a, b) => a.eval(item, env) || b.eval(item, env),
            Filter::Not(a) => !a.eval(item, env),
            Filter::Compare(l, op, r) => {
                let ord = compare(l.value(item, env), r.value(item, env));
                match op {
                    Op::Eq => ord == Some(Ordering::Equal),
                    Op::Ne => ord != Some(Ordering::Equal),
                    Op::Gt => ord == Some(Ordering::Greater),
                    Op::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
                    Op::Lt => ord == Some(Ordering::Less),
                    Op::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
                }
            }
            Filter::In(operand, list) => {
                let v = operand.value(item, env);
                list.iter()
                    .any(|x| compare(v, Some(x)) == Some(Ordering::Equal))
            }
            Filter::Func(f, a, b) => {
                let (Some(Value::String(a)), Some(Value::String(b))) =
                    (a.value(item, env), b.value(item, env))
                else {
                    return false;
                };
                match f {
                    Func::StartsWith => ci_starts_with(a, b),
                    Func::EndsWith => ci_ends_with(a, b),
                    Func::Contains => a.to_lowercase().contains(&b.to_lowercase()),
                }
            }
            Filter::Lambda {
                path,
                all,
                var,
                body,
            } => {
                let elems: &'v [Value] = match resolve_in(path, item, env) {
                    Some(Value::Array(a)) => a,
                    _ => &[],
                };
                let (Some(var), Some(body)) = (var, body) else {
                    return *all || !elems.is_empty();
                };
                let test = |e: &'v Value| {
                    let inner = Env {
                        name: var,
                        value: e,
                        parent: env,
                    };
                    body.eval(item, Some(&inner))
                };
                if *all {
                    elems.iter().all(test)
                } else {
                    elems.iter().any(test)
                }
            }
            Filter::Truthy(op) => op.value(item, env) == Some(&Value::Bool(true)),
        }
    }
}

/// Lambda variables in scope: `x` in `assignedLicenses/any(x: x/skuId eq ...)`.
struct Env<'e, 'v> {
    name: &'e str,
    value: &'v Value,
    parent: Option<&'e Env<'e, 'v>>,
}

impl<'v> Env<'_, 'v> {
    fn lookup(&self, name: &str) -> Option<&'v Value> {
        if self.name == name {
            Some(self.value)
        } else {
            self.parent.and_then(|p| p.lookup(name))
        }
    }
}

/// Look up a property ignoring ASCII case (exact match first).
pub(crate) fn get_ci<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    let o = v.as_object()?;
    o.get(key).or_else(|| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// Follow a property path from `item`.
pub(crate) fn resolve<'v>(path: &[String], item: &'v Value) -> Option<&'v Value> {
    resolve_in(path, item, None)
}

/// Follow a property path from `item`, or from a lambda variable it starts with.
fn resolve_in<'v>(
    path: &[String],
    item: &'v Value,
    env: Option<&Env<'_, 'v>>,
) -> Option<&'v Value> {
    let (start, rest) = match (path.first(), env) {
        (Some(first), Some(env)) => match env.lookup(first) {
            Some(bound) => (bound, &path[1..]),
            None => (item, path),
        },
        _ => (item, path),
    };
    rest.iter().try_fold(start, |cur, seg| get_ci(cur, seg))
}

impl Operand {
    fn value<'a>(&'a self, item: &'a Value, env: Option<&Env<'_, 'a>>) -> Option<&'a Value> {
        match self {
            Operand::Lit(v) => Some(v),
            Operand::Path(p) => resolve_in(p, item, env),
        }
    }
}

fn lower(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().flat_map(char::to_lowercase)
}

fn ci_starts_with(s: &str, prefix: &str) -> bool {
    let mut it = lower(s);
    lower(prefix).all(|c| it.next() == Some(c))
}

fn ci_ends_with(s: &str, suffix: &str) -> bool {
    let mut it = s.chars().rev().flat_map(char::to_lowercase);
    suffix
        .chars()
        .rev()
        .flat_map(char::to_lowercase)
        .all(|c| it.next() == Some(c))
}

/// Order two values of the same JSON type (strings ignoring case); `None` when the types
/// differ. A missing value counts as `null`.
pub(crate) fn compare(a: Option<&Value>, b: Option<&Value>) -> Option<Ordering> {
    match (a.unwrap_or(&Value::Null), b.unwrap_or(&Value::Null)) {
        (Value::String(x), Value::String(y)) => Some(lower(x).cmp(lower(y))),
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"displayName": "Adele Vance", "accountEnabled": true, "age": 3,
               "mail": null, "customer": {"tenantId": "T1"},
               "proxyAddresses": ["SMTP:adele@contoso.com", "smtp:av@contoso.onmicrosoft.com"],
               "assignedLicenses": [{"skuId": "05e9a617-0261-4cee-bb44-138d3ef5d965"}, {"skuId": "b"}],
               "createdDateTime": "2023-05-01T10:00:00Z"})
    }

    fn t(f: &str) -> bool {
        Filter::parse(f)
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .matches(&user())
    }

    #[test]
    fn comparisons_functions_and_logic() {
        assert!(t("displayName eq 'adele vance'"));
        assert!(t("DisplayName EQ 'ADELE VANCE'"));
        assert!(!t("displayName eq 'adele'"));
        assert!(t("startswith(displayName,'Ad') and accountEnabled eq true"));
        assert!(t("endswith(displayName,'VANCE')"));
        assert!(t("contains(displayName,'le va')"));
        assert!(t("not (age gt 5) and (age ge 3 or displayName eq 'x')"));
        assert!(t("age lt 3.5 and age le 3 and age ne 4"));
        assert!(t("customer/tenantId eq 'T1'"));
        assert!(t("mail eq null and missing eq null"));
        assert!(t("displayName ne null"));
        assert!(t("accountEnabled"));
        assert!(t("displayName in ('x', 'Adele Vance')"));
        assert!(t("createdDateTime ge 2023-01-01T00:00:00Z"));
        assert!(!t("createdDateTime ge 2024-01-01"));
        assert!(t("displayName eq 'O''Brien' or age eq 3"));
        assert!(!t("accountEnabled eq 'true'"), "no cross-type equality");
    }

    #[test]
    fn lambdas() {
        assert!(t(
            "assignedLicenses/any(x:x/skuId eq 05e9a617-0261-4cee-bb44-138d3ef5d965)"
        ));
        assert!(t("assignedLicenses/any(x: x/skuId eq 'b')"));
        assert!(!t("assignedLicenses/any(x: x/skuId eq 'c')"));
        assert!(t("assignedLicenses/any()"));
        assert!(!t("nothing/any()"));
        assert!(t("proxyAddresses/any(p: startswith(p, 'smtp:'))"));
        assert!(!t("proxyAddresses/all(p: startswith(p, 'SMTP:adele'))"));
    }

    #[test]
    fn errors_name_the_problem() {
        for (f, want) in [
            ("displayName eq", "ended"),
            ("frobnicate(a,b)", "frobnicate"),
            ("a eq 'x", "not closed"),
            ("a eq 1)", "after the expression"),
            ("a like 'x'", "'like'"),
            ("a eq #", "'#'"),
            ("", "empty"),
            ("a in (b)", "literals"),
            ("x/any(1: true)", "lambda variable"),
            (
                &format!("{}a eq 1{}", "(".repeat(10_000), ")".repeat(10_000)),
                "nests",
            ),
            (&"not ".repeat(10_000), "nests"),
        ] {
            let err = Filter::parse(f).unwrap_err();
            assert!(err.contains(want), "{f}: {err}");
        }
    }

    #[test]
    fn advanced_queries_are_recognised() {
        let adv = |f: &str| Filter::parse(f).unwrap().is_advanced();
        assert!(adv("a ne 1"));
        assert!(adv("not (a eq 1)"));
        assert!(adv("endswith(mail,'x')"));
        assert!(adv("a eq null"));
        assert!(adv("x/any(y: y/z ne 'q')"));
        assert!(!adv("a eq 1 and startswith(b,'c')"));
    }
}
