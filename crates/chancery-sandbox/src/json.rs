//! A small JSON writer for the hot paths (field-selected tweets, Graph nodes): writes straight into
//! a reused byte buffer, no intermediate `Value` trees.

#[derive(Default)]
pub(crate) struct JsonBuf {
    pub(crate) buf: Vec<u8>,
    /// One flag per open container: does the next member need a leading comma?
    stack: Vec<bool>,
    /// A key was just written: the next value follows it without a comma.
    pending_value: bool,
}

impl JsonBuf {
    pub(crate) fn with_capacity(n: usize) -> Self {
        JsonBuf {
            buf: Vec::with_capacity(n),
            stack: Vec::with_capacity(8),
            pending_value: false,
        }
    }

    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.stack.clear();
        self.pending_value = false;
    }

    #[inline]
    fn sep(&mut self) {
        if let Some(need) = self.stack.last_mut() {
            if *need {
                self.buf.push(b',');
            } else {
                *need = true;
            }
        }
    }

    #[inline]
    pub(crate) fn begin_obj(&mut self) {
        self.value_prefix();
        self.buf.push(b'{');
        self.stack.push(false);
    }

    /// Appends already serialised members (`"a":1,"b":"x"`) to the open object.
    #[inline]
    pub(crate) fn raw_members(&mut self, members: &str) {
        self.sep();
        self.buf.extend_from_slice(members.as_bytes());
    }

    #[inline]
    pub(crate) fn end_obj(&mut self) {
        self.stack.pop();
        self.buf.push(b'}');
    }

    #[inline]
    pub(crate) fn begin_arr(&mut self) {
        self.value_prefix();
        self.buf.push(b'[');
        self.stack.push(false);
    }

    #[inline]
    pub(crate) fn end_arr(&mut self) {
        self.stack.pop();
        self.buf.push(b']');
    }

    /// Writes `"key":` (the key must not need escaping). The value written next does not add a
    /// comma.
    #[inline]
    pub(crate) fn key(&mut self, k: &str) {
        self.sep();
        self.buf.push(b'"');
        self.buf.extend_from_slice(k.as_bytes());
        self.buf.extend_from_slice(b"\":");
        self.pending_value = true;
    }

    #[inline]
    fn value_prefix(&mut self) {
        if self.pending_value {
            self.pending_value = false;
        } else {
            self.sep();
        }
    }

    #[inline]
    fn value_done(&mut self) {}

    #[inline]
    pub(crate) fn str(&mut self, s: &str) {
        self.value_prefix();
        self.buf.push(b'"');
        escape_into(&mut self.buf, s);
        self.buf.push(b'"');
        self.value_done();
    }

    /// A string value whose content is already JSON-escaped.
    #[inline]
    pub(crate) fn raw_str(&mut self, escaped: &str) {
        self.value_prefix();
        self.buf.push(b'"');
        self.buf.extend_from_slice(escaped.as_bytes());
        self.buf.push(b'"');
        self.value_done();
    }

    /// Starts a string value whose pieces are appended with `push_*`; close with `end_str`.
    #[inline]
    pub(crate) fn begin_str(&mut self) {
        self.value_prefix();
        self.buf.push(b'"');
    }

    #[inline]
    pub(crate) fn push_raw(&mut self, escaped: &str) {
        self.buf.extend_from_slice(escaped.as_bytes());
    }

    #[inline]
    pub(crate) fn push_u64(&mut self, v: u64) {
        let mut b = itoa_buf();
        self.buf.extend_from_slice(fmt_u64(&mut b, v));
    }

    #[inline]
    pub(crate) fn end_str(&mut self) {
        self.buf.push(b'"');
        self.value_done();
    }

    #[inline]
    pub(crate) fn u64(&mut self, v: u64) {
        self.value_prefix();
        let mut b = itoa_buf();
        self.buf.extend_from_slice(fmt_u64(&mut b, v));
        self.value_done();
    }

    /// A u64 written as a JSON string (X ids).
    #[inline]
    pub(crate) fn id_str(&mut self, v: u64) {
        self.value_prefix();
        self.buf.push(b'"');
        let mut b = itoa_buf();
        self.buf.extend_from_slice(fmt_u64(&mut b, v));
        self.buf.push(b'"');
        self.value_done();
    }

    #[inline]
    pub(crate) fn bool(&mut self, v: bool) {
        self.value_prefix();
        self.buf
            .extend_from_slice(if v { b"true" as &[u8] } else { b"false" });
        self.value_done();
    }

    /// Embeds an already serialised JSON value.
    #[inline]
    pub(crate) fn raw_value(&mut self, json: &[u8]) {
        self.value_prefix();
        self.buf.extend_from_slice(json);
        self.value_done();
    }
}

