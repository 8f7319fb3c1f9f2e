//! Exit codes: one per [`ErrorKind`], so scripts can react without parsing
//! messages.
//!
//! | code | meaning |
//! |---:|---|
//! | 0 | success |
//! | 1 | unexpected failure (an error kind newer than this table) |
//! | 2 | usage error: bad flags or arguments (clap) |
//! | 3 | missing credentials |
//! | 4 | invalid argument |
//! | 5 | authentication failed (401/403) |
//! | 6 | rate limited (429) |
//! | 7 | request rejected as invalid (400/422) |
//! | 8 | other HTTP error status |
//! | 9 | network error |
//! | 10 | timeout |
//! | 11 | not found |
//! | 12 | ambiguous (several matches) |
//! | 13 | unknown entity |
//! | 14 | action not supported |
//! | 15 | missing parameter |
//! | 16 | invalid parameter |
//! | 17 | invalid connector definition |
//! | 18 | undecodable response |
//! | 19 | local I/O error |
//! | 20 | file already exists |
//! | 21 | remote execution failed |
//!
//! The same table is printed at the end of `airbyte-agent --help`
//! ([`EXIT_CODES_HELP`]); a test keeps the two in sync with [`exit_code`].

use airbyte_agent_sdk::ErrorKind;

/// Exit code for success.
pub const SUCCESS: u8 = 0;
/// Exit code for an error kind this table does not know yet.
pub const UNEXPECTED: u8 = 1;
/// Exit code clap uses for usage errors; listed so no kind reuses it.
pub const USAGE: u8 = 2;

/// Every error kind with its exit code and a short description, in table
/// order. `ErrorKind` is non-exhaustive; a kind missing here exits with
/// [`UNEXPECTED`].
pub const KIND_CODES: &[(ErrorKind, u8, &str)] = &[
    (ErrorKind::MissingCredentials, 3, "missing credentials"),
    (ErrorKind::InvalidArgument, 4, "invalid argument"),
    (
        ErrorKind::Authentication,
        5,
        "authentication failed (401/403)",
    ),
    (ErrorKind::RateLimited, 6, "rate limited (429)"),
    (
        ErrorKind::Validation,
        7,
        "request rejected as invalid (400/422)",
    ),
    (ErrorKind::HttpStatus, 8, "other HTTP error status"),
    (ErrorKind::Network, 9, "network error"),
    (ErrorKind::Timeout, 10, "timeout"),
    (ErrorKind::NotFound, 11, "not found"),
    (ErrorKind::Ambiguous, 12, "ambiguous (several matches)"),
    (ErrorKind::EntityNotFound, 13, "unknown entity"),
    (ErrorKind::ActionNotSupported, 14, "action not supported"),
    (ErrorKind::MissingParameter, 15, "missing parameter"),
    (ErrorKind::InvalidParameter, 16, "invalid parameter"),
    (ErrorKind::Definition, 17, "invalid connector definition"),
    (ErrorKind::Decode, 18, "undecodable response"),
    (ErrorKind::Io, 19, "local I/O error"),
    (ErrorKind::AlreadyExists, 20, "file already exists"),
    (ErrorKind::Execution, 21, "remote execution failed"),
];

/// The exit code for an error kind.
pub fn exit_code(kind: ErrorKind) -> u8 {
    KIND_CODES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, code, _)| *code)
        .unwrap_or(UNEXPECTED)
}

/// The exit-code table shown after `--help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
   0  success
   1  unexpected failure
   2  usage error (bad flags or arguments)
   3  missing credentials
   4  invalid argument
   5  authentication failed (401/403)
   6  rate limited (429)
   7  request rejected as invalid (400/422)
   8  other HTTP error status
   9  network error
  10  timeout
  11  not found
  12  ambiguous (several matches)
  13  unknown entity
  14  action not supported
  15  missing parameter
  16  invalid parameter
  17  invalid connector definition
  18  undecodable response
  19  local I/O error
  20  file already exists
  21  remote execution failed";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_distinct_and_avoid_reserved_ones() {
        let codes: HashSet<u8> = KIND_CODES.iter().map(|(_, c, _)| *c).collect();
        assert_eq!(codes.len(), KIND_CODES.len());
        assert!(!codes.contains(&SUCCESS));
        assert!(!codes.contains(&UNEXPECTED));
        assert!(!codes.contains(&USAGE));
    }

    #[test]
    fn help_text_matches_the_table() {
        for (kind, code, text) in KIND_CODES {
            let line = format!("{code:>4}  {text}");
            assert!(
                EXIT_CODES_HELP.lines().any(|l| l == line),
                "help lacks `{line}` for {kind:?}"
            );
            assert_eq!(exit_code(*kind), *code);
        }
        assert_eq!(
            EXIT_CODES_HELP.lines().count(),
            KIND_CODES.len() + 4,
            "header, 0, 1, 2 and one line per kind"
        );
    }
}
