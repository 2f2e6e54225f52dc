/// How to start a QEMU board. The defaults give an MPS2 AN500 (Cortex-M7) with deterministic
/// instruction timing.
public struct QEMUConfig: Sendable {
    /// The `-M` machine. mps2-an500 has writable SSRAM at 0x00000000 (so the GDB stub can load an
    /// image there) and a CMSDK UART0 at 0x40004000, which becomes the pty.
    public var machine = "mps2-an500"
    /// A name looked up in PATH, or a path.
    public var executable = "qemu-system-arm"
    /// `-icount shift=N`: each instruction advances virtual time by 2^N ns, so the same code gives
    /// the same SysTick counts on every run (0 ≙ a 1 GHz core). Nil runs QEMU's free-running TCG.
    public var icountShift: Int? = 0
    /// Appended to QEMU's command line (e.g. `-semihosting-config enable=on,target=native`).
    public var extraArguments: [String] = []
    /// How long QEMU may take to report its pty and open its GDB port.
    public var startupTimeout: Duration = .seconds(10)
    /// The GDB client's timeout per reply.
    public var gdbTimeout: Duration = .seconds(5)

    public init() {}
}
