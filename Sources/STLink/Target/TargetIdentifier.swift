import Foundation

/// The chip on the other end of the probe, as read from its identification registers.
public struct IdentifiedTarget: Sendable, Equatable {
    public let chip: ChipDescription
    public let cpuid: UInt32
    public let devID: UInt32
    public let revID: UInt32
    /// The silicon revision's letter when the chip file knows it.
    public let revision: String?
    /// From the flash-size register; a smaller part of the family has less flash than the file's maximum.
    public let flashSizeKB: Int

    /// The flash this part really has: the family's sectors, cut at the part's size.
    public var sectors: [ChipDescription.Sector] {
        let end = chip.flash.base.value &+ UInt32(flashSizeKB * 1024)
        return chip.sectors.filter { $0.end <= end }
    }

    public var summary: String {
        let rev = revision.map { " rev \($0)" } ?? String(format: " rev 0x%04X", revID)
        return "\(chip.name) (DEV_ID 0x\(String(devID, radix: 16, uppercase: true))\(rev), \(flashSizeKB) KB flash, \(chip.core.name))"
    }
}

/// Why a target could not be identified, in words a user can act on.
public enum TargetError: Error, Equatable, Sendable, CustomStringConvertible {
    case probe(STLinkError)
    case notCortexM(cpuid: UInt32)
    case unknownDevice(devID: UInt32, knownAs: String?)
    case unsupported(chip: String, reason: String)
    case coreMismatch(chip: String, expected: String, cpuid: UInt32)

    public var description: String {
        switch self {
        case let .probe(e):
            return e.description
        case let .notCortexM(cpuid):
            return "the target's CPUID reads 0x\(hex32(cpuid)), not an ARM Cortex-M core; is the SWD cable on the right board?"
        case let .unknownDevice(devID, knownAs?):
            return "the target is an \(knownAs) (DEV_ID 0x\(String(devID, radix: 16, uppercase: true))); hil has no description of it in boards/chips, so it will not flash it"
        case let .unknownDevice(devID, nil):
            return "the target's DEV_ID 0x\(String(devID, radix: 16, uppercase: true)) matches no chip in boards/chips; add a description there or check the wiring"
        case let .unsupported(chip, reason):
            return "the target is an \(chip): \(reason)"
        case let .coreMismatch(chip, expected, cpuid):
            return "the target says it is an \(chip) but its core (CPUID 0x\(hex32(cpuid))) is not a \(expected); the chip file or the wiring is wrong"
        }
    }
}

/// Reads CPUID, DBGMCU_IDCODE and the flash-size register and finds the chip description.
public struct TargetIdentifier {
    public let catalog: ChipCatalog
    /// DEV_IDs of families with no description, for naming them in errors.
    public let otherDevices: [UInt32: String]

    /// `otherDevices` defaults to the catalog's own name table.
    public init(catalog: ChipCatalog, otherDevices: [UInt32: String]? = nil) {
        self.catalog = catalog
        self.otherDevices = otherDevices ?? catalog.otherDevices
    }

    /// Loads the catalog (and its name table) from a boards folder.
    public init(boardsDirectory: URL) throws {
        self.init(catalog: try ChipCatalog(boardsDirectory: boardsDirectory))
    }

    /// Identifies the target. `allowUnsupported` returns chips whose file says hil must not flash them
    /// (for listing probes); flashing passes false.
    public func identify(_ probe: STLinkProbe, allowUnsupported: Bool = false) throws(TargetError) -> IdentifiedTarget {
        do {
            let core = try CortexM(probe: probe).cpuid()
            guard core.implementer == 0x41, (core.part & 0xFF0) == 0xC20 else { throw TargetError.notCortexM(cpuid: core.raw) }
            // DBGMCU_IDCODE sits at the same address on every STM32 with a Cortex-M3/M4/M7.
            let idcode = try probe.read32(0xE004_2000)
            let devID = idcode & 0xFFF
            guard let chip = catalog.chip(devID: devID) else {
                throw TargetError.unknownDevice(devID: devID, knownAs: otherDevices[devID])
            }
            guard core.part == chip.core.cpuidPart.value else {
                throw TargetError.coreMismatch(chip: chip.name, expected: chip.core.name, cpuid: core.raw)
            }
            if let reason = chip.unsupportedReason, !allowUnsupported {
                throw TargetError.unsupported(chip: chip.name, reason: reason)
            }
            let revID = idcode >> 16
            let flashKB = try readFlashSize(probe, chip: chip)
            return IdentifiedTarget(chip: chip, cpuid: core.raw, devID: devID, revID: revID,
                                    revision: chip.revisions[String(format: "0x%04X", revID)],
                                    flashSizeKB: flashKB)
        } catch let error as TargetError {
            throw error
        } catch let error as STLinkError {
            throw .probe(error)
        } catch {
            throw .probe(.invalidRequest("\(error)"))
        }
    }

    /// The u16 flash size in KB; the register is half-word aligned, so read the word around it.
    /// An unprogrammed or unreadable value (0 or 0xFFFF) falls back to the family's size.
    func readFlashSize(_ probe: STLinkProbe, chip: ChipDescription) throws(STLinkError) -> Int {
        let address = chip.flashSizeRegister.value
        let word = try probe.read32(address & ~3)
        let kb = Int(address & 2 == 0 ? word & 0xFFFF : word >> 16)
        return (kb == 0 || kb == 0xFFFF || kb > chip.flash.sizeKB) ? chip.flash.sizeKB : kb
    }
}
