import CHilRuntime
import Testing

/// The requantisation arithmetic: hand-worked values first (they check the reference too), then
/// the runtime against the reference on edge and random inputs.
@Suite struct RequantTests {
    static let half = Int32(1 << 30)   // 0.5 in Q31

    /// (x, multiplier, shift, expected), each worked out by hand in the comment.
    static let handCases: [(Int32, Int32, Int32, Int32)] = [
        (3, half, 0, 2),            // 1.5: the doubling high multiply rounds halves up -> 2
        (-3, half, 0, -1),          // -1.5 -> -1 (halves go towards +infinity in that step)
        (5, half, -1, 2),           // high mul 2.5 -> 3, then 3 / 2 = 1.5 -> 2 (away from zero)
        (-5, half, -1, -1),         // high mul -2.5 -> -2, then -2 / 2 = -1
        (-6, half, -1, -2),         // high mul -3, then -3 / 2 = -1.5 -> -2 (away from zero)
        (7, half, -2, 1),           // high mul 3.5 -> 4, then 4 / 4 = 1
        (-7, half, -2, -1),         // high mul -3.5 -> -3, then -3 / 4 = -0.75 -> -1
        (100, Int32.max, 0, 100),   // (2^31 - 1) / 2^31 is just below 1: 99.99999995 -> 100
        (Int32.max, Int32.max, 0, 2_147_483_646),   // (2^31-1)^2 / 2^31 = 2^31 - 2 + (2^30+1)/2^31 -> floor
        (Int32.min, Int32.min, 0, Int32.max),       // the one product that saturates
        (Int32.min, Int32.max, 0, -2_147_483_647),  // -2^31 * (2^31-1) / 2^31 = -(2^31 - 1)
        (1000, half, 1, 1000),      // left shift 1 then 0.5
        (1 << 20, half, 12, 1 << 30),       // 2^32 saturates to 2^31 - 1 before the multiply: 2^30
        (-(1 << 20), half, 12, -(1 << 30)), // -2^32 saturates to -2^31: exactly -2^30
        (Int32.max, Int32.max, -31, 1),     // 2^31 - 2 over 2^31 = 0.99999 -> 1
        (0, Int32.max, 30, 0),
        (12345, 0, 0, 0),                    // a zero multiplier
    ]

    @Test func handWorkedValues() {
        for (x, m, s, expected) in Self.handCases {
            let q = Requant(multiplier: m, shift: s)
            #expect(hil_requantize(x, m, s) == expected, "runtime: \(x) * \(q)")
            #expect(Reference.requantize(x, q) == expected, "reference: \(x) * \(q)")
        }
        // -2^31 * 0.5 = -2^30 exactly; -2^30 / 2^31 = -0.5 rounds away from zero to -1.
        #expect(hil_requantize(Int32.min, Self.half, -31) == -1)
        #expect(Reference.requantize(Int32.min, Requant(multiplier: Self.half, shift: -31)) == -1)
    }

    @Test func shiftOutsideTheRangeIsClamped() {
        #expect(hil_requantize(1 << 10, Self.half, 40) == hil_requantize(1 << 10, Self.half, 30))
        #expect(hil_requantize(Int32.max, Int32.max, -50) == hil_requantize(Int32.max, Int32.max, -31))
    }

    @Test func runtimeMatchesReferenceOnEdgesAndRandomValues() {
        let xs: [Int32] = [0, 1, -1, 2, -2, 3, -3, 127, -128, 255, -255, 1 << 15, -(1 << 15), 1 << 30, -(1 << 30),
                           Int32.max, Int32.min, Int32.max - 1, Int32.min + 1]
        let ms: [Int32] = [0, 1, Self.half, Self.half + 1, Int32.max, Int32.max - 1, 1_431_655_765, 1 << 29,
                           -1, Int32.min, -Self.half]
        for x in xs { for m in ms { for s in Int32(-31)...30 {
            #expect(hil_requantize(x, m, s) == Reference.requantize(x, Requant(multiplier: m, shift: s)), "\(x) \(m) \(s)")
        } } }
        var r = SeededRandom(seed: 0x2E9)
        for _ in 0..<100_000 {
            let x = Bool.random(using: &r) ? Int32.random(in: -70_000...70_000, using: &r) : Int32.random(in: .min ... .max, using: &r)
            let m = Int32.random(in: (1 << 30)...Int32.max, using: &r)
            let s = Int32.random(in: -31...30, using: &r)
            let got = hil_requantize(x, m, s), want = Reference.requantize(x, Requant(multiplier: m, shift: s))
            if got != want { Issue.record("\(x) \(m) \(s): \(got) != \(want)"); return }
        }
    }

