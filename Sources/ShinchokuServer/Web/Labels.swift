import Foundation
import Shinchoku
import ShinchokuReports

// The words the screens use, in the users' own terms. Labels only: what a state means is the service's business.

enum Labels {
    /// The state of a figure or narrative as users name it; nil (nothing entered) is 未入力. An item that was
    /// approved and is being corrected (draft or returned after a reopen) is 承認後修正中.
    static func state(_ state: WorkflowState?, approvedBefore: Bool) -> (text: String, key: String) {
        switch state {
        case nil: ("未入力", "none")
        case .draft?: approvedBefore ? ("承認後修正中", "correcting") : ("下書き", "draft")
        case .submitted?: ("提出済", "submitted")
        case .returned?: approvedBefore ? ("承認後修正中（差戻し）", "returned") : ("差戻し", "returned")
        case .approved?: ("承認済", "approved")
        }
    }

    static func figureStatus(_ s: FigureStatus) -> String {
        switch s {
        case .reported: "実績値"
        case .notPublished: "未公表"
        case .notAvailable: "－"
        }
    }

    static func kind(_ k: MeasureKind) -> String {
        switch k {
        case .cumulative: "累計"
        case .periodSum: "／3年"
        case .level: "率・水準"
        }
    }

    static func role(_ r: Role) -> String {
        switch r {
        case .clerk: "担当課"
        case .approver: "政策企画課（審査）"
        case .admin: "管理者"
        }
    }

    static func periodState(_ s: PeriodState) -> String {
        switch s {
        case .planned: "準備中"
        case .open: "受付中"
        case .closed: "締切済"
        case .locked: "確定"
        }
    }

    static func action(_ a: WorkflowAction) -> String {
        switch a {
        case .save: "保存"
        case .submit: "提出"
        case .approve: "承認"
        case .return: "差戻し"
        case .reopen: "承認後の修正のため再開"
        }
    }

    /// 2021年度 第2四半期（7月～9月）
    static func period(_ p: PeriodCode) -> String {
        let firstMonth = [4, 7, 10, 1][p.quarter - 1]
        return "\(p.fiscalYear)年度 第\(p.quarter)四半期（\(firstMonth)月～\(firstMonth + 2)月）"
    }

    /// 2021年9月30日
    static func date(_ d: CalendarDate) -> String { "\(d.year)年\(d.month)月\(d.day)日" }

    static func dateTime(_ d: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Tokyo") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        return String(format: "%d年%d月%d日 %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
    }

    /// A figure's content as one line: 12 回, 未公表, －.
    static func content(_ c: FigureContent?, unit: String) -> String? {
        guard let c else { return nil }
        switch c.status {
        case .reported: return c.value.map { "\($0) \(unit)" } ?? "－"
        case .notPublished: return "未公表"
        case .notAvailable: return "－"
        }
    }

    /// A signed difference: +3, −1.5, ±0.
    static func change(_ d: Decimal?, unit: String) -> String? {
        guard let d else { return nil }
        let text = NSDecimalNumber(decimal: d < 0 ? -d : d).stringValue
        if d == 0 { return "±0 \(unit)" }
        return (d < 0 ? "−" : "+") + text + " " + unit
    }

    /// The days left until the due date, in words.
    static func daysLeft(due: CalendarDate?, today: CalendarDate) -> String? {
        guard let due else { return nil }
        let days = due.daysSinceEpoch - today.daysSinceEpoch
        if days > 0 { return "あと\(days)日" }
        if days == 0 { return "本日締切" }
        return "\(-days)日超過"
    }

    /// The target as the plan states it: 12 回（2023年度）以上.
    static func target(_ i: IndicatorInfo) -> String {
        "\(i.target) \(i.unit)（\(i.targetFiscalYear)年度）\(i.targetQualifier?.japanese ?? "")"
    }

    /// The baseline as the report's summary prints it (`0回（計画開始時）`); － when the report would read it from
    /// figures before the plan start.
    static func baseline(_ i: IndicatorInfo) -> String {
        ReportFragment.baselineCell(of: i) ?? i.baselineLabel ?? "－"
    }

    /// The achievement rate (実績値÷目標値) of the report's formula, as a percentage.
    static func achievementRate(_ value: ExactDecimal?, _ i: IndicatorInfo) -> String? {
        guard let v = value?.decimal,
            let rate = IndicatorAssessor.achievementRate(
                actual: v, target: i.target.decimal, direction: i.direction)
        else { return nil }
        return IndicatorAssessor.percentText(rate) + "%"
    }

    /// The Japanese name of a field the service names in an error.
    static func field(_ name: String) -> String {
        switch name {
        case "value": "実績値"
        case "status": "区分"
        case "note": "備考"
        case "as_of": "時点"
        case "version": "版"
        case "reason": "理由"
        case "comment": "コメント"
        case "login": "ログインID"
        case "password": "パスワード"
        case "current_password": "現在のパスワード"
        case "display_name": "氏名"
        case "role": "役割"
        case "department": "担当課"
        case "progress": "進捗状況"
        case "progress_hard": "進捗状況（ハード面）"
        case "progress_soft": "進捗状況（ソフト面）"
        case "outlook": "今後の動向等"
        case "outlook_hard": "今後の動向等（ハード面）"
        case "outlook_soft": "今後の動向等（ソフト面）"
        case "due", "due_on": "提出期限"
        case "until": "延長期限"
        case "period": "期間"
        case "name": "名称"
        case "items": "選択した項目"
        default: name
        }
    }
}
