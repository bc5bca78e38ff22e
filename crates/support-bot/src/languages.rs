//! [`Languages`]: the [`Texts`] of each language the bot speaks, and how a user's language is
//! chosen.
//!
//! A user's language is, in order: what the host's override hook says ([`Languages::choose`],
//! e.g. a language the user picked in the host's settings), else the `language_code` Telegram
//! gives with each update (the user's app language), else the fallback. A code matches a
//! registered language exactly (ignoring case), else by its primary subtag: `en-US` and `en_GB`
//! are `en`, `pt-BR` is `pt-br` when registered, else `pt`.

use std::fmt;
use std::sync::Arc;

use teloxide::types::User;

use crate::texts::Texts;

/// The host's override of a user's language: a language code, or `None` for Telegram's.
type Chooser = dyn Fn(&User) -> Option<String> + Send + Sync;

/// The languages of the support screens: a fallback plus any number of languages by code.
///
/// - [`Languages::default()`]: Russian (`ru`, also the fallback, as the Python original) and
///   English (`en`), chosen per user from Telegram's `language_code`.
/// - [`Languages::new`] / `From<Texts>`: one language for everyone (what passing a single
///   [`Texts`] to [`crate::dependencies`] means, as before languages existed).
/// - [`Languages::with`] adds or replaces a language, [`Languages::fallback`] picks the one for
///   users whose language is not registered (or unknown), [`Languages::choose`] overrides
///   Telegram's language per user.
///
/// Cloning is cheap (an `Arc`).
///
/// ```
/// use support_bot::{Languages, Texts};
///
/// let mut german = Texts::english();
/// german.support_button = "Hilfe".into();
/// let languages = Languages::default().with("de", german).fallback("en");
///
/// assert_eq!(languages.pick(Some("de-AT")).support_button, "Hilfe");
/// assert_eq!(languages.pick(Some("ru")).support_button, "Поддержка");
/// assert_eq!(languages.pick(Some("fr")).support_button, "Support"); // the fallback
/// assert_eq!(languages.pick(None).support_button, "Support");
/// ```
#[derive(Clone)]
pub struct Languages {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    /// For users whose language is unknown or not registered.
    fallback: Texts,
    /// Registered languages: lowercase code (`-` as separator), texts. Few, so a list.
    by_code: Vec<(String, Texts)>,
    /// The host's override.
    chooser: Option<Arc<Chooser>>,
}

impl Default for Languages {
    /// Russian (the fallback) and English.
    fn default() -> Self {
        Self::new(Texts::russian())
            .with("ru", Texts::russian())
            .with("en", Texts::english())
    }
}

impl From<Texts> for Languages {
    /// One language for every user.
    fn from(texts: Texts) -> Self {
        Self::new(texts)
    }
}

impl fmt::Debug for Languages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let codes: Vec<&str> = self.inner.by_code.iter().map(|(c, _)| c.as_str()).collect();
        f.debug_struct("Languages")
            .field("codes", &codes)
            .field("chooser", &self.inner.chooser.is_some())
            .finish_non_exhaustive()
    }
}

impl Languages {
    /// Only `fallback`, for every user; add languages with [`Self::with`].
    pub fn new(fallback: Texts) -> Self {
        Self {
            inner: Arc::new(Inner {
                fallback,
                by_code: Vec::new(),
                chooser: None,
            }),
        }
    }

    /// Adds the language `code` (an IETF tag as Telegram sends it: `de`, `pt-br`; case and `_`
    /// do not matter), or replaces its texts.
    pub fn with(mut self, code: &str, texts: Texts) -> Self {
        let code = normalize(code);
        let inner = Arc::make_mut(&mut self.inner);
        match inner.by_code.iter_mut().find(|(c, _)| *c == code) {
            Some((_, old)) => *old = texts,
            None => inner.by_code.push((code, texts)),
        }
        self
    }

    /// Makes the registered language `code` the one for users whose language is unknown or not
    /// registered. A code that is not registered (yet) leaves the fallback as it is.
    pub fn fallback(mut self, code: &str) -> Self {
        if let Some(texts) = self.registered(code).cloned() {
            Arc::make_mut(&mut self.inner).fallback = texts;
        } else {
            tracing::warn!(
                code,
                "support languages: fallback to a language that is not registered; ignored"
            );
        }
        self
    }

