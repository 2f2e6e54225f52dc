public enum GDBRemotePlaceholder {}
