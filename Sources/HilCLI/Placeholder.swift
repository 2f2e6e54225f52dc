public enum HilCLIPlaceholder {}