#[inline]
fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Decimal digits of `v`, two at a time.
#[inline]
pub(crate) fn fmt_u64(buf: &mut [u8; 20], mut v: u64) -> &[u8] {
    let mut i = 20;
    while v >= 100 {
        let d = ((v % 100) * 2) as usize;
        v /= 100;
        i -= 2;
        buf[i] = DIGIT_PAIRS[d];
        buf[i + 1] = DIGIT_PAIRS[d + 1];
    }
    if v >= 10 {
        let d = (v * 2) as usize;
        i -= 2;
        buf[i] = DIGIT_PAIRS[d];
        buf[i + 1] = DIGIT_PAIRS[d + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    &buf[i..]
}

/// Writes `YYYY-MM-DDTHH:MM:SS` for Unix ms (UTC) into `out`, and returns the millisecond part.
#[inline]
pub(crate) fn push_datetime(out: &mut Vec<u8>, ms: i64) -> u32 {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000) as u32;
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let mut y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    if m <= 2 {
        y += 1;
    }
    let y = y.clamp(0, 9999) as u32;
    let two = |out: &mut Vec<u8>, v: u32| {
        let i = (v as usize % 100) * 2;
        out.push(DIGIT_PAIRS[i]);
        out.push(DIGIT_PAIRS[i + 1]);
    };
    two(out, y / 100);
    two(out, y % 100);
    out.push(b'-');
    two(out, m);
    out.push(b'-');
    two(out, d);
    out.push(b'T');
    two(out, sod / 3600);
    out.push(b':');
    two(out, sod / 60 % 60);
    out.push(b':');
    two(out, sod % 60);
    milli
}

/// JSON string escaping (RFC 8259), fast path for runs of plain bytes.
pub(crate) fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                out.extend_from_slice(format!("\\u{:04x}", b).as_bytes());
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

pub(crate) fn escape(s: &str) -> String {
    let mut v = Vec::with_capacity(s.len() + 8);
    escape_into(&mut v, s);
    String::from_utf8(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers_and_dates() {
        let mut b = itoa_buf();
        for v in [0u64, 7, 10, 99, 100, 12345, u64::MAX, 2125275065808326662] {
            assert_eq!(
                std::str::from_utf8(fmt_u64(&mut b, v)).unwrap(),
                v.to_string()
            );
        }
        for ms in [
            0i64,
            1_795_989_600_123,
            951_782_400_000,
            4_102_444_799_999,
            1_709_164_800_000,
        ] {
            let mut out = Vec::new();
            let milli = push_datetime(&mut out, ms);
            let expect = chrono::DateTime::from_timestamp_millis(ms)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string();
            assert_eq!(String::from_utf8(out).unwrap(), expect);
            assert_eq!(i64::from(milli), ms % 1000);
        }
    }

    #[test]
    fn writes_nested_json() {
        let mut j = JsonBuf::default();
        j.begin_obj();
        j.key("a");
        j.u64(1);
        j.key("b");
        j.begin_arr();
        j.str("x\"y");
        j.id_str(12);
        j.begin_obj();
        j.end_obj();
        j.end_arr();
        j.key("c");
        j.bool(true);
        j.end_obj();
        let v: serde_json::Value = serde_json::from_slice(&j.buf).unwrap();
        assert_eq!(v, serde_json::json!({"a":1,"b":["x\"y","12",{}],"c":true}));
    }
}
