/// The SWD clock. V2 firmware takes a divisor from a fixed table; V3 takes kHz from the list it offers.
extension STLinkProbe {
    /// V2 divisors and the kHz each gives (stlink.md), fastest first.
    public static let v2ClockTable: [(kHz: Int, divisor: UInt16)] = [
        (4000, 0), (1800, 1), (1200, 2), (950, 3), (480, 7), (240, 15),
        (125, 31), (100, 40), (50, 79), (25, 158), (15, 265), (5, 798),
    ]

    /// Sets the fastest SWD clock not above `kHz` that the probe offers and returns it.
    /// Firmware that cannot set the clock keeps its default (1.8 MHz on V2); that is not an error.
    @discardableResult
    public func setSWDFrequency(kHz requested: Int) throws(STLinkError) -> Int? {
        if features.contains(.v3Frequency) {
            let list = try execute(.v3GetSWDFrequencies)
            let count = min(Int(list[8]), (list.count - 12) / 4)
            let offered = (0..<count).map { Int(readLE32(list, 12 + 4 * $0)) }
            guard let pick = offered.filter({ $0 <= requested }).max() ?? offered.min() else {
                throw .malformedReply(command: "V3_GET_COM_FREQ", detail: "no frequencies offered")
            }
            let reply = try execute(.v3SetSWDFrequency(kHz: UInt32(pick)))
            swdFrequencyKHz = Int(readLE32(reply, 4))
            return swdFrequencyKHz
        }
        guard features.contains(.swdSetFrequency) else {
            swdFrequencyKHz = 1800
            return nil
        }
        let pick = Self.v2ClockTable.first { $0.kHz <= requested } ?? Self.v2ClockTable.last!
        try execute(.swdSetFrequency(divisor: pick.divisor))
        swdFrequencyKHz = pick.kHz
        return pick.kHz
    }
}
