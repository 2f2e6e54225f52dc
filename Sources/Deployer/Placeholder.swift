public enum DeployerPlaceholder {}
