//! Masking of secrets in texts that reach logs and error messages.

/// `url` with its password (if any) replaced by `***`; `<not a URL>` when it does not parse
/// (it could be anything, a secret included).
pub(crate) fn url_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "<not a URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::url_password;

    #[test]
    fn passwords_are_masked_and_the_rest_kept() {
        assert_eq!(
            url_password("postgres://support:s3cret@db/support"),
            "postgres://support:***@db/support"
        );
        assert_eq!(url_password("redis://cache:6379"), "redis://cache:6379");
        assert_eq!(url_password("not a url with s3cret"), "<not a URL>");
    }
}
