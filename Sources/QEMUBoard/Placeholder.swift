public enum QEMUBoardPlaceholder {}
