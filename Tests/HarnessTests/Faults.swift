import Foundation

/// A seeded generator, so every fault pattern reproduces (SplitMix64).
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Faults on one direction of the line, active in a window of virtual time.
struct FaultPlan {
    /// Probability that any one bit is flipped.
    var bitErrorRate = 0.0
    /// Probability that a byte is lost.
    var dropRate = 0.0
    /// Probability that a burst of 1–24 random bytes is inserted before a byte.
    var garbageRate = 0.0
    var from = 0.0
    var until = Double.infinity

    static let none = FaultPlan()
}

/// Applies a FaultPlan byte by byte and counts what it did.
struct FaultInjector {
    var plan: FaultPlan { didSet { bitsToNextFlip = nextGap() } }
    private var rng: SeededRandom
    private var bitsToNextFlip = Int.max
    private(set) var flips = 0, drops = 0, garbageBytes = 0

    init(_ plan: FaultPlan, seed: UInt64) {
        self.plan = plan
        rng = SeededRandom(seed: seed)
        bitsToNextFlip = nextGap()
    }

    /// Geometric gap between flipped bits: one draw per flip instead of one per bit.
    private mutating func nextGap() -> Int {
        guard plan.bitErrorRate > 0 else { return .max }
        return Int(log(max(rng.unit(), 1e-300)) / log(1 - plan.bitErrorRate))
    }

    mutating func apply(_ byte: UInt8, at time: Double) -> [UInt8] {
        guard time >= plan.from, time < plan.until else { return [byte] }
        var out: [UInt8] = []
        if plan.garbageRate > 0, rng.unit() < plan.garbageRate {
            let n = 1 + Int(rng.next() % 24)
            out += (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            garbageBytes += n
        }
        if plan.dropRate > 0, rng.unit() < plan.dropRate { drops += 1; return out }
        var b = byte
        var bit = 0
        while bitsToNextFlip < 8 - bit {
            bit += bitsToNextFlip
            b ^= 1 << UInt8(bit)
            flips += 1
            bit += 1
            bitsToNextFlip = nextGap()
        }
        if bitsToNextFlip != .max { bitsToNextFlip -= 8 - bit }
        out.append(b)
        return out
    }
}