    /// Overrides Telegram's `language_code`: `choose(user)` returns the code of the user's
    /// language (e.g. from the host's own settings), or `None` to go by Telegram's. It runs on
    /// every support update, so it should be quick (a lookup in memory).
    ///
    /// ```
    /// use support_bot::Languages;
    /// let languages = Languages::default().choose(|user| (user.id.0 == 42).then(|| "en".into()));
    /// # let _ = languages;
    /// ```
    pub fn choose(
        mut self,
        choose: impl Fn(&User) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.inner).chooser = Some(Arc::new(choose));
        self
    }

    /// The texts of the language `code` (a Telegram `language_code`; `None` when unknown): the
    /// exact language, else its primary subtag (`en-US` → `en`), else the fallback.
    pub fn pick(&self, code: Option<&str>) -> &Texts {
        code.and_then(|code| {
            self.registered(code).or_else(|| {
                let code = normalize(code);
                let primary = code.split('-').next().unwrap_or_default();
                self.registered(primary)
            })
        })
        .unwrap_or(&self.inner.fallback)
    }

    /// The language code of `user`: the override's ([`Self::choose`]), else Telegram's
    /// `language_code`. This is what the bot reports to the support server with the user's
    /// tickets and messages, so a reply pushed later ([`Self::pick`] on the stored code) comes
    /// in the same language as the screens.
    pub fn code_of(&self, user: &User) -> Option<String> {
        self.inner
            .chooser
            .as_ref()
            .and_then(|choose| choose(user))
            .or_else(|| user.language_code.clone())
    }

    /// The texts for `user` ([`Self::code_of`], then [`Self::pick`]).
    pub fn for_user(&self, user: &User) -> &Texts {
        self.pick(self.code_of(user).as_deref())
    }

    /// The fallback texts.
    pub fn fallback_texts(&self) -> &Texts {
        &self.inner.fallback
    }

    fn registered(&self, code: &str) -> Option<&Texts> {
        let code = normalize(code);
        self.inner
            .by_code
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, t)| t)
    }
}

/// Lowercase, `_` as `-`, trimmed.
fn normalize(code: &str) -> String {
    code.trim().to_ascii_lowercase().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::types::UserId;

    fn user(id: u64, code: Option<&str>) -> User {
        User {
            id: UserId(id),
            is_bot: false,
            first_name: "U".into(),
            last_name: None,
            username: None,
            language_code: code.map(str::to_owned),
            is_premium: false,
            added_to_attachment_menu: false,
        }
    }

    #[test]
    fn russian_is_the_default_and_english_is_built_in() {
        let l = Languages::default();
        assert_eq!(l.pick(None), &Texts::russian());
        assert_eq!(l.pick(Some("ru")), &Texts::russian());
        assert_eq!(l.pick(Some("en")), &Texts::english());
        assert_eq!(l.pick(Some("fr")), &Texts::russian());
        assert_eq!(l.pick(Some("")), &Texts::russian());
    }

    #[test]
    fn regional_codes_match_their_language() {
        let l = Languages::default();
        for code in ["en-US", "EN", "en_GB", " en-us "] {
            assert_eq!(l.pick(Some(code)), &Texts::english(), "{code}");
        }
        let mut brazil = Texts::english();
        brazil.back = "Voltar".into();
        let mut portugal = Texts::english();
        portugal.back = "Retroceder".into();
        let l = l.with("pt-BR", brazil.clone()).with("pt", portugal.clone());
        assert_eq!(l.pick(Some("pt-br")), &brazil);
        assert_eq!(l.pick(Some("pt-PT")), &portugal);
    }

    #[test]
    fn a_host_adds_replaces_and_falls_back() {
        let mut german = Texts::english();
        german.back = "Zurück".into();
        let l = Languages::default()
            .with("de", german.clone())
            .fallback("de");
        assert_eq!(l.pick(Some("de-CH")), &german);
        assert_eq!(l.pick(Some("fr")), &german);
        assert_eq!(l.pick(Some("ru")), &Texts::russian());

        let mut en = Texts::english();
        en.back = "Go back".into();
        let l = l.with("en", en.clone());
        assert_eq!(l.pick(Some("en")), &en);
        // An unregistered fallback is ignored.
        assert_eq!(l.fallback("xx").fallback_texts(), &german);
    }

    #[test]
    fn one_texts_is_one_language_for_everyone() {
        let l = Languages::from(Texts::english());
        assert_eq!(l.pick(Some("ru")), &Texts::english());
        assert_eq!(l.for_user(&user(1, Some("ru"))), &Texts::english());
    }

    #[test]
    fn the_override_wins_over_telegram() {
        let l = Languages::default().choose(|u| (u.id.0 == 42).then(|| "en".to_owned()));
        assert_eq!(l.for_user(&user(42, Some("ru"))), &Texts::english());
        assert_eq!(l.code_of(&user(42, Some("ru"))).as_deref(), Some("en"));
        assert_eq!(l.for_user(&user(7, Some("ru"))), &Texts::russian());
        assert_eq!(l.for_user(&user(7, Some("en-US"))), &Texts::english());
        assert_eq!(l.code_of(&user(7, None)), None);
    }
}
