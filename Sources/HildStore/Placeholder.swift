// HildStore: filled in by its issue-4 change.
