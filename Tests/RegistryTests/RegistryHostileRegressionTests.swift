import Registry
import Testing

/// Registry address texts that once printed a password (found while writing the registry URL fuzz target).
@Suite("Registry redaction regressions")
struct RegistryHostileRegressionTests {
    @Test(
        "a password holding '/', '?' or '@' unencoded is redacted whole, in redact() and in the parse error",
        arguments: [
            ("redis://u:pa/ssword123@127.0.0.1:1", "redis://u:***@127.0.0.1:1"),
            ("redis://:se?cret123@127.0.0.1:1", "redis://:***@127.0.0.1:1"),
            ("redis://u:a@b/c?d@127.0.0.1:1", "redis://u:***@127.0.0.1:1"),
            ("redis://ssword/123@127.0.0.1:1/path?x=1", "redis://***@127.0.0.1:1/path?x=1"),
        ])
    func passwordsWithDelimitersAreRedacted(text: String, redacted: String) {
        #expect(RegistryAddress.redact(text) == redacted)
        do {
            let address = try RegistryAddress(parsing: text)
            #expect(!address.description.contains("123"))
        } catch {
            #expect(!error.description.contains("ssword123") && !error.description.contains("cret123"))
            #expect(!error.description.contains("b/c?d"))
        }
    }

    @Test("an '@' in a parameter value over-redacts rather than leaking: the text before it is hidden")
    func atSignInParameterOverRedacts() {
        #expect(RegistryAddress.redact("redis://h:1?owner=a@b&password=pw") == "redis://h:***@b&password=***")
    }
}
