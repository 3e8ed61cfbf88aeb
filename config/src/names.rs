//! Reading a setting's choice from its name, and the message for a name that is none of them. tokio's wording:
//! "No such leak policy `x`. The leak policies are `deny` (the default), `strict`, `warn` and `allow`."

/// A setting whose value is one of a few names: the attribute's `leaks = "warn"`, the variable `WS_TEST_LEAKS=warn`.
pub trait Named: Copy + PartialEq + Sized + 'static {
    /// What one choice and several are called in messages: `("leak policy", "leak policies")`.
    const KIND: (&'static str, &'static str);

    /// Each choice: its name, the name of its variant in Rust (for generated code), and the value. The first is the
    /// default.
    const CHOICES: &'static [(&'static str, &'static str, Self)];

    /// The choice called `name`.
    ///
    /// # Errors
    ///
    /// The message for a name that is none of the choices, listing them.
    fn from_name(name: &str) -> Result<Self, String> {
        Self::CHOICES
            .iter()
            .find(|(choice, _, _)| *choice == name)
            .map(|(_, _, value)| *value)
            .ok_or_else(|| Self::unknown(name))
    }

    /// How the attribute spells this choice.
    fn name(self) -> &'static str {
        Self::entry(self).0
    }

    /// The variant's name in Rust, e.g. `MultiThread`.
    fn variant(self) -> &'static str {
        Self::entry(self).1
    }

    /// The message for `name`, which is none of the choices.
    fn unknown(name: &str) -> String {
        let (kind, kinds) = Self::KIND;
        let mut names: Vec<String> = Self::CHOICES
            .iter()
            .map(|(choice, _, _)| format!("`{choice}`"))
            .collect();
        if let Some(default) = names.first_mut() {
            default.push_str(" (the default)");
        }
        let listed = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, others)) => format!("{} and {last}", others.join(", ")),
            None => String::new(),
        };
        format!("No such {kind} `{name}`. The {kinds} are {listed}.")
    }

    #[doc(hidden)]
    fn entry(self) -> (&'static str, &'static str) {
        Self::CHOICES
            .iter()
            .find(|(_, _, value)| *value == self)
            .map_or(("", ""), |(name, variant, _)| (*name, *variant))
    }
}
