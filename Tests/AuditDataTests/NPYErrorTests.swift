import Foundation
import NumericCore
import Testing
@testable import AuditData

@Suite("NPY errors name the file and the fix")
struct NPYErrorTests {
    let floats = NPYArray(float32: [1, 2, 3])

    func decode(_ dict: String, data: [UInt8], major: UInt8 = 1) -> AuditDataError? {
        expectAuditError { _ = try NPY.decode(TestSupport.handMadeNPY(major: major, dict: dict, data: data), path: "x.npy") }
    }

    @Test("a truncated file")
    func truncated() {
        let bytes = NPY.encode(floats).dropLast(4)
        let error = expectAuditError { _ = try NPY.decode(Data(bytes), path: "/d/t.npy") }
        #expect(error?.description == "/d/t.npy: truncated, the header promises 12 data bytes but the file holds 8; copy or regenerate the file completely.")
        #expect(error?.exitStatus == .data)
    }

    @Test("a file cut inside its header, and extra bytes after the data")
    func cutHeaderAndTrailing() {
        let cut = expectAuditError { _ = try NPY.decode(NPY.encode(floats).prefix(30), path: "c.npy") }
        #expect(cut?.description == "c.npy: the file ends inside the .npy header; copy or regenerate the file completely.")
        let extra = expectAuditError { _ = try NPY.decode(NPY.encode(floats) + Data([1, 2]), path: "e.npy") }
        #expect(extra?.description == "e.npy: 2 unexpected bytes follow the 12 data bytes of shape [3]; regenerate the file with numpy.save.")
    }

    @Test("bad magic")
    func badMagic() {
        let error = expectAuditError { _ = try NPY.decode(Data("PK\u{3}\u{4} not numpy".utf8), path: "z.npy") }
        #expect(error?.description == "z.npy: not an .npy file (it does not start with the bytes \\x93NUMPY); give a file written by numpy.save.")
        #expect(error?.exitStatus == .data)
    }

    @Test("an unsupported version")
    func badVersion() {
        var bytes = [UInt8](NPY.encode(floats))
        bytes[6] = 4
        let error = expectAuditError { _ = try NPY.decode(Data(bytes), path: "v.npy") }
        #expect(error?.description == "v.npy: format version 4.0 is not supported (miaudit reads 1.0, 2.0 and 3.0); save the array again with numpy.save.")
    }

    @Test("an unsupported dtype says which and what is supported")
    func unsupportedDType() {
        let error = decode("{'descr': '<c8', 'fortran_order': False, 'shape': (1,)}", data: [UInt8](repeating: 0, count: 8))
        #expect(error?.description == "x.npy: dtype '<c8' is not supported; miaudit reads |u1, <f2, <f4, <f8, <i4, <i8 (little-endian, C order), so convert the array with numpy's astype and save it again.")
        #expect(error?.exitStatus == .data)
        let complexError = decode("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", data: [UInt8](repeating: 0, count: 16))
        #expect(complexError == .unsupportedDType(path: "x.npy", descr: "<c16"))
        let structured = decode("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", data: [0, 0, 0, 0])
        #expect(structured == .unsupportedDType(path: "x.npy", descr: "structured or non-string descr"))
    }

    @Test("big-endian data")
    func bigEndian() {
        let error = decode("{'descr': '>f4', 'fortran_order': False, 'shape': (3,)}", data: floats.data)
        #expect(error?.description == "x.npy: dtype '>f4' is big-endian and miaudit reads little-endian only; save it with arr.astype('<f4').")
    }

    @Test("Fortran order")
    func fortranOrder() {
        let error = decode("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2)}", data: [UInt8](repeating: 0, count: 24))
        #expect(error?.description == "x.npy: the array is stored in Fortran (column-major) order and miaudit reads C order only; save numpy.ascontiguousarray(arr) instead.")
    }

    @Test("bad headers", arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)", "the header is not a Python dict literal (unexpected end at byte 118)"),
        ("{'descr': '<f4', 'fortran_order': False}", "the header's 'shape' is missing or not a tuple"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}", "the header's 'fortran_order' is missing or not True/False"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'extra': 1}", "the header has an unexpected key 'extra'"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,)}", "the header's 'shape' holds something other than non-negative integers"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} junk", "the header is not a Python dict literal (unexpected text after the dict at byte 56)"),
        ("['descr', '<f4']", "the header is not a Python dict"),
        ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", "the header is not a Python dict literal (duplicate key 'descr' at byte 31)"),
        ("{'fortran_order': False, 'shape': (3,)}", "the header has no 'descr'"),
        ("{'descr': '<f4', 'fortran_order': Flase, 'shape': (3,)}", "the header is not a Python dict literal (unexpected 'Flase' at byte 39)"),
    ])
    func badHeader(dict: String, problem: String) {
        let error = decode(dict, data: floats.data)
        #expect(error?.description == "x.npy: \(problem); write the file again with numpy.save.")
        #expect(error?.exitStatus == .data)
    }

    @Test("a shape whose size overflows")
    func hugeShape() {
        let error = decode("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4)}", data: [])
        #expect(error?.description == "x.npy: shape [4611686018427387904, 4] is too large; check that the file is not corrupt.")
    }

    @Test("a missing file is noInput and a directory is an I/O error")
    func missingFile() throws {
        try TestSupport.withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("absent.npy")
            let error = expectAuditError { _ = try NPY.read(url: url) }
            #expect(error?.exitStatus == .noInput)
            #expect(error?.description == "\(url.path): no such file (an .npy array); check the path, or rebuild the data set if the file was deleted.")
            let directoryError = expectAuditError { _ = try NPY.read(url: directory) }
            #expect(directoryError?.exitStatus == .ioError)
            let writeError = expectAuditError { try NPY.write(floats, to: url.appendingPathComponent("sub/x.npy")) }
            #expect(writeError?.exitStatus == .cannotCreate)
        }
    }
}
