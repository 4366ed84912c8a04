import Hummingbird
import Shinchoku

// The service's results are the API's response bodies as they are: each is encoded by the request context's
// `responseEncoder` (``JSONEncoder/api``). Arrays of them are `ResponseEncodable` through Hummingbird.

extension UserInfo: ResponseEncodable {}
extension CreatedUser: ResponseEncodable {}
extension PeriodInfo: ResponseEncodable {}
extension ProjectInfo: ResponseEncodable {}
extension IndicatorInfo: ResponseEncodable {}
extension LoginResult: ResponseEncodable {}
