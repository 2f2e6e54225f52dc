import HilCLI

Hilctl.main()
