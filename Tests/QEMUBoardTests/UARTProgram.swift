import Foundation

/// A tiny Thumb-2 program for the mps2-an500: it prints a message on CMSDK UART0, then counts
/// in r0 forever. Hand-assembled (the listing is below); when arm-none-eabi-as is installed, a
/// test assembles the same source and checks the bytes.
enum UARTProgram {
    static let message = "hello from qemu\n"

    static let source = """
            .syntax unified
            .cpu cortex-m7
            .thumb
            .text
        vectors:
            .word 0x00008000
            .word reset + 1
            .org 0x20
        reset:
            ldr   r1, =0x40004000
            movs  r2, #16
            str   r2, [r1, #0x10]
            movs  r2, #1
            str   r2, [r1, #0x08]
            adr   r3, message
        next:
            ldrb  r2, [r3], #1
            cbz   r2, done
        wait:
            ldr   r4, [r1, #0x04]
            lsls  r4, r4, #31
            bne   wait
            str   r2, [r1]
            b     next
        done:
            adds  r0, r0, #1
            b     done
            .align 2
        message:
            .asciz "\(message.replacingOccurrences(of: "\n", with: "\\n"))"

        """

    /// Offset of `done` (the counting loop) from the start of the image.
    static let doneOffset: UInt32 = 0x3E

    static let code: [UInt8] = [
        0x4F, 0xF0, 0x40, 0x21,  // 20: mov.w r1, #0x40004000   UART0
        0x10, 0x22,              // 24: movs  r2, #16
        0x0A, 0x61,              // 26: str   r2, [r1, #0x10]   BAUDDIV = 16
        0x01, 0x22,              // 28: movs  r2, #1
        0x8A, 0x60,              // 2a: str   r2, [r1, #0x08]   CTRL = TX enable
        0x05, 0xA3,              // 2c: adr   r3, message       (0x44)
        0x13, 0xF8, 0x01, 0x2B,  // 2e: ldrb.w r2, [r3], #1     next:
        0x22, 0xB1,              // 32: cbz   r2, done
        0x4C, 0x68,              // 34: ldr   r4, [r1, #0x04]   wait: STATE
        0xE4, 0x07,              // 36: lsls  r4, r4, #31       TXFULL (bit 0) into Z
        0xFC, 0xD1,              // 38: bne   wait
        0x0A, 0x60,              // 3a: str   r2, [r1]          DATA
        0xF7, 0xE7,              // 3c: b     next
        0x01, 0x30,              // 3e: adds  r0, #1            done:
        0xFD, 0xE7,              // 40: b     done
        0x00, 0xBF,              // 42: nop (alignment)
    ]

    /// The image for a vector table at `base`: initial SP 0x8000 above it, reset at base + 0x21.
    static func image(at base: UInt32) -> [UInt8] {
        var bytes = littleEndian(base + 0x8000) + littleEndian(base + 0x21)
        bytes += [UInt8](repeating: 0, count: 0x20 - bytes.count)
        bytes += code
        bytes += Array(message.utf8) + [0]
        return bytes
    }

    static func littleEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
    }
}
