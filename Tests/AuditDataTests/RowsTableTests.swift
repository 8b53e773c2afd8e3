import Foundation
import Testing
@testable import AuditData

@Suite("The rows file of data create: CSV and JSON Lines")
struct RowsTableTests {
    /// Parses `text` as CSV, naming the file `rows.csv` in errors.
    func csv(_ text: String) throws -> RowsTable {
        try RowsTable.parseCSV(Array(text.utf8), path: "rows.csv")
    }

    func jsonLines(_ text: String) throws -> RowsTable {
        try RowsTable.parseJSONLines(Array(text.utf8), path: "rows.jsonl")
    }

    func texts(_ table: RowsTable, _ column: String) -> [String] {
        table.records.map { record in
            if case let .text(text) = record.cells[column] { return text }
            return "<not text>"
        }
    }

    @Test("quoted fields hold commas, doubled quotes and line breaks; records keep the line they start on")
    func quoting() throws {
        let table = try csv("id,group,note\r\n\"a,1\",\"g \"\"x\"\"\",\"one\r\ntwo\"\r\nb,g2,\r\n\"\",g3,\"\"\r\n")
        #expect(table.columns == ["id", "group", "note"])
        #expect(texts(table, "id") == ["a,1", "b", ""])
        #expect(texts(table, "group") == ["g \"x\"", "g2", "g3"])
        #expect(texts(table, "note") == ["one\r\ntwo", "", ""])
        #expect(table.records.map(\.line) == [2, 4, 5])
    }

    @Test("LF and CRLF line ends, a missing final line end, a byte-order mark and blank lines all read the same")
    func lineEnds() throws {
        let lf = try csv("id,group\na,1\n\nb,2\n")
        let crlf = try csv("\u{FEFF}id,group\r\na,1\r\n\r\nb,2")
        for table in [lf, crlf] {
            #expect(table.columns == ["id", "group"])
            #expect(texts(table, "id") == ["a", "b"])
            #expect(texts(table, "group") == ["1", "2"])
            #expect(table.records.map(\.line) == [2, 4])
        }
    }

    @Test("a NUL byte, a ragged row and a lone CR are refused with the line and column")
    func refusedBytes() throws {
        let nul = expectAuditError { _ = try csv("id,group\na,g\nb,x\u{0}y\n") }
        #expect(nul?.exitStatus == .data)
        #expect(nul?.description == "rows.csv:3: column 2 holds a NUL byte; save the rows file as UTF-8 text (a NUL byte means UTF-16 or a binary file).")
        let ragged = expectAuditError { _ = try csv("id,group\na,g\nb\nc,g\n") }
        #expect(ragged?.description == "rows.csv:3: has 1 field(s) but the header (line 1) has 2; give every row one value per header column, and quote values that contain commas.")
        let wide = expectAuditError { _ = try csv("id,group\na,g,extra\n") }
        #expect(wide?.description.hasPrefix("rows.csv:2: has 3 field(s) but the header (line 1) has 2;") == true)
        let carriageReturn = expectAuditError { _ = try csv("id,group\ra,g\n") }
        #expect(carriageReturn?.description.hasPrefix("rows.csv:1: column 2 holds a carriage return that does not end the line;") == true)
        let utf8 = expectAuditError { _ = try RowsTable.parseCSV(Array("id,group\na,".utf8) + [0xFF] + [0x0A], path: "rows.csv") }
        #expect(utf8?.description == "rows.csv:2: column 2 is not valid UTF-8 text; save the rows file as UTF-8.")
    }

    @Test("bad quoting is refused with the line and column")
    func badQuotes() throws {
        let inside = expectAuditError { _ = try csv("id,group\na\"b,g\n") }
        #expect(inside?.description == "rows.csv:2: column 1 has a quote inside an unquoted field; quote the whole field and double the quotes inside it, e.g. \"a \"\"b\"\" c\".")
        let after = expectAuditError { _ = try csv("id,group\na,\"g\"x\n") }
        #expect(after?.description.hasPrefix("rows.csv:2: column 2 has text after its closing quote;") == true)
        let open = expectAuditError { _ = try csv("id,group\na,g\nb,\"g\nc,g\n") }
        #expect(open?.description == "rows.csv:3: column 2 opens a quote that is never closed; close the quoted field, and write quotes inside it as two quotes (\"\").")
    }

    @Test("the header needs unique, non-empty names and the file needs a header")
    func header() throws {
        let repeated = expectAuditError { _ = try csv("id,group,id\na,b,c\n") }
        #expect(repeated?.description == "rows.csv:1: header columns 1 and 3 are both named 'id'; give every column a different name.")
        let unnamed = expectAuditError { _ = try csv("id,,group\n") }
        #expect(unnamed?.description.hasPrefix("rows.csv:1: header column 2 has no name;") == true)
        let empty = expectAuditError { _ = try csv("\n\n") }
        #expect(empty?.description.hasPrefix("rows.csv: is empty;") == true)
    }

    @Test("ids must be present, non-empty and unique; errors name the line and column")
    func ids() throws {
        #expect(try csv("group,id\n1,a\n2,b\n").ids(column: "id") == ["a", "b"])
        let duplicate = expectAuditError { _ = try csv("id,group\na,1\nb,2\na,3\n").ids(column: "id") }
        #expect(duplicate?.description == "rows.csv:4: column 1 ('id') repeats the id 'a' of line 2; make every id unique.")
        let empty = expectAuditError { _ = try csv("group,id\n1,a\n2,\n").ids(column: "id") }
        #expect(empty?.description == "rows.csv:3: column 2 ('id') is empty, not an id; give every row a non-empty id string (in JSON Lines, a quoted string).")
        let missing = expectAuditError { _ = try csv("name,group\na,1\n").ids(column: "id") }
        #expect(missing?.description == "rows.csv: has no column 'id' (the row ids); its columns are 'name', 'group'; add the column, or name the right one with --id-column.")
    }

