import Foundation

/// Reading and writing NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported: little-endian, C-order arrays of the six `NPYDType`s, plus NumPy bool arrays
/// (`'|b1'`), which are read as `uint8` arrays of 0s and 1s (and written back as `'|u1'`). Writing matches `numpy.save`
/// byte for byte: version 1.0 whenever the header fits in 65,535 bytes (else 2.0), the header dict
/// with sorted keys and 21-digit growth padding, then spaces and a final `'\n'` so that the data
/// starts at a multiple of 64 bytes.
public enum NPY {
    /// The six magic bytes every `.npy` file starts with: `\x93NUMPY`.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// NumPy's `ARRAY_ALIGN`: the data offset is a multiple of this.
    static let alignment = 64

    /// Reads the `.npy` file at `url`.
    ///
    /// Throws `.missingFile` (noInput) when it does not exist, `.unreadable` (ioError) when it cannot
    /// be read, and a `.data` error naming the file for a bad magic, version, header, dtype, byte
    /// order, Fortran order, or a size that does not match the header. O(file size), bulk copies only.
    /// A bool (`'|b1'`) array comes back as `uint8` holding 0 and 1; any other byte is a `.data` error
    /// naming the file and the element's index.
    public static func read(url: URL) throws -> NPYArray {
        try decode(FileAccess.read(url, role: "an .npy array"), path: url.path)
    }

    /// Decodes the bytes of an `.npy` file; `path` is used in error messages only.
    public static func decode(_ bytes: Data, path: String) throws -> NPYArray {
        let file = [UInt8](bytes.prefix(12))  // the longest fixed prefix (version 2.0 and 3.0)
        guard file.count >= 6, Array(file[0..<6]) == magic else {
            throw AuditDataError.invalid(
                path: path, problem: "not an .npy file (it does not start with the bytes \\x93NUMPY)",
                fix: "give a file written by numpy.save")
        }
        guard file.count >= 10 else { throw cutShort(path, "header") }
        let (major, minor) = (file[6], file[7])
        let prefixLength: Int
        let headerLength: Int
        switch (major, minor) {
        case (1, 0):
            prefixLength = 10
            headerLength = Int(file[8]) | Int(file[9]) << 8
        case (2, 0), (3, 0):
            guard file.count >= 12 else { throw cutShort(path, "header") }
            prefixLength = 12
            headerLength = Int(file[8]) | Int(file[9]) << 8 | Int(file[10]) << 16 | Int(file[11]) << 24
        default:
            throw AuditDataError.invalid(
                path: path, problem: "format version \(major).\(minor) is not supported (miaudit reads 1.0, 2.0 and 3.0)",
                fix: "save the array again with numpy.save")
        }
        let dataOffset = prefixLength + headerLength
        guard bytes.count >= dataOffset else { throw cutShort(path, "header") }
        let headerBytes = [UInt8](bytes.dropFirst(prefixLength).prefix(headerLength))
        let header = try NPYHeader.parse(headerBytes[...], path: path)

        if NPYDType.isBigEndian(header.descr) {
            throw AuditDataError.invalid(
                path: path, problem: "dtype '\(header.descr)' is big-endian and miaudit reads little-endian only",
                fix: "save it with arr.astype('<\(header.descr.dropFirst())')")
        }
        let isBool = NPYDType.isBool(header.descr)
        guard let dtype = isBool ? .uint8 : NPYDType(descr: header.descr) else {
            throw AuditDataError.unsupportedDType(path: path, descr: header.descr)
        }
        if header.fortranOrder && header.shape.filter({ $0 > 1 }).count > 1 {
            throw AuditDataError.invalid(
                path: path, problem: "the array is stored in Fortran (column-major) order and miaudit reads C order only",
                fix: "save numpy.ascontiguousarray(arr) instead")
        }
        var elementCount = 1
        for dimension in header.shape {
            let (product, overflow) = elementCount.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw AuditDataError.invalid(path: path, problem: "shape \(header.shape) is too large",
                                             fix: "check that the file is not corrupt")
            }
            elementCount = product
        }
        let (needed, overflow) = elementCount.multipliedReportingOverflow(by: dtype.itemSize)
        let available = bytes.count - dataOffset
        guard !overflow, available >= needed else {
            throw AuditDataError.truncated(path: path, expectedBytes: overflow ? Int.max : needed, actualBytes: available)
        }
        guard available == needed else {
            throw AuditDataError.invalid(
                path: path, problem: "\(available - needed) unexpected bytes follow the \(needed) data bytes of shape \(header.shape)",
                fix: "regenerate the file with numpy.save")
        }
        let data = bytes.withUnsafeBytes { raw in
            [UInt8](UnsafeRawBufferPointer(rebasing: raw[dataOffset..<(dataOffset + needed)]))
        }
        if isBool, let index = data.firstIndex(where: { $0 > 1 }) {
            throw AuditDataError.invalid(
                path: path, problem: "element \(index) of the bool ('\(header.descr)') array is the byte \(data[index]), not 0 or 1",
                fix: "check that the file is not corrupt, or save arr.astype(bool) again with numpy.save")
        }
        return NPYArray(dtype: dtype, shape: header.shape, data: data)
    }

    /// The bytes `numpy.save` writes for `array` (format 1.0 when the header fits, else 2.0).
    public static func encode(_ array: NPYArray) -> Data {
        let text = Array(NPYHeader(descr: array.dtype.rawValue, fortranOrder: false, shape: array.shape)
            .dictionaryText().utf8)
        var version: UInt8 = 1
        var padded = paddedHeaderLength(textLength: text.count, prefixLength: 10)
        if padded > Int(UInt16.max) {
            version = 2
            padded = paddedHeaderLength(textLength: text.count, prefixLength: 12)
        }
        var output = Data(capacity: 12 + padded + array.data.count)
        output.append(contentsOf: magic)
        output.append(contentsOf: [version, 0])
        if version == 1 {
            output.append(contentsOf: [UInt8(padded & 0xFF), UInt8(padded >> 8)])
        } else {
            output.append(contentsOf: (0..<4).map { UInt8((padded >> (8 * $0)) & 0xFF) })
        }
        output.append(contentsOf: text)
        output.append(contentsOf: [UInt8](repeating: 0x20, count: padded - text.count - 1))
        output.append(0x0A)
        output.append(contentsOf: array.data)
        return output
    }

    /// Writes `array` to `url` atomically in `numpy.save`'s exact byte layout; failures are `.cannotWrite`.
    public static func write(_ array: NPYArray, to url: URL) throws {
        try FileAccess.write(encode(array), to: url)
    }

    /// NumPy's `_wrap_header`: text plus `'\n'` plus spaces so that prefix + header is a multiple of 64
    /// (a full 64 spaces when it already was).
    static func paddedHeaderLength(textLength: Int, prefixLength: Int) -> Int {
        let withNewline = textLength + 1
        let padding = alignment - (prefixLength + withNewline) % alignment
        return withNewline + padding
    }

    private static func cutShort(_ path: String, _ part: String) -> AuditDataError {
        .invalid(path: path, problem: "the file ends inside the .npy \(part)", fix: "copy or regenerate the file completely")
    }
}
