import STLink

/// One line of `hilctl probes`: who the probe is and what it sees, or why it cannot say.
public struct ProbeSummary: Sendable {
    public let identity: ProbeIdentity?
    public let label: String
    public let firmware: String?
    public let targetVoltage: Double?
    public let target: String?
    /// Why something is missing (cannot open, no target, unknown chip), in a user's words.
    public let problem: String?
}

/// Looks at a probe without changing anything on the target: version, supply, chip.
public struct ProbeSurvey {
    public let catalog: BoardCatalog
    public init(catalog: BoardCatalog) { self.catalog = catalog }

    public func inspect(_ transport: any USBTransport) -> ProbeSummary {
        let probe = STLinkProbe(transport: transport)
        let label = "\(transport.identity.model.name) \(transport.identity.serial)"
        defer { probe.close() }
        do {
            try probe.open()
        } catch {
            return ProbeSummary(identity: transport.identity, label: label, firmware: nil, targetVoltage: nil, target: nil, problem: error.description)
        }
        let volts = try? probe.targetVoltage()
        let identifier = TargetIdentifier(catalog: catalog.chips)
        do {
            let target = try identifier.identify(probe, allowUnsupported: true)
            let note = target.chip.unsupportedReason.map { "identified, but hil will not flash it: \($0)" }
            return ProbeSummary(identity: transport.identity, label: label, firmware: probe.version.description,
                                targetVoltage: volts ?? nil, target: target.summary, problem: note)
        } catch {
            return ProbeSummary(identity: transport.identity, label: label, firmware: probe.version.description,
                                targetVoltage: volts ?? nil, target: nil, problem: error.description)
        }
    }
}
