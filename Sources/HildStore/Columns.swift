import Foundation
import GRDB
import HilAPI

/// How values cross into columns: dates as their own Double (exact), API values as APIJSON text.
extension Date {
    var column: Double { timeIntervalSinceReferenceDate }
    init(column: Double) { self.init(timeIntervalSinceReferenceDate: column) }
}

extension BenchStore {
    func json<T: Encodable>(_ value: T) throws(StoreError) -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        } catch {
            // Only non-finite numbers (a NaN accuracy) get here; JSON cannot carry them.
            throw .database("cannot encode \(T.self) for the store: \(error)")
        }
    }

    func jsonIfPresent<T: Encodable>(_ value: T?) throws(StoreError) -> String? {
        guard let value else { return nil }
        return try json(value)
    }

    /// Decodes a JSON column; a value that no longer decodes is damage, named by where it sits.
    func decode<T: Decodable>(_ type: T.Type, from text: String, _ place: @autoclosure () -> String) throws(StoreError) -> T {
        do {
            return try decoder.decode(T.self, from: Data(text.utf8))
        } catch {
            throw .corrupt(databasePath, "\(place()) is not a valid \(T.self): \(error)")
        }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, from text: String?, _ place: @autoclosure () -> String) throws(StoreError) -> T? {
        guard let text else { return nil }
        return try decode(T.self, from: text, place())
    }

    func enumValue<T: RawRepresentable>(_ type: T.Type, _ raw: String, _ place: @autoclosure () -> String) throws(StoreError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: raw) else {
            throw .corrupt(databasePath, "\(place()) holds '\(raw)', which is not a \(T.self)")
        }
        return value
    }
}