    @Test("JSON Lines: string or integer groups, CRLF, a final line end optional; 7 and \"7\" are one group")
    func jsonLinesGroups() throws {
        let table = try jsonLines("{\"id\": \"a\", \"group\": 7}\r\n{\"group\": \"7\", \"id\": \"b\"}\n{\"id\": \"c\", \"group\": \"x\", \"extra\": [1]}")
        #expect(try table.ids(column: "id") == ["a", "b", "c"])
        #expect(try table.groupKeys(column: "group") == ["7", "7", "x"])
        #expect(table.hasColumn("extra"))
    }

    @Test("JSON Lines: blank lines, non-objects, wrong value kinds and missing keys are refused by line")
    func jsonLinesErrors() throws {
        let blank = expectAuditError { _ = try jsonLines("{\"id\": \"a\"}\n\n{\"id\": \"b\"}\n") }
        #expect(blank?.description.hasPrefix("rows.jsonl:2: is blank;") == true)
        let array = expectAuditError { _ = try jsonLines("{\"id\": \"a\"}\n[1, 2]\n") }
        #expect(array?.description == "rows.jsonl:2: is not a JSON object; write one JSON object per line, e.g. {\"id\": \"a\", \"group\": 1}.")
        let numericID = expectAuditError { _ = try jsonLines("{\"id\": 5}\n").ids(column: "id") }
        #expect(numericID?.description.hasPrefix("rows.jsonl:1: key 'id' is the integer 5, not an id;") == true)
        let boolGroup = expectAuditError { _ = try jsonLines("{\"id\": \"a\", \"group\": true}\n").groupKeys(column: "group") }
        #expect(boolGroup?.description.hasPrefix("rows.jsonl:1: key 'group' is a boolean, not a group;") == true)
        let fractionGroup = expectAuditError { _ = try jsonLines("{\"id\": \"a\", \"group\": 1.5}\n").groupKeys(column: "group") }
        #expect(fractionGroup?.description.hasPrefix("rows.jsonl:1: key 'group' is a number that is not an integer, not a group;") == true)
        let missing = expectAuditError { _ = try jsonLines("{\"id\": \"a\", \"group\": 1}\n{\"id\": \"b\"}\n").groupKeys(column: "group") }
        #expect(missing?.description == "rows.jsonl:2: has no key 'group'; give every line the key 'group'.")
        let nul = expectAuditError { _ = try jsonLines("{\"id\": \"a\"}\n{\"id\": \"\u{0}\"}\n") }
        #expect(nul?.description.hasPrefix("rows.jsonl:2: holds a NUL byte;") == true)
    }

    @Test("split values: the five names or empty; anything else names the line")
    func splitNames() throws {
        let table = try csv("id,split\na,train\nb,forget\nc,\nd,holdout\ne,validation\nf,test\n")
        #expect(try table.splitNames(column: "split") == ["train", "forget", nil, "holdout", "validation", "test"])
        let bad = expectAuditError { _ = try csv("id,split\na,train\nb,Train\n").splitNames(column: "split") }
        #expect(bad?.description == "rows.csv:3: column 2 ('split') is 'Train', not a split; use one of train, forget, holdout, validation, test, or leave it empty for a row in no split.")
        #expect(try jsonLines("{\"id\": \"a\", \"split\": null}\n").splitNames(column: "split") == [nil])
    }

    @Test("labels: integers, or names with classes; bad values name the line and column")
    func labels() throws {
        let integers = try csv("id,label\na,2\nb,0\n")
        #expect(try integers.labels(column: "label", classes: nil, classesFile: nil) == [2, 0])
        let names = try csv("id,label\na,dog\nb,cat\n")
        #expect(try names.labels(column: "label", classes: ["cat", "dog"], classesFile: "classes.txt") == [1, 0])
        let unknown = expectAuditError { _ = try names.labels(column: "label", classes: ["cat", "bird"], classesFile: "classes.txt") }
        #expect(unknown?.description == "rows.csv:2: column 2 ('label') is 'dog', which is not one of the 2 classes in classes.txt; use a class name from that file (names are case-sensitive), or add the class there.")
        let negative = expectAuditError { _ = try csv("id,label\na,-1\n").labels(column: "label", classes: nil, classesFile: nil) }
        #expect(negative?.description == "rows.csv:2: column 2 ('label') is -1, outside 0 and up; labels index the classes from 0.")
        let tooLarge = expectAuditError {
            _ = try jsonLines("{\"id\": \"a\", \"label\": 2}\n").labels(column: "label", classes: ["x", "y"], classesFile: "classes.txt")
        }
        #expect(tooLarge?.description == "rows.jsonl:1: key 'label' is 2, outside 0..<2 (the classes in classes.txt); labels index the classes from 0.")
        let word = expectAuditError { _ = try csv("id,label\na,cat\n").labels(column: "label", classes: nil, classesFile: nil) }
        #expect(word?.description == "rows.csv:2: column 2 ('label') is 'cat', not a class index; give every row an integer label from 0, or give --classes to use class names.")
    }
}
