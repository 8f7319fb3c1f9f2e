//! Compile-fail (trybuild) cases: code using the generated `demo_shop`
//! module (the golden file) wrongly does not compile. Each case under
//! `tests/compile_fail/` includes the module and makes one mistake: an
//! entity or action the definition lacks, a misspelt or mistyped
//! parameter, an enum value the definition does not list, a missing
//! required parameter, `paginate` on a non-list action, a field read with
//! the wrong type. The expected compiler output is in the `.stderr` files
//! (refresh with `TRYBUILD=overwrite` after a toolchain upgrade and review).

#[test]
fn misuse_of_a_generated_connector_does_not_compile() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/compile_fail/*.rs");
}
