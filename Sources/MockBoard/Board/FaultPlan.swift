/// What goes wrong on the mock board, decided before the run so that a failure is reproducible.
///
/// Each fault models something a real bench meets: a cable pulled mid-flash, a target that answers
/// WAIT while it is busy, a peripheral region that faults, sectors write-protected by an earlier
/// tool, a weak supply. A driver is expected to notice each one and say so; none of them is hidden
/// from a read-back.
public struct FaultPlan: Sendable, Equatable {
    /// After this many bulk transfers (IN and OUT together) every call, and `reset()`, throws
    /// `TransportError.disconnected`: transfer number N still works, N+1 does not.
    public var unplugAfterTransfers: Int?
    /// A burst of AP WAIT answers; see `WaitStorm`.
    public var waitStorm: WaitStorm?
    /// Any probe-driven access touching these addresses faults (status 0x11 with the access's
    /// address), as a region behind a clock-gated peripheral would.
    public var apFault: ClosedRange<UInt32>?
    /// Sectors whose nWRP bit is cleared in the option bytes (OPTCR bits 16–23).
    public var writeProtectedSectors: Set<Int>
    /// Replaces the probe configuration's target voltage, e.g. 2.4 for a supply too low for x32.
    public var targetVoltage: Double?
    /// The cable is pulled while the flash is being erased, programmed or verified: the transfer
    /// after the stage begins, and every one after it, throws `TransportError.disconnected`.
    public var unplugDuring: FlashStage?

    public init(unplugAfterTransfers: Int? = nil, waitStorm: WaitStorm? = nil,
                apFault: ClosedRange<UInt32>? = nil, writeProtectedSectors: Set<Int> = [],
                targetVoltage: Double? = nil, unplugDuring: FlashStage? = nil) {
        self.unplugAfterTransfers = unplugAfterTransfers
        self.waitStorm = waitStorm
        self.apFault = apFault
        self.writeProtectedSectors = writeProtectedSectors
        self.targetVoltage = targetVoltage
        self.unplugDuring = unplugDuring
    }

    public static let none = FaultPlan()
}

/// The stages of flashing as the target sees them, for `FaultPlan.unplugDuring`.
public enum FlashStage: String, Sendable, CaseIterable {
    /// A sector or mass erase has been started (FLASH_CR STRT).
    case erase
    /// Programming has begun: the controller has run its first program operations.
    case program
    /// The probe reads flash back after programming it.
    case verify
}

/// After `afterMemoryCommands` memory commands have been served normally, the next `count` memory
/// commands answer AP WAIT (0x10) and do nothing: a WAIT'ed write is not performed, a WAIT'ed read
/// returns zeros. Memory commands are every command that reaches the target's bus: READMEM and
/// WRITEMEM at any width, read/write debug register, READREG, WRITEREG and READ_ALLREGS.
/// Memory transfers report the WAIT through GETLASTRWSTATUS(2); the others in their own status byte.
public struct WaitStorm: Sendable, Equatable {
    public var afterMemoryCommands: Int
    public var count: Int

    public init(afterMemoryCommands: Int, count: Int) {
        self.afterMemoryCommands = afterMemoryCommands
        self.count = count
    }
}
