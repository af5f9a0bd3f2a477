/// Bounds on what the live metrics keep, so a capture that runs for days uses bounded memory and a bounded
/// number of Prometheus series whatever the traffic says (service and method names come off the wire).
///
/// Beyond a cap, values fold into `other` (documented in docs/LIVE.md); every folded call is counted in
/// `dubbo_metrics_folded_total`, so the folding is visible.
package struct MetricLimits: Sendable, Equatable {
    /// Distinct services with their own label value; later ones are reported as service `other`, method `other`.
    package var maxServices = 100
    /// Distinct methods per service with their own label value; later ones are reported as method `other`.
    package var maxMethodsPerService = 50
    /// Distinct application names (provider or consumer) with their own label value; later ones become `other`.
    package var maxApplications = 100
    /// Distinct label sets of `dubbo_calls_total`; beyond, every label but `status` and `protocol` becomes `other`.
    package var maxCallSeries = 5_000
    /// Longest label value kept, in UTF-8 bytes; longer values are cut (on a character boundary) and end in `…`.
    package var maxLabelBytes = 128
    /// Connections whose heartbeats are followed; the one heard from least recently is forgotten beyond this.
    package var maxHeartbeatConnections = 1_024
    /// A connection with no heartbeat for this long (capture time) is forgotten.
    package var heartbeatForgetSeconds: Double = 600
    /// Slowest calls kept per window for the live view.
    package var slowCallsKept = 10
    /// Length of one window of the live view's recent figures (rates, error rates, p50/p99, slow calls).
    /// The view shows the current window and the one before: between one and two windows of history.
    package var windowSeconds: Double = 30

    package init() {}

    package static let `default` = MetricLimits()
}
