import Foundation

/// Every attack miaudit runs, in report order. Spec validation, metric names, the null-calibrated
/// metrics, report sections and the command line derive from this list.
public enum AttackRegistry {
    /// The attacks. Adding one is a conforming type and one line here.
    public static let all: [any MembershipAttack] = [
        SVMMembershipAttack(),
        ULiRAAttack(),
        UMIAAttack(),
        ForgetQualityAttack(),
        RMIAAttack(),
    ]

    /// Every attack name, in report order.
    public static var names: [String] { all.map(\.name) }

    /// The attacks a spec without an `attacks:` list runs.
    public static var defaults: [any MembershipAttack] { all.filter(\.runsByDefault) }

    /// The attack called `name` (a hyphen reads as an underscore: `forget-quality`).
    public static func named(_ name: String) -> (any MembershipAttack)? {
        let normalized = name.replacingOccurrences(of: "-", with: "_")
        return all.first { $0.name == normalized }
    }

    /// The attack that reports `metric`, from its first component.
    public static func attack(measuring metric: String) -> (any MembershipAttack)? {
        let prefix = metric.split(separator: ".").first.map(String.init) ?? metric
        return all.first { $0.name == prefix }
    }

    /// Every metric any attack reports, in report order. Each has a null distribution when the
    /// audit has gold models.
    public static var metricNames: [String] { all.flatMap(\.metricNames) }

    /// Every option of every attack.
    public static var options: [AttackOption] { all.flatMap(\.options) }

    /// The option called `key`, with the attack that declares it.
    public static func option(_ key: String) -> (attack: any MembershipAttack, option: AttackOption)? {
        for attack in all {
            if let option = attack.options.first(where: { $0.key == key }) { return (attack, option) }
        }
        return nil
    }

    /// A stored result's detail as blocks, decoded with its attack's detail type; a detail of an
    /// attack this build does not know, or that does not decode, is shown as a note.
    public static func presentation(of result: AttackResult) -> [DetailBlock] {
        guard let detail = result.detail else { return [] }
        guard let attack = named(result.attack) else {
            return [.note("This build of miaudit does not know the attack \(result.attack); its detail is in the report's JSON.", warning: false)]
        }
        do {
            return try decodeDetail(attack.detailType, from: detail).presentation
        } catch {
            return [.note("The detail of \(result.attack) could not be read (\(error)); it is in the report's JSON.", warning: true)]
        }
    }

    private static func decodeDetail<D: AttackDetail>(_ type: D.Type, from json: JSONValue) throws -> any AttackDetail {
        try json.decode(type)
    }
}
