//! The two tiny template languages of connector definitions' auth sections.
//!
//! - Credential mappings (`auth_mapping`) use `${name}`: a missing variable
//!   is an error (or, for an optional field, skips the mapping).
//! - Extra headers and token URLs use `{{ name }}` (a Jinja subset): a
//!   missing variable renders as the empty string, as Jinja does.

use std::collections::BTreeMap;

/// A `${name}` variable that had no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MissingVariable(pub String);

/// Substitutes every `${name}` in `template`; text outside is kept as is.
pub(crate) fn apply_dollar(
    template: &str,
    values: &BTreeMap<&str, &str>,
) -> Result<String, MissingVariable> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + 2 + len];
        out.push_str(&rest[..start]);
        match values.get(name) {
            Some(v) => out.push_str(v),
            None => return Err(MissingVariable(name.to_string())),
        }
        rest = &rest[start + 2 + len + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Names referenced as `${name}` in `template`.
pub(crate) fn dollar_variables(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest[start + 2..].find('}') else {
            break;
        };
        names.push(rest[start + 2..start + 2 + len].to_string());
        rest = &rest[start + 2 + len + 1..];
    }
    names
}

/// Renders every `{{ name }}` in `template`; unknown names render empty.
pub(crate) fn render_braces(template: &str, values: &BTreeMap<&str, &str>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + 2 + len].trim();
        out.push_str(&rest[..start]);
        out.push_str(values.get(name).copied().unwrap_or_default());
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Names referenced as `{{ name }}` in `template`.
pub(crate) fn brace_variables(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start + 2..].find("}}") else {
            break;
        };
        names.push(rest[start + 2..start + 2 + len].trim().to_string());
        rest = &rest[start + 2 + len + 2..];
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals<'a>(pairs: &[(&'a str, &'a str)]) -> BTreeMap<&'a str, &'a str> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn dollar_templates() {
        let v = vals(&[("email", "a@b.c"), ("api_key", "k")]);
        assert_eq!(apply_dollar("${email}/token", &v).unwrap(), "a@b.c/token");
        assert_eq!(
            apply_dollar("Klaviyo-API-Key ${api_key}", &v).unwrap(),
            "Klaviyo-API-Key k"
        );
        assert_eq!(apply_dollar("X", &v).unwrap(), "X");
        assert_eq!(apply_dollar("", &v).unwrap(), "");
        assert_eq!(
            apply_dollar("${nope}", &v),
            Err(MissingVariable("nope".into()))
        );
        assert_eq!(apply_dollar("${unclosed", &v).unwrap(), "${unclosed");
        assert_eq!(dollar_variables("${a}-${b}"), vec!["a", "b"]);
    }

    #[test]
    fn brace_templates() {
        let v = vals(&[("subdomain", "acme"), ("access_token", "t")]);
        assert_eq!(
            render_braces("https://{{subdomain}}.zendesk.com/oauth/tokens", &v),
            "https://acme.zendesk.com/oauth/tokens"
        );
        assert_eq!(
            render_braces("Zoho-oauthtoken {{ access_token }}", &v),
            "Zoho-oauthtoken t"
        );
        assert_eq!(render_braces("{{ missing }}x", &v), "x");
        assert_eq!(render_braces("2026-07", &v), "2026-07");
        assert_eq!(brace_variables("{{ a }}{{b}}"), vec!["a", "b"]);
    }
}
