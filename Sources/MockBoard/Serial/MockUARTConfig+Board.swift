import Deployer

extension MockUARTConfig {
    /// The mock board's serial side as the board file describes it: where the harness's info
    /// block and the model region sit, the core clock, the harness's arena and input buffers,
    /// the boot and highest line rates.
    public init(board: BoardDefinition) {
        self.init(infoBlockAddress: board.firmware.infoBlockAddress, modelRegionBase: board.firmware.modelRegion.base.value,
                  modelRegionSize: board.firmware.modelRegion.size, coreClockHz: UInt32(board.coreClockHz),
                  arenaSize: board.harness.arenaBytes, inputBufferSize: board.harness.inputBufferBytes)
        bootBaud = board.harness.bootBaud
        maxBaud = board.harness.maxBaud
    }
}
