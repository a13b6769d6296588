//! Opaque paging and delta tokens (`$skiptoken`, `$deltatoken`): a few numbers, versioned
//! and base64url-encoded so clients cannot mistake them for offsets they may compute.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

const VERSION: &str = "cippsim1";

/// Encode numbers as an opaque token.
pub(crate) fn encode(parts: &[u64]) -> String {
    let mut text = String::from(VERSION);
    for p in parts {
        text.push(':');
        text.push_str(&p.to_string());
    }
    URL_SAFE_NO_PAD.encode(text)
}

/// Decode a token made by [`encode`] with exactly `len` numbers.
pub(crate) fn decode(token: &str, len: usize) -> Option<Vec<u64>> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let mut fields = text.split(':');
    if fields.next()? != VERSION {
        return None;
    }
    let parts: Vec<u64> = fields.map(str::parse).collect::<Result<_, _>>().ok()?;
    (parts.len() == len).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let t = encode(&[200, 7]);
        assert_eq!(decode(&t, 2), Some(vec![200, 7]));
        assert_eq!(decode(&t, 1), None);
        assert_eq!(decode("200", 1), None);
        assert_eq!(decode("!!", 1), None);
        assert!(!t.contains("200"));
    }
}
