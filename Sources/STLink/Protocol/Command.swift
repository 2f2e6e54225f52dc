/// One ST-LINK command as a value: the 16-byte block, an optional data OUT phase and the length of
/// the IN reply. Building a command does no I/O, so each can be checked as bytes in a test.
public struct Command: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    public let block: [UInt8]        // always 16 bytes
    public let dataOut: [UInt8]
    public let replyLength: Int      // 0 when the command has no IN phase
    /// Whether the first reply byte is an inline status to check.
    public let hasStatus: Bool

    init(_ name: String, _ head: [UInt8], dataOut: [UInt8] = [], replyLength: Int = 0, hasStatus: Bool = false) {
        precondition(head.count <= 16)
        self.name = name
        self.block = head + [UInt8](repeating: 0, count: 16 - head.count)
        self.dataOut = dataOut
        self.replyLength = replyLength
        self.hasStatus = hasStatus
    }

    public var description: String { name }
}

/// The opcodes, as stlink.md lists them.
enum Op {
    static let getVersion: UInt8 = 0xF1
    static let debug: UInt8 = 0xF2
    static let dfu: UInt8 = 0xF3
    static let getCurrentMode: UInt8 = 0xF5
    static let getTargetVoltage: UInt8 = 0xF7
    static let getVersionEx: UInt8 = 0xFB

    static let dfuExit: UInt8 = 0x07
    static let debugExit: UInt8 = 0x21
    static let enter: UInt8 = 0x30
    static let enterSWD: UInt8 = 0xA3
    static let readIDCodes: UInt8 = 0x31
    static let resetSys: UInt8 = 0x32
    static let readReg: UInt8 = 0x33
    static let writeReg: UInt8 = 0x34
    static let writeDebugReg: UInt8 = 0x35
    static let readDebugReg: UInt8 = 0x36
    static let readAllRegs: UInt8 = 0x3A
    static let lastRWStatus: UInt8 = 0x3B
    static let driveNRST: UInt8 = 0x3C
    static let lastRWStatus2: UInt8 = 0x3E
    static let swdSetFrequency: UInt8 = 0x43
    static let v3SetFrequency: UInt8 = 0x61
    static let v3GetFrequency: UInt8 = 0x62

    static let readMem32: UInt8 = 0x07
    static let writeMem32: UInt8 = 0x08
    static let readMem8: UInt8 = 0x0C
    static let writeMem8: UInt8 = 0x0D
    static let readMem16: UInt8 = 0x47
    static let writeMem16: UInt8 = 0x48
}

/// Modes GET_CURRENT_MODE reports.
public enum ProbeMode: UInt8, Sendable {
    case dfu = 0, massStorage = 1, debug = 2, swim = 3, bootloader = 4
}

/// Access width of a memory transfer.
public enum AccessWidth: Int, Sendable, CaseIterable, CustomStringConvertible {
    case byte = 1, halfword = 2, word = 4
    public var description: String { "\(rawValue * 8)-bit" }
}

func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)] }
func readLE32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
}
func readLE16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

extension Command {
    public static let getVersion = Command("GET_VERSION", [Op.getVersion], replyLength: 6)
    public static let getVersionEx = Command("GET_VERSION_EX", [Op.getVersionEx], replyLength: 12)
    public static let getCurrentMode = Command("GET_CURRENT_MODE", [Op.getCurrentMode], replyLength: 2)
    public static let dfuExit = Command("DFU_EXIT", [Op.dfu, Op.dfuExit])
    public static let debugExit = Command("DEBUG_EXIT", [Op.debug, Op.debugExit])
    public static let enterSWD = Command("ENTER_SWD", [Op.debug, Op.enter, Op.enterSWD], replyLength: 2, hasStatus: true)
    public static let getTargetVoltage = Command("GET_TARGET_VOLTAGE", [Op.getTargetVoltage], replyLength: 8)
    public static let readIDCodes = Command("READ_IDCODES", [Op.debug, Op.readIDCodes], replyLength: 12, hasStatus: true)
    public static let resetSys = Command("RESETSYS", [Op.debug, Op.resetSys], replyLength: 2, hasStatus: true)
    public static let readAllRegs = Command("READ_ALLREGS", [Op.debug, Op.readAllRegs], replyLength: 88, hasStatus: true)
    public static let lastRWStatus2 = Command("GETLASTRWSTATUS2", [Op.debug, Op.lastRWStatus2], replyLength: 12, hasStatus: true)
    public static let lastRWStatus = Command("GETLASTRWSTATUS", [Op.debug, Op.lastRWStatus], replyLength: 2, hasStatus: true)

    public static func swdSetFrequency(divisor: UInt16) -> Command {
        Command("SWD_SET_FREQ", [Op.debug, Op.swdSetFrequency] + le16(divisor), replyLength: 2, hasStatus: true)
    }
    /// V3: the list of SWD frequencies the probe offers (protocol 0 = SWD).
    public static let v3GetSWDFrequencies = Command("V3_GET_COM_FREQ", [Op.debug, Op.v3GetFrequency, 0x00], replyLength: 52, hasStatus: true)
    public static func v3SetSWDFrequency(kHz: UInt32) -> Command {
        Command("V3_SET_COM_FREQ", [Op.debug, Op.v3SetFrequency, 0x00, 0x00] + le32(kHz), replyLength: 8, hasStatus: true)
    }

    public enum NRST: UInt8, Sendable { case low = 0, high = 1, pulse = 2 }
    public static func driveNRST(_ level: NRST) -> Command {
        Command("DRIVE_NRST", [Op.debug, Op.driveNRST, level.rawValue], replyLength: 2, hasStatus: true)
    }

    public static func readDebugRegister(_ address: UInt32) -> Command {
        Command("READ_DEBUG_REG", [Op.debug, Op.readDebugReg] + le32(address), replyLength: 8, hasStatus: true)
    }
    public static func writeDebugRegister(_ address: UInt32, _ value: UInt32) -> Command {
        Command("WRITE_DEBUG_REG", [Op.debug, Op.writeDebugReg] + le32(address) + le32(value), replyLength: 2, hasStatus: true)
    }
    public static func readCoreRegister(_ selector: UInt8) -> Command {
        Command("READREG", [Op.debug, Op.readReg, selector], replyLength: 8, hasStatus: true)
    }
    public static func writeCoreRegister(_ selector: UInt8, _ value: UInt32) -> Command {
        Command("WRITEREG", [Op.debug, Op.writeReg, selector] + le32(value), replyLength: 2, hasStatus: true)
    }

    /// A memory read of `length` bytes; the reply is the data, with no status (ask GETLASTRWSTATUS2).
    /// A 1-byte 8-bit read is answered with 2 bytes.
    public static func readMemory(_ address: UInt32, length: Int, width: AccessWidth) -> Command {
        let (op, name) = width == .word ? (Op.readMem32, "READMEM_32") : width == .halfword ? (Op.readMem16, "READMEM_16") : (Op.readMem8, "READMEM_8")
        let reply = (width == .byte && length == 1) ? 2 : length
        return Command(name, [Op.debug, op] + le32(address) + le16(UInt16(length)) + [0], replyLength: reply)
    }
    public static func writeMemory(_ address: UInt32, data: [UInt8], width: AccessWidth) -> Command {
        let (op, name) = width == .word ? (Op.writeMem32, "WRITEMEM_32") : width == .halfword ? (Op.writeMem16, "WRITEMEM_16") : (Op.writeMem8, "WRITEMEM_8")
        return Command(name, [Op.debug, op] + le32(address) + le16(UInt16(data.count)) + [0], dataOut: data)
    }
}
