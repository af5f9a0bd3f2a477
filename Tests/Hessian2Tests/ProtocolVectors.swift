import TestSupport
import Hessian2

/// Every row of PROTOCOL §8.1 (bytes produced by hessian-lite `Hessian2Output.writeObject`, JDK 17).
enum ProtocolVectors {
    static let user = object("demo.User", [("age", .int(20)), ("name", .string("tom"))])
    static let userClassAndInstance = cat(
        hex("43"), str("demo.User"), hex("92"), str("age"), str("name"), hex("60 a4"), str("tom"))

    static let scalars: [Vector] = [
        Vector("null", hex("4e"), .null),
        Vector("true", hex("54"), .bool(true)),
        Vector("false", hex("46"), .bool(false)),
        Vector("int 0", hex("90"), .int(0)),
        Vector("int 1", hex("91"), .int(1)),
        Vector("int -1", hex("8f"), .int(-1)),
        Vector("int -16", hex("80"), .int(-16)),
        Vector("int 47", hex("bf"), .int(47)),
        Vector("int 48", hex("c8 30"), .int(48)),
        Vector("int -17", hex("c7 ef"), .int(-17)),
        Vector("int 2047", hex("cf ff"), .int(2047)),
        Vector("int -2048", hex("c0 00"), .int(-2048)),
        Vector("int 2048", hex("d4 08 00"), .int(2048)),
        Vector("int -2049", hex("d3 f7 ff"), .int(-2049)),
        Vector("int 262143", hex("d7 ff ff"), .int(262_143)),
        Vector("int -262144", hex("d0 00 00"), .int(-262_144)),
        Vector("int 3000", hex("d4 0b b8"), .int(3000)),
        Vector("int 262144", hex("49 00 04 00 00"), .int(262_144)),
        Vector("int -262145", hex("49 ff fb ff ff"), .int(-262_145)),
        Vector("int MAX", hex("49 7f ff ff ff"), .int(.max)),
        Vector("int MIN", hex("49 80 00 00 00"), .int(.min)),
        Vector("long 0", hex("e0"), .long(0)),
        Vector("long 15", hex("ef"), .long(15)),
        Vector("long -8", hex("d8"), .long(-8)),
        Vector("long 16", hex("f8 10"), .long(16)),
        Vector("long -9", hex("f7 f7"), .long(-9)),
        Vector("long 2047", hex("ff ff"), .long(2047)),
        Vector("long -2048", hex("f0 00"), .long(-2048)),
        Vector("long 2048", hex("3c 08 00"), .long(2048)),
        Vector("long 262143", hex("3f ff ff"), .long(262_143)),
        Vector("long -262144", hex("38 00 00"), .long(-262_144)),
        Vector("long 262144", hex("59 00 04 00 00"), .long(262_144)),
        Vector("long 2^31-1", hex("59 7f ff ff ff"), .long(2_147_483_647)),
        Vector("long -2^31", hex("59 80 00 00 00"), .long(-2_147_483_648)),
        Vector("long 2^31", hex("4c 00 00 00 00 80 00 00 00"), .long(2_147_483_648)),
        Vector("long -2^31-1", hex("4c ff ff ff ff 7f ff ff ff"), .long(-2_147_483_649)),
        Vector("long MAX", hex("4c 7f ff ff ff ff ff ff ff"), .long(.max)),
        Vector("long 1600000000000", hex("4c 00 00 01 74 87 6e 80 00"), .long(1_600_000_000_000)),
        Vector("double 0.0", hex("5b"), .double(0.0)),
        Vector("double 1.0", hex("5c"), .double(1.0)),
        Vector("double -1.0", hex("5d ff"), .double(-1.0)),
        Vector("double 127.0", hex("5d 7f"), .double(127.0)),
        Vector("double -128.0", hex("5d 80"), .double(-128.0)),
        Vector("double 128.0", hex("5e 00 80"), .double(128.0)),
        Vector("double 32767.0", hex("5e 7f ff"), .double(32767.0)),
        Vector("double -32768.0", hex("5e 80 00"), .double(-32768.0)),
        Vector("double 32768.0 (mill)", hex("5f 01 f4 00 00"), .double(32768.0)),
        Vector("double 1.5 (mill)", hex("5f 00 00 05 dc"), .double(1.5)),
        Vector("double 0.1 (mill)", hex("5f 00 00 00 64"), .double(0.1)),
        Vector("double 12.25 (mill)", hex("5f 00 00 2f da"), .double(12.25)),
        Vector("double -0.001 (mill)", hex("5f ff ff ff ff"), .double(-0.001)),
        Vector("double 3.14159", hex("44 40 09 21 f9 f0 1b 86 6e"), .double(3.14159)),
        Vector("double 1e10", hex("44 42 02 a0 5f 20 00 00 00"), .double(1e10)),
        Vector("Float 1.5f", hex("5f 00 00 05 dc"), .double(1.5)),
        Vector("Short 5", hex("95"), .int(5)),
        Vector("Byte 5", hex("95"), .int(5)),
        Vector("Character 'A'", hex("01 41"), .string("A")),
        Vector("Date(0)", hex("4b 00 00 00 00"), .date(millisecondsSinceEpoch: 0)),
        Vector("Date(1599999960000)", hex("4b 01 96 e6 aa"), .date(millisecondsSinceEpoch: 1_599_999_960_000)),
        Vector(
            "Date(1600000000000)", hex("4a 00 00 01 74 87 6e 80 00"), .date(millisecondsSinceEpoch: 1_600_000_000_000)),
        Vector("Date(1234)", hex("4a 00 00 00 00 00 00 04 d2"), .date(millisecondsSinceEpoch: 1234)),
    ]

