import Hessian2
import InspectorCore
import Testing

/// Inputs that once broke a Hessian2 invariant, kept with their bytes (each found by fuzzing or by review).
@Suite("Hessian2 regressions from hostile input")
struct HessianHostileRegressionTests {
    /// Maps nested as each other's keys: `H H … H 91 (91 Z)…`. Each level writes the inner key's JSON text as an
    /// escaped string, which doubles its backslashes, so the text grows as 2^depth if the key is not budgeted.
    static func mapKeyNest(depth: Int) -> [UInt8] {
        repeated(0x48, depth) + [0x91] + Array(repeating: [0x91, 0x5A], count: depth).flatMap { $0 }
    }

    @Test("maps nested as map keys render within the budget, not in 2^depth bytes", arguments: [10, 24, 62])
    func mapKeysNestedAsKeysStayInBudget(depth: Int) throws {
        let value = try decodeOne(Self.mapKeyNest(depth: depth))
        var writer = JSONWriter()
        var budget = 4_096
        value.writeJSON(to: &writer, budget: &budget)
        // Over the budget by at most one key's escaped text (at most twice the room left) and a marker and two
        // brackets per level; without the key check, depth 62 needed 2^50 bytes.
        #expect(writer.bytes.count <= 3 * 4_096 + 16 * depth)
        #expect(budget == 4_096 - writer.bytes.count)
    }

    @Test("a map key that fits the budget is still written as the text of its JSON")
    func shallowNonStringKeysKeepTheirText() throws {
        // {{1: 1}: 1}: the key is the map {"1":1}, written as its JSON text.
        let value = try decodeOne(Self.mapKeyNest(depth: 2))
        #expect(value.jsonString == #"{"{\"1\":1}":1}"#)
    }
}
