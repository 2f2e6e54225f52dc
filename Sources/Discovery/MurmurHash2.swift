// MurmurHash2 (Austin Appleby, 32-bit), seed 0: what libudev calls string_hash32.
// udevd puts the hash of the subsystem and devtype in each message header, and every libudev
// monitor installs a BPF socket filter comparing those words. A wrong hash means the kernel drops
// our broadcast before the monitor ever sees it, so this must match bit for bit.

enum MurmurHash2 {
    static func hash(_ bytes: some Collection<UInt8>, seed: UInt32 = 0) -> UInt32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        let data = Array(bytes)
        var h = seed ^ UInt32(truncatingIfNeeded: data.count)
        var i = 0
        // Body: four bytes at a time, read little endian (systemd reads a native u32 on x86/arm LE).
        while data.count - i >= 4 {
            var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
            i += 4
        }
        // Tail: the remaining 0-3 bytes, falling through as in the reference.
        let rest = data.count - i
        if rest == 3 { h ^= UInt32(data[i + 2]) << 16 }
        if rest >= 2 { h ^= UInt32(data[i + 1]) << 8 }
        if rest >= 1 {
            h ^= UInt32(data[i])
            h &*= m
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return h
    }

    /// libudev's string_hash32: the hash of the string's UTF-8 bytes, without the terminating NUL.
    static func stringHash32(_ string: String) -> UInt32 {
        hash(Array(string.utf8))
    }
}