    /// Exact halves at every shift: x * 0.5 * 2^s with x odd lands on a half in the last step.
    @Test func exactHalvesRoundAwayFromZeroInTheShift() {
        for e in 1...20 {
            let x = Int32(1) << e                  // high mul by 0.5 gives 2^(e-1), exact
            // 2^(e-1) / 2^e = 0.5 -> 1; -0.5 -> -1
            #expect(hil_requantize(x, Self.half, Int32(-e)) == 1)
            #expect(hil_requantize(-x, Self.half, Int32(-e)) == -1)
            // 3 * 2^(e-1) / 2^e = 1.5 -> 2
            #expect(hil_requantize(3 * x, Self.half, Int32(-e)) == 2)
            #expect(hil_requantize(-3 * x, Self.half, Int32(-e)) == -2)
        }
    }

    /// The worked examples of docs/model-format.md, step by step.
    @Test func specWorkedExamples() {
        // conv: real 0.02 * 0.005 / 0.05 = 0.002 = 0.512 * 2^-8.
        let conv = Requant(real: 0.02 * 0.005 / 0.05)
        #expect(conv == Requant(multiplier: 1_099_511_628, shift: -8))
        #expect(Reference.doublingHighMul(12345, conv.multiplier) == 6321)
        #expect(hil_requantize(12345, conv.multiplier, conv.shift) + 3 == 28)
        #expect(hil_requantize(-12345, conv.multiplier, conv.shift) + 3 == -22)
        // add: scales 0.04 (zp -3) and 0.1 (zp 5) into 0.12 (zp 2); qa = 50, qb = -20.
        let a = Requant(real: 0.04 / 0.2), b = Requant(real: 0.1 / 0.2), o = Requant(real: 0.2 / (1_048_576 * 0.12))
        #expect(a == Requant(multiplier: 1_717_986_918, shift: -2))
        #expect(b == Requant(multiplier: 1_073_741_824, shift: 0))
        #expect(o == Requant(multiplier: 1_789_569_707, shift: -19))
        let ra = hil_requantize(53 << 20, a.multiplier, a.shift), rb = hil_requantize(-25 << 20, b.multiplier, b.shift)
        #expect(ra == 11_114_906 && rb == -13_107_200)
        #expect(hil_requantize(ra + rb, o.multiplier, o.shift) + 2 == -1)
    }

    /// The writer's float -> (multiplier, shift), worked by hand.
    @Test func multiplierFromRealScale() {
        #expect(Requant(real: 0.5) == Requant(multiplier: 1 << 30, shift: 0))
        #expect(Requant(real: 0.25) == Requant(multiplier: 1 << 30, shift: -1))
        #expect(Requant(real: 1.0) == Requant(multiplier: 1 << 30, shift: 1))
        #expect(Requant(real: 0.75) == Requant(multiplier: 1_610_612_736, shift: 0))   // 3 * 2^29
        #expect(Requant(real: 1.0 / 3) == Requant(multiplier: 1_431_655_765, shift: -1)) // 2/3 * 2^31 = 1431655765.33
        #expect(Requant(real: 1 - 0x1p-40) == Requant(multiplier: 1 << 30, shift: 1))  // rounds up to 2^31: renormalised
        #expect(Requant(real: 0x1p-40) == Requant(multiplier: 0, shift: 0))             // below 2^-32: zero
        #expect(Requant(real: 0) == Requant(multiplier: 0, shift: 0))
        // Applied: 1000 * 0.75 = 750. 1000 / 3 rounds twice, as TFLite does: the high multiply gives
        // 1000 * 1431655765 / 2^31 = 666.67 -> 667, then 667 / 2 = 333.5 -> 334 (not 333).
        #expect(hil_requantize(1000, 1_610_612_736, 0) == 750)
        #expect(hil_requantize(1000, 1_431_655_765, -1) == 334)
    }
}
