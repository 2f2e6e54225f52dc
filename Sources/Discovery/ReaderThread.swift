// A detached pthread for a blocking loop. The udev reader sleeps in poll(), which must not
// occupy one of the few threads of Swift's cooperative pool (2 on the bench machine).
#if canImport(Glibc)
import Glibc
#endif

enum ReaderThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func start(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let r = pthread_create(&thread, nil, { arg in
            let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if r == 0 {
            pthread_detach(thread)
        } else {
            // No thread: run nowhere rather than block the caller; release the closure.
            Unmanaged<Box>.fromOpaque(box).release()
        }
    }
}
