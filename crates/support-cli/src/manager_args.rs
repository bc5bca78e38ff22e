//! The `--manager USER:PASSWORD` and `--manager-name USER=NAME` values: parsed with clear
//! errors, the password never in `Debug`.

/// A `--manager USER:PASSWORD` value. `Debug` hides the password.
#[derive(Clone)]
pub struct ManagerCredentials {
    /// The login name.
    pub username: String,
    /// The password (never logged).
    pub password: String,
}

impl std::fmt::Debug for ManagerCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:[redacted]", self.username)
    }
}

/// A `--manager-name USER=NAME` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerName {
    /// The login name.
    pub username: String,
    /// The first name.
    pub first_name: String,
    /// The last name (possibly empty).
    pub last_name: String,
}

/// The longest display name accepted, in characters.
const MANAGER_NAME_MAX_CHARS: usize = 128;

pub(crate) fn parse_manager_name(value: &str) -> Result<ManagerName, String> {
    let (user, name) = value
        .split_once('=')
        .map(|(u, n)| (u.trim(), n.trim()))
        .filter(|(u, n)| !u.is_empty() && !n.is_empty())
        .ok_or("expected USER=NAME with a non-empty user and name")?;
    if name.chars().count() > MANAGER_NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(format!(
            "a name must be at most {MANAGER_NAME_MAX_CHARS} characters, without control characters"
        ));
    }
    let (first, last) = name.split_once(char::is_whitespace).unwrap_or((name, ""));
    Ok(ManagerName {
        username: user.to_owned(),
        first_name: first.to_owned(),
        last_name: last.trim().to_owned(),
    })
}

pub(crate) fn parse_manager(value: &str) -> Result<ManagerCredentials, String> {
    match value.split_once(':') {
        Some((user, password)) if !user.trim().is_empty() && !password.is_empty() => {
            Ok(ManagerCredentials {
                username: user.trim().to_owned(),
                password: password.to_owned(),
            })
        }
        _ => Err("expected USER:PASSWORD with a non-empty user and password".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manager_names() {
        let n = parse_manager_name(" anna = Anna  Maria Petrova ").unwrap();
        assert_eq!(
            (
                n.username.as_str(),
                n.first_name.as_str(),
                n.last_name.as_str()
            ),
            ("anna", "Anna", "Maria Petrova")
        );
        let n = parse_manager_name("boris=Борис").unwrap();
        assert_eq!((n.first_name.as_str(), n.last_name.as_str()), ("Борис", ""));
        for bad in ["anna", "anna=", "=Anna", "anna=a\u{7}b"] {
            assert!(parse_manager_name(bad).is_err(), "{bad}");
        }
        assert!(parse_manager_name(&format!("anna={}", "x".repeat(129))).is_err());
    }
}
