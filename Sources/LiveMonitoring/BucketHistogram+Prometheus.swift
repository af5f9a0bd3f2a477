package import InspectorCore

extension BucketHistogram {
    /// Writes `name_bucket`, `name_sum` and `name_count` samples with `labels` in front of `le`.
    package func write(_ name: String, labels: [(String, String)], to text: inout PrometheusText) {
        let cumulative = cumulativeCounts
        for (index, bound) in bounds.enumerated() {
            text.sample(name + "_bucket", labels + [("le", PrometheusText.format(bound))], cumulative[index])
        }
        text.sample(name + "_bucket", labels + [("le", "+Inf")], count)
        text.sample(name + "_sum", labels, sum)
        text.sample(name + "_count", labels, count)
    }
}
