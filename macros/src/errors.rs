//! Every mistake found in one expansion, reported together: one compilation shows them all (`syn::Error::combine`).

#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(combined) => combined.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Keeps the error of a failed step, and its value otherwise.
    pub(crate) fn keep<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        result.map_err(|error| self.push(error)).ok()
    }

    pub(crate) fn extend(&mut self, others: Errors) {
        if let Some(error) = others.0 {
            self.push(error);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub(crate) fn into_compile_errors(self) -> proc_macro2::TokenStream {
        self.0.map(syn::Error::into_compile_error).unwrap_or_default()
    }
}
