import HilAPI
import Hummingbird

extension APIHandlers {
    func listBoards() async throws(APIError) -> Response {
        try Responses.json(await service.boards())
    }

    func getBoard(_ context: some RequestContext) async throws(APIError) -> Response {
        // A board id is the probe's serial or qemu-N; the router only captures non-empty segments.
        let id = context.parameters.get("id") ?? ""
        return try Responses.json(try await service.board(id: id))
    }
}
