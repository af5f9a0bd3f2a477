import Testing
@testable import TripleWire

@Suite("Stream table")
struct StreamTableTests {
    @Test("streams are found by id, changed in place, and taken out; a hole is never found")
    func findChangeRemove() {
        var table = StreamTable<String>()
        for id in stride(from: UInt32(1), through: 9, by: 2) { _ = table.append(id, "stream \(id)") }
        #expect(table.count == 5)
        #expect(table.index(of: 2) == nil, "an id never added")
        #expect(table.index(of: 11) == nil, "an id above every one added")
        let five = try! #require(table.index(of: 5))
        table[five] += " changed"
        #expect(table[five] == "stream 5 changed")
        #expect(table.remove(id: 5) == "stream 5 changed")
        #expect(table.index(of: 5) == nil)
        #expect(table.remove(id: 5) == nil, "taken once")
        #expect(table.count == 4)
        #expect(table.indices.map { table[$0] } == ["stream 1", "stream 3", "stream 7", "stream 9"])
        #expect(table.reduce(0) { $0 + $1.count } == 32)
        #expect(table.removeFirst() == "stream 1")
        #expect(table.removeFirst() == "stream 3")
        #expect(table.remove(id: 9) == "stream 9")
        #expect(table.removeFirst() == "stream 7")
        #expect(table.removeFirst() == nil)
        #expect(table.isEmpty)
    }

    @Test("a long-lived stream among thousands that open and finish: every open stream is found, in id order")
    func longLivedStream() {
        var table = StreamTable<UInt32>()
        _ = table.append(1, 1)
        var open: [UInt32] = []
        for id in stride(from: UInt32(3), to: 20_000, by: 2) {
            _ = table.append(id, id)
            open.append(id)
            if open.count > 3 { #expect(table.remove(id: open.removeFirst()) != nil) }
        }
        #expect(table.count == 4)
        #expect(table.index(of: 1).map { table[$0] } == 1)
        for id in open { #expect(table.index(of: id).map { table[$0] } == id) }
        #expect(table.indices.map { table[$0] } == [1] + open)
    }
}
