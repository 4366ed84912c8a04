import LibPQ

// How the Japanese texts of errors (``ServiceError/FieldError/ja``) write periods and dates, so that every rule
// writes them alike: 2021年度第1四半期, 2021年6月30日.

extension PeriodCode {
    /// The period as the screens' messages write it: `2021年度第1四半期`.
    var jaName: String { "\(fiscalYear)年度第\(quarter)四半期" }
}

extension CalendarDate {
    /// The date as the screens' messages write it: `2021年6月30日`.
    var jaText: String { "\(year)年\(month)月\(day)日" }
}
