import FuzzSupport
import Registry

/// The registry's URL parsers: provider/consumer URLs read from Redis (`DubboURL`) and the `--registry` address
/// (`RegistryAddress`), and the redaction that keeps passwords out of everything printed.
///
/// Input: byte 0 picks the parser (bit 0) and whether a known secret is planted (bit 1); byte 1 the secret's
/// length; then the secret's characters (mapped onto the characters a URL's user-info and parameter values may
/// hold unescaped: letters, digits, `-._~!$&'()*+,;=%`) and the rest of the text.
///
/// Invariants besides "no trap": a planted password — in the user-info
/// (`scheme://user:SECRET@…`) or as a `password=` parameter — never appears in a parsed value's description, in an
/// error, or in `RegistryAddress.redact`, unless the rest of the text holds the same characters anyway.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRegistryURL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    let secretLength = 6 + Int(input.byte() % 10)
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$'()*+,;=")
    // A prefix that no random text or dictionary entry is likely to produce, so a match means a leak.
    let secret = "Q7" + String(input.take(secretLength).map { alphabet[Int($0) % alphabet.count] })
    let rest = String(decoding: input.rest(), as: UTF8.self)
    let plant = mode & 2 != 0
    let inParameter = mode & 4 != 0

    let text: String
    if !plant {
        text = rest
    } else if inParameter {
        text = (mode & 1 == 0 ? "dubbo://" : "redis://") + rest + (rest.contains("?") ? "&" : "?") + "password="
            + secret
    } else {
        text = (mode & 1 == 0 ? "dubbo://u:" : "redis://u:") + secret + "@" + rest
    }
    let leakPossible = plant && !rest.contains(secret.prefix(2)) && !rest.contains("#")

    var printed: [String] = []
    if mode & 1 == 0 {
        do {
            let url = try DubboURL(parsing: text)
            printed.append(url.description)
            _ = url.endpoint
            _ = url.methods
        } catch {
            // Printed as a registry problem's reason (terminal escaping happens where it is printed).
            printed.append(error.description)
        }
    } else {
        do {
            let address = try RegistryAddress(parsing: text)
            printed.append(address.description)
            invariant(address.nodes.count <= RegistryAddress.maxNodes, "more nodes than maxNodes")
        } catch {
            // The address is the user's own command-line text: only the password matters here.
            printed.append(error.description)
        }
        printed.append(RegistryAddress.redact(text))
    }
    if leakPossible {
        for line in printed {
            invariant(!line.contains(secret), "the planted password \(secret) was printed: \(line)")
        }
    }
    return 0
}
