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

    /// Found by FuzzRegistryURL (crash-a9e1db12…): U+0820 is a combining mark, so "@\u{0820}" is one Character
    /// and a Character search for "@" missed the end of the user-info; the password then went into the port text
    /// of the error ("port 'Q7iiiiii@ࠠ…' is not 0...65535").
    @Test("an '@' followed by a combining mark still ends the user-info: the password is never in an error")
    func combiningMarkAfterAtSign() {
        for text in ["dubbo://u:Q7iiiiii@\u{0820}\u{FFFD}\u{FFFD}", "dubbo://u:Q7iiiiii@\u{0820}h:1/svc?x=1"] {
            do {
                let url = try DubboURL(parsing: text)
                #expect(url.password == "Q7iiiiii")
                #expect(!url.description.contains("Q7iiiiii"))
            } catch {
                #expect(!error.description.contains("Q7iiiiii"), "\(error)")
            }
            #expect(!RegistryAddress.redact(text).contains("Q7iiiiii"))
        }
        let address = "redis://u:Q7iiiiii@\u{0820}h:1"
        #expect(!RegistryAddress.redact(address).contains("Q7iiiiii"))
        do {
            _ = try RegistryAddress(parsing: address)
        } catch {
            #expect(!error.description.contains("Q7iiiiii"), "\(error)")
        }
    }

    @Test("an '@' in a parameter value over-redacts rather than leaking: the text before it is hidden")
    func atSignInParameterOverRedacts() {
        #expect(RegistryAddress.redact("redis://h:1?owner=a@b&password=pw") == "redis://h:***@b&password=***")
    }
}
