public enum MockBoardPlaceholder {}
