import Foundation
import Testing
@testable import AuditData

/// NumPy bool arrays (`'|b1'`) are read as `uint8` arrays of 0s and 1s.
@Suite("NPY reads numpy bool arrays")
struct NPYBoolTests {
    func bool(_ shape: String, _ data: [UInt8], descr: String = "|b1") -> Data {
        TestSupport.handMadeNPY(major: 1, dict: "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }", data: data)
    }

    @Test("a hand-built bool header reads as uint8 through every accessor")
    func handBuilt() throws {
        let array = try NPY.decode(bool("(2, 3)", [1, 0, 0, 1, 1, 0]), path: "labels.npy")
        #expect(array == NPYArray(uint8: [1, 0, 0, 1, 1, 0], shape: [2, 3]))
        #expect(array.doubles() == [1, 0, 0, 1, 1, 0])
        #expect(array.floats() == [1, 0, 0, 1, 1, 0])
        #expect(try array.int64s() == [1, 0, 0, 1, 1, 0])
        #expect(try array.uint8s() == [1, 0, 0, 1, 1, 0])
        #expect(array.firstNonFiniteIndex() == nil)
        for descr in ["<b1", "=b1", ">b1"] {
            #expect(try NPY.decode(bool("(2,)", [0, 1], descr: descr), path: "o.npy").doubles() == [0, 1], "\(descr)")
        }
        #expect(try NPY.decode(bool("()", [1]), path: "s.npy") == NPYArray(uint8: [1], shape: []))
        #expect(try NPY.decode(bool("(0,)", []), path: "e.npy") == NPYArray(uint8: [], shape: [0]))
    }

    @Test("a byte other than 0 or 1 is a data error naming the file and the element")
    func badByte() {
        let error = expectAuditError { _ = try NPY.decode(bool("(5,)", [0, 1, 1, 2, 255]), path: "/d/labels.npy") }
        #expect(error?.description == "/d/labels.npy: element 3 of the bool ('|b1') array is the byte 2, not 0 or 1; "
                + "check that the file is not corrupt, or save arr.astype(bool) again with numpy.save.")
        #expect(error?.exitStatus == .data)
        let last = expectAuditError { _ = try NPY.decode(bool("(2, 2)", [1, 0, 0, 0x80]), path: "m.npy") }
        #expect(last == .invalid(path: "m.npy", problem: "element 3 of the bool ('|b1') array is the byte 128, not 0 or 1",
                                 fix: "check that the file is not corrupt, or save arr.astype(bool) again with numpy.save"))
        // Size checks still apply before the bytes are looked at.
        let short = expectAuditError { _ = try NPY.decode(bool("(4,)", [1, 0, 1]), path: "t.npy") }
        #expect(short == .truncated(path: "t.npy", expectedBytes: 4, actualBytes: 3))
    }

    @Test("bool files written by numpy read back, and numpy reads the values Swift writes",
          .enabled(if: TestSupport.numpyAvailable, "needs python3 with numpy"))
    func numpyRoundTrip() throws {
        try TestSupport.withTemporaryDirectory { directory in
            let script = """
                import sys, numpy as np
                out = sys.argv[1]
                np.save(f"{out}/flat.npy", np.array([True, False, False, True, True]))
                np.save(f"{out}/grid.npy", (np.arange(12).reshape(3, 4) % 3 == 0))
                np.save(f"{out}/scalar.npy", np.bool_(True))
                np.save(f"{out}/empty.npy", np.zeros((0, 2), dtype=bool))
                np.save(f"{out}/bad.npy", np.array([0, 1, 7, 1], dtype=np.uint8).view(bool))
                """
            let result = TestSupport.runPython(script, [directory.path])
            #expect(result?.status == 0, "python failed: \(result?.stderr ?? "not run")")
            let url = { (name: String) in directory.appendingPathComponent("\(name).npy") }
            #expect(try String(decoding: Data(contentsOf: url("flat")).prefix(30), as: UTF8.self).contains("'|b1'"))
            let flat = try NPY.read(url: url("flat"))
            #expect(flat == NPYArray(uint8: [1, 0, 0, 1, 1]))
            #expect(flat.doubles() == [1, 0, 0, 1, 1])
            let grid = try NPY.read(url: url("grid"))
            #expect(grid == NPYArray(uint8: [1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0], shape: [3, 4]))
            #expect(try NPY.read(url: url("scalar")) == NPYArray(uint8: [1], shape: []))
            #expect(try NPY.read(url: url("empty")) == NPYArray(uint8: [], shape: [0, 2]))
            let bad = expectAuditError { _ = try NPY.read(url: url("bad")) }
            #expect(bad?.description.hasPrefix("\(url("bad").path): element 2 of the bool ('|b1') array is the byte 7") == true)

            // Swift writes what it read (as '|u1'); numpy sees the same truth values.
            try NPY.write(grid, to: url("grid-swift"))
            let check = """
                import sys, numpy as np
                a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
                assert b.dtype == np.uint8 and b.shape == a.shape, (b.dtype, b.shape)
                assert np.array_equal(b.astype(bool), a), (a, b)
                """
            let checked = TestSupport.runPython(check, [url("grid").path, url("grid-swift").path])
            #expect(checked?.status == 0, "numpy disagrees: \(checked?.stderr ?? "not run")")
        }
    }
}
