/// A GPIO port (RM0385 §6.4): mode, output type, speed, pull and alternate-function registers,
/// kept so the UART can ask whether a pin is routed to it. Inputs read as idle-high pulled pins.
final class GPIOPort: RegisterBlock {
    let name: String
    private var registers: [UInt32: UInt32] = [:]
    private let resetValues: [UInt32: UInt32]

    init(name: String) {
        self.name = name
        // Port A and B leave reset with their debug pins (JTAG/SWD) in alternate function mode.
        switch name {
        case "A": resetValues = [0x00: 0xA800_0000, 0x08: 0x0C00_0000, 0x0C: 0x6400_0000]
        case "B": resetValues = [0x00: 0x0000_0280, 0x08: 0x0000_00C0, 0x0C: 0x0000_0100]
        default: resetValues = [:]
        }
        reset()
    }

    func reset() { registers = resetValues }

    func read(offset: UInt32) -> UInt32 {
        if offset == 0x10 { return 0x0000_FFFF }        // IDR: nothing drives the pins low
        return registers[offset] ?? 0
    }

    func write(offset: UInt32, value: UInt32, mask: UInt32) {
        switch offset {
        case 0x10: return                               // IDR is read-only
        case 0x18:                                      // BSRR: set/reset ODR bits
            var odr = registers[0x14] ?? 0
            let bits = value & mask
            odr |= bits & 0xFFFF
            odr &= ~(bits >> 16)
            registers[0x14] = odr
        default: registers[offset] = (registers[offset] ?? 0).merged(value, mask: mask)
        }
    }

    /// True when `pin` is in alternate-function mode with function `af` selected.
    func routes(pin: Int, to af: UInt32) -> Bool {
        let mode = ((registers[0x00] ?? 0) >> UInt32(2 * pin)) & 3
        let afr = pin < 8 ? (registers[0x20] ?? 0) : (registers[0x24] ?? 0)
        let selected = (afr >> UInt32(4 * (pin % 8))) & 0xF
        return mode == 2 && selected == af
    }
}
