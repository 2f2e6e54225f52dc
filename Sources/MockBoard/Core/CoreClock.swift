/// The emulated core's time: executed instructions at a documented cost each.
///
/// The model is one cycle per executed instruction (CPI 1): the Cortex-M7 issues up to two
/// instructions a cycle and stalls on loads, branches and flash wait states; for the int8 loops of
/// our runtime the two roughly cancel. DWT_CYCCNT and SysTick count these cycles, and every report
/// from this board labels its timings `emulated (1 cycle per instruction)`, never measured.
final class CoreClock {
    static let model = "1 cycle per instruction"
    /// Where the count lives: the CPU's block hook (C) advances it in place.
    let storage: UnsafeMutablePointer<UInt64> = {
        let p = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    deinit { storage.deallocate() }
    /// Cycles since power-on (never reset: peripherals keep their own origins).
    var cycles: UInt64 {
        get { storage.pointee }
        set { storage.pointee = newValue }
    }
    /// The core clock the RCC is configured for now (HCLK): converts cycles to seconds.
    var hz: Double = 16_000_000

    func seconds(_ count: UInt64) -> Double { Double(count) / hz }
    func cycles(seconds: Double) -> UInt64 { UInt64(max(0, seconds * hz)) }
}

/// What a peripheral raises: a level on one of the NVIC's external interrupt lines.
protocol InterruptLines: AnyObject {
    func setLine(_ irq: Int, high: Bool)
}

/// Something a configuration did that RM0385 or the datasheet forbids: the bench shows it, as a
/// board's misbehaviour would (a wrong clock is how a real board garbles its UART or crashes).
struct ConfigurationFault: Equatable, Sendable, CustomStringConvertible {
    let peripheral: String
    let message: String
    let cycle: UInt64
    var description: String { "\(peripheral): \(message)" }
}

/// Register blocks on the peripheral bus: word offset in, word out. `mask` says which bits a
/// narrow write covers (its value is already moved to its lane).
protocol RegisterBlock: AnyObject {
    func read(offset: UInt32) -> UInt32
    func write(offset: UInt32, value: UInt32, mask: UInt32)
    func reset()
}

extension UInt32 {
    /// The register after a write of `value` over the bits `mask` covers.
    func merged(_ value: UInt32, mask: UInt32) -> UInt32 { (self & ~mask) | (value & mask) }
}
