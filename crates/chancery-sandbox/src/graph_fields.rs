//! Graph's `fields=` syntax: `id,message,comments.summary(true).limit(0){from,message},reactions.type(LIKE).as(like)`.

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldSpec {
    pub(crate) name: String,
    pub(crate) mods: Vec<(String, String)>,
    pub(crate) sub: Option<Vec<FieldSpec>>,
}

impl FieldSpec {
    pub(crate) fn modifier(&self, k: &str) -> Option<&str> {
        self.mods
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    /// The output key (`.as(alias)` or the name).
    pub(crate) fn key(&self) -> &str {
        self.modifier("as").unwrap_or(&self.name)
    }
    pub(crate) fn simple(name: &str) -> FieldSpec {
        FieldSpec {
            name: name.to_string(),
            mods: Vec::new(),
            sub: None,
        }
    }
}

pub(crate) fn defaults(names: &[&str]) -> Vec<FieldSpec> {
    names.iter().map(|n| FieldSpec::simple(n)).collect()
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c == b' ') {
            self.i += 1;
        }
    }
    fn ident(&mut self) -> Result<String, String> {
        self.ws();
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':')
        {
            self.i += 1;
        }
        if start == self.i {
            return Err(format!(
                "Syntax error \"Expected name.\" at character {}",
                self.i
            ));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }
    fn list(&mut self, depth: usize) -> Result<Vec<FieldSpec>, String> {
        if depth > 5 {
            return Err("Field nesting is too deep".into());
        }
        let mut out = Vec::new();
        loop {
            let name = self.ident()?;
            let mut spec = FieldSpec {
                name,
                mods: Vec::new(),
                sub: None,
            };
            while self.peek() == Some(b'.') {
                self.i += 1;
                let m = self.ident()?;
                if self.peek() != Some(b'(') {
                    return Err(format!(
                        "Syntax error \"Expected \"(\" instead of \"{}\".\"",
                        self.peek().map(|c| c as char).unwrap_or(' ')
                    ));
                }
                self.i += 1;
                let start = self.i;
                while self.peek().is_some_and(|c| c != b')') {
                    self.i += 1;
                }
                if self.peek() != Some(b')') {
                    return Err("Syntax error \"Expected \")\".\"".into());
                }
                let arg = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
                self.i += 1;
                spec.mods.push((m, arg));
            }
            self.ws();
            if self.peek() == Some(b'{') {
                self.i += 1;
                spec.sub = Some(self.list(depth + 1)?);
                self.ws();
                if self.peek() != Some(b'}') {
                    return Err("Syntax error \"Expected \"}\".\"".into());
                }
                self.i += 1;
            }
            out.push(spec);
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                }
                _ => return Ok(out),
            }
        }
    }
}

pub(crate) fn parse_fields(s: &str) -> Result<Vec<FieldSpec>, String> {
    let mut p = P {
        s: s.as_bytes(),
        i: 0,
    };
    let out = p.list(0)?;
    p.ws();
    if p.i != s.len() {
        return Err(format!(
            "Syntax error \"Unexpected character\" at character {}",
            p.i
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_fields() {
        let f = parse_fields("id,message,comments.summary(true).limit(0){from,message},reactions.type(LIKE).limit(0).summary(total_count).as(like)").unwrap();
        assert_eq!(f.len(), 4);
        assert_eq!(f[2].modifier("limit"), Some("0"));
        assert_eq!(f[2].sub.as_ref().unwrap().len(), 2);
        assert_eq!(f[3].key(), "like");
        assert!(parse_fields("id,{").is_err());
        assert!(parse_fields("messages{message,from").is_err());
    }
}