    static let strings: [Vector] = [
        Vector("\"\"", hex("00"), .string("")),
        Vector("\"a\"", hex("01 61"), .string("a")),
        Vector("\"hello\"", hex("05 68 65 6c 6c 6f"), .string("hello")),
        Vector("\"2.0.2\"", hex("05 32 2e 30 2e 32"), .string("2.0.2")),
        Vector("31 x", cat(hex("1f"), repeated(0x78, 31)), .string(String(repeating: "x", count: 31))),
        Vector("32 x", cat(hex("30 20"), repeated(0x78, 32)), .string(String(repeating: "x", count: 32))),
        Vector("1023 x", cat(hex("33 ff"), repeated(0x78, 1023)), .string(String(repeating: "x", count: 1023))),
        Vector("1024 x", cat(hex("53 04 00"), repeated(0x78, 1024)), .string(String(repeating: "x", count: 1024))),
        Vector("é", hex("01 c3 a9"), .string("é")),
        Vector("中文", hex("02 e4 b8 ad e6 96 87"), .string("中文")),
        Vector("😀 as two 3-byte surrogates", hex("02 ed a0 bd ed b8 80"), .string("😀")),
        Vector(
            "lone high surrogate (go-hessian2 real world)",
            hex("14 74 65 73 74 5f 67 6f 5f 68 65 73 73 69 61 6e 32 ed a0 bd 2e 2e 2e"),
            .string("test_go_hessian2\u{FFFD}...")),
        Vector(
            "32773 x: R chunk then compact final",
            cat(hex("52 80 00"), repeated(0x78, 32768), hex("05"), repeated(0x78, 5)),
            .string(String(repeating: "x", count: 32773))),
        Vector(
            "34768 chars, surrogate pair at 0x7FFF/0x8000",
            cat(hex("52 7f ff"), repeated(0x78, 32767), hex("53 07 d1 ed a0 bd ed b8 80"), repeated(0x78, 1999)),
            .string(String(repeating: "x", count: 32767) + "😀" + String(repeating: "x", count: 1999))),
    ]

    static let binaries: [Vector] = [
        Vector("byte[0]", hex("20"), .binary([])),
        Vector("byte[]{1,2,3}", hex("23 01 02 03"), .binary([1, 2, 3])),
        Vector("byte[16]", cat(hex("34 10"), repeated(0, 16)), .binary(repeated(0, 16))),
        Vector("byte[1023]", cat(hex("37 ff"), repeated(0, 1023)), .binary(repeated(0, 1023))),
        Vector("byte[1024]", cat(hex("42 04 00"), repeated(0, 1024)), .binary(repeated(0, 1024))),
        Vector(
            "byte[70000]: eight A chunks and a B chunk",
            cat(
                (0..<8).flatMap { _ in cat(hex("41 1f fd"), repeated(7, 8189)) }, hex("42 11 88"),
                repeated(7, 4488)),
            .binary(repeated(7, 70000))),
    ]

