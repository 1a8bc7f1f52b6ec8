import PostgresNIO

/// Columns by name, as the SQLite store reads them: `let id: Int64 = try row.columns["id"]`.
struct Columns {
    let row: PostgresRandomAccessRow

    subscript<T: PostgresDecodable>(_ name: String) -> T {
        get throws { try row[name].decode(T.self) }
    }
}

extension PostgresRow {
    var columns: Columns { Columns(row: makeRandomAccess()) }
}

extension PostgresRowSequence {
    /// The first column of the first row, if any.
    func scalar<T: PostgresDecodable>(_ type: T.Type = T.self) async throws -> T? {
        try await collect().first.map { try $0.makeRandomAccess()[0].decode(T.self) }
    }
}
