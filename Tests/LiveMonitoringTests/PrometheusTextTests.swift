import LiveMonitoring
import InspectorCore
import Testing

@Suite("PrometheusText")
struct PrometheusTextTests {
    @Test("label values escape backslash, double quote and line feed, and nothing else")
    func escapesLabelValues() {
        #expect(PrometheusText.escapeLabelValue(#"a\b"c"#) == #"a\\b\"c"#)
        #expect(PrometheusText.escapeLabelValue("line\nnext") == #"line\nnext"#)
        #expect(PrometheusText.escapeLabelValue("tab\there é 中") == "tab\there é 中")
        var text = PrometheusText()
        text.sample("m_total", [("service", "x\"}\n# HELP y")], UInt64(1))
        #expect(text.text == #"m_total{service="x\"}\n# HELP y"} 1"# + "\n")
    }

    @Test("values: integers as digits, fractions round-trip, infinities and NaN spelled as the format wants")
    func formatsValues() {
        #expect(PrometheusText.format(3) == "3")
        #expect(PrometheusText.format(0.005) == "0.005")
        #expect(PrometheusText.format(0.000_123) == "0.000123")
        #expect(PrometheusText.format(.infinity) == "+Inf")
        #expect(PrometheusText.format(-.infinity) == "-Inf")
        #expect(PrometheusText.format(.nan) == "NaN")
    }

    @Test("a histogram writes cumulative buckets, +Inf equal to the count, and the sum")
    func histogramIsCumulative() {
        var histogram = BucketHistogram(bounds: BucketHistogram.openTelemetryRPCSeconds)
        for value in [0.001, 0.005, 0.006, 0.3, 12.0] { histogram.observe(value) }
        var text = PrometheusText()
        histogram.write("d_seconds", labels: [("method", "m")], to: &text)
        let values = samples(text.text)
        #expect(values[#"d_seconds_bucket{method="m",le="0.005"}"#] == 2)  // le is inclusive
        #expect(values[#"d_seconds_bucket{method="m",le="0.01"}"#] == 3)
        #expect(values[#"d_seconds_bucket{method="m",le="0.25"}"#] == 3)
        #expect(values[#"d_seconds_bucket{method="m",le="0.5"}"#] == 4)
        #expect(values[#"d_seconds_bucket{method="m",le="10"}"#] == 4)
        #expect(values[#"d_seconds_bucket{method="m",le="+Inf"}"#] == 5)
        #expect(values[#"d_seconds_count{method="m"}"#] == 5)
        #expect(abs((values[#"d_seconds_sum{method="m"}"#] ?? 0) - 12.312) < 1e-9)
    }

    @Test("the OpenTelemetry RPC buckets are the advised ones, 5 ms to 10 s")
    func openTelemetryBuckets() {
        #expect(BucketHistogram.openTelemetryRPCSeconds == [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
    }
}