    static let collections: [Vector] = [
        Vector("ArrayList []", hex("78"), list([])),
        Vector("ArrayList [\"a\",1]", hex("7a 01 61 91"), list([.string("a"), .int(1)])),
        Vector("ArrayList [1..8]", hex("58 98 91 92 93 94 95 96 97 98"), list((1...8).map { .int(Int32($0)) })),
        Vector(
            "ArrayList of 9 strings",
            cat(hex("58 99"), (0..<9).flatMap { str(String(UnicodeScalar(UInt8(0x61 + $0)))) }),
            list(["a", "b", "c", "d", "e", "f", "g", "h", "i"].map { .string($0) })),
        Vector(
            "LinkedList [\"a\"]", cat(hex("71"), str("java.util.LinkedList"), str("a")),
            list("java.util.LinkedList", [.string("a")])),
        Vector(
            "HashSet [\"a\"]", cat(hex("71"), str("java.util.HashSet"), str("a")),
            list("java.util.HashSet", [.string("a")])),
        Vector(
            "String[]{a,b}", hex("72 07 5b 73 74 72 69 6e 67 01 61 01 62"),
            list("[string", [.string("a"), .string("b")])),
        Vector("int[]{1,2,3}", hex("73 04 5b 69 6e 74 91 92 93"), list("[int", [.int(1), .int(2), .int(3)])),
        Vector("long[]{1}", hex("71 05 5b 6c 6f 6e 67 e1"), list("[long", [.long(1)])),
        Vector(
            "Object[]{1,a}", cat(hex("72"), str("[object"), hex("91"), str("a")),
            list("[object", [.int(1), .string("a")])),
        Vector(
            "Integer[]{1}", cat(hex("71"), str("[java.lang.Integer"), hex("91")),
            list("[java.lang.Integer", [.int(1)])),
        Vector(
            "Integer[]{1,null}", cat(hex("72"), str("[java.lang.Integer"), hex("91 4e")),
            list("[java.lang.Integer", [.int(1), .null])),
        Vector("HashMap {}", hex("48 5a"), map([])),
        Vector("HashMap {k:v}", hex("48 01 6b 01 76 5a"), map([(.string("k"), .string("v"))])),
        Vector("HashMap {1:2}", hex("48 91 92 5a"), map([(.int(1), .int(2))])),
        Vector(
            "LinkedHashMap {k:v}", cat(hex("4d"), str("java.util.LinkedHashMap"), hex("01 6b 01 76 5a")),
            map("java.util.LinkedHashMap", [(.string("k"), .string("v"))])),
        Vector(
            "TreeMap {k:v}", cat(hex("4d"), str("java.util.TreeMap"), hex("01 6b 01 76 5a")),
            map("java.util.TreeMap", [(.string("k"), .string("v"))])),
        Vector(
            "HashMap {s:(short)1, b:(byte)2, f:1.5f}", hex("48 01 62 92 01 73 91 01 66 5f 00 00 05 dc 5a"),
            map([(.string("b"), .int(2)), (.string("s"), .int(1)), (.string("f"), .double(1.5))])),
        Vector(
            "ArrayList[LinkedList[1], LinkedList[2]] with type ref #0",
            cat(hex("7a 71"), str("java.util.LinkedList"), hex("91 71 90 92")),
            list([list("java.util.LinkedList", [.int(1)]), list("java.util.LinkedList", [.int(2)])])),
    ]

    static let objects: [Vector] = [
        Vector(
            "demo.User{name=tom,age=20}",
            hex("43 09 64 65 6d 6f 2e 55 73 65 72 92 03 61 67 65 04 6e 61 6d 65 60 a4 03 74 6f 6d"), user),
        Vector(
            "ArrayList [u, u] (same instance, ref #1)", cat(hex("7a"), userClassAndInstance, hex("51 91")),
            list([user, user])),
        Vector(
            "enum demo.Color.RED", cat(hex("43"), str("demo.Color"), hex("91"), str("name"), hex("60 03 52 45 44")),
            object("demo.Color", [("name", .string("RED"))])),
        Vector(
            "BigDecimal(1.5)",
            cat(hex("43"), str("java.math.BigDecimal"), hex("91"), str("value"), hex("60"), str("1.5")),
            object("java.math.BigDecimal", [("value", .string("1.5"))])),
        Vector(
            "UUID(1,2)",
            cat(
                hex("43"), str("java.util.UUID"), hex("91"), str("value"), hex("60 30 24"),
                Array("00000000-0000-0001-0000-000000000002".utf8)),
            object("java.util.UUID", [("value", .string("00000000-0000-0001-0000-000000000002"))])),
        Vector(
            "java.sql.Timestamp(0)",
            cat(hex("43"), str("java.sql.Timestamp"), hex("91"), str("value"), hex("60 4b 00 00 00 00")),
            object("java.sql.Timestamp", [("value", .date(millisecondsSinceEpoch: 0))])),
        Vector(
            "String.class",
            cat(hex("43"), str("java.lang.Class"), hex("91"), str("name"), hex("60"), str("java.lang.String")),
            object("java.lang.Class", [("name", .string("java.lang.String"))])),
        Vector(
            "LocalDate 2020-01-02",
            cat(
                hex("43 30 37"), Array("com.alibaba.com.caucho.hessian.io.java8.LocalDateHandle".utf8), hex("93"),
                str("day"), str("month"), str("year"), hex("60 92 91 cf e4")),
            object(
                "com.alibaba.com.caucho.hessian.io.java8.LocalDateHandle",
                [("day", .int(2)), ("month", .int(1)), ("year", .int(2020))])),
    ]

    static var all: [Vector] { scalars + strings + binaries + collections + objects }
}
