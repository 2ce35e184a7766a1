//! Reads the mail an app wrote into its outbox directory (`MAIL_OUTBOX`), as a mail client
//! would: the headers, and the text part decoded from quoted-printable.

use std::path::Path;

#[derive(Clone, Debug)]
pub struct ReadMail {
    pub to: String,
    pub subject: String,
    /// The whole message, as written.
    pub raw: String,
    /// The plain-text part, decoded.
    pub text: String,
    /// The origin its links must name, when the reader knows it (the app under test's own).
    pub site: Option<String>,
}

impl ReadMail {
    /// The link to `page` in the text, if there is one.
    pub fn link_to(&self, page: &str) -> Option<String> {
        self.text
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(page))
            .map(str::to_owned)
    }

    /// The token of the link to `page`.
    pub fn token_for(&self, page: &str) -> String {
        let link = self
            .link_to(page)
            .unwrap_or_else(|| panic!("no link to {page} in: {}", self.text));
        if let Some(site) = &self.site {
            assert!(
                link.starts_with(&format!("{site}/")),
                "the link {link} does not point at the site under test, {site}"
            );
        }
        link.split_once("token=").expect("a token").1.to_owned()
    }
}

/// Every `.eml` file in `dir`, oldest first (their names start with the time they were written).
pub fn read_outbox(dir: &Path) -> Vec<ReadMail> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "eml"))
        .collect();
    names.sort_by_key(|path| {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (millis, id) = stem.split_once('-').unwrap_or((&stem, "0"));
        (
            millis.parse::<u64>().unwrap_or(0),
            id.parse::<u64>().unwrap_or(0),
        )
    });
    names
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|raw| parse(&raw))
        .collect()
}

/// Every message an SMTP server filed into the maildir `dir`, in the order they arrived.
pub fn read_maildir(dir: &Path) -> Vec<ReadMail> {
    let Ok(entries) = std::fs::read_dir(dir.join("new")) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|(_, path)| std::fs::read_to_string(path).ok())
        .map(|raw| parse(&raw))
        .collect()
}

fn parse(raw: &str) -> ReadMail {
    let header = |name: &str| {
        raw.lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| line.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    let to = header("To");
    let to = match (to.find('<'), to.find('>')) {
        (Some(start), Some(end)) => to[start + 1..end].to_owned(),
        _ => to,
    };
    ReadMail {
        to,
        subject: header("Subject"),
        raw: raw.to_owned(),
        text: text_part(raw),
        site: None,
    }
}

/// The `text/plain` part's body, decoded when it is quoted-printable.
fn text_part(raw: &str) -> String {
    let normalized = raw.replace("\r\n", "\n");
    let Some(start) = normalized.find("Content-Type: text/plain") else {
        return String::new();
    };
    let part = &normalized[start..];
    let (headers, body) = part.split_once("\n\n").unwrap_or((part, ""));
    let body = body.split("\n--").next().unwrap_or_default();
    if headers.contains("quoted-printable") {
        decode_quoted_printable(body)
    } else {
        body.to_owned()
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|pair| std::str::from_utf8(pair).ok())
            .and_then(|pair| u8::from_str_radix(pair, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

#[test]
fn quoted_printable_soft_breaks_and_escapes_are_decoded() {
    assert_eq!(
        decode_quoted_printable("http://a/reset?token=3Dab=\ncd\n"),
        "http://a/reset?token=abcd\n"
    );
}
